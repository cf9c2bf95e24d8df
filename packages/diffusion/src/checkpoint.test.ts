import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, EMA, Generator, saveCheckpoint } from '@gen/core';
import { describeWithBackends, memoryIOHandler } from '@gen/core/testing';
import { loadDiffusion, saveDiffusion } from './checkpoint';
import { TINY_UNET_CONFIG, UNet2DModel } from './models/unet';

/** An in-memory tf.io handler: what `save` receives, `load` returns. */

async function stateValues(model: UNet2DModel): Promise<Record<string, Float32Array>> {
  const entries = await Promise.all(Object.entries(model.stateDict()).map(async ([name, t]) => [name, (await t.data()) as Float32Array] as const));
  return Object.fromEntries(entries);
}

describeWithBackends('saveDiffusion / loadDiffusion', () => {
  const schedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, predictionType: 'v_prediction' as const };

  it('round-trips the weights, the scheduler config and the training fields', async () => {
    const model = new UNet2DModel({ ...TINY_UNET_CONFIG, numClasses: 3, generator: new Generator(5) });
    const handler = memoryIOHandler();
    await saveDiffusion(handler, { model, schedulerConfig, training: { batchSize: 8 }, metadata: { step: 7 } });
    const before = tf.memory().numTensors;
    const loaded = await loadDiffusion(handler);
    expect(loaded.usedEma).toBe(false);
    expect(loaded.schedulerConfig).toEqual(schedulerConfig);
    expect(loaded.config.training).toEqual({ batchSize: 8 });
    expect(loaded.metadata).toEqual({ step: 7 });
    expect(loaded.model.getConfig()).toEqual(model.getConfig());
    expect(await stateValues(loaded.model)).toEqual(await stateValues(model));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('saves the EMA averages in place of the raw weights and leaves the model unchanged', async () => {
    const model = new UNet2DModel({ ...TINY_UNET_CONFIG, generator: new Generator(6) });
    const params = Object.fromEntries(model.namedParameters());
    const ema = new EMA(params, { decay: 0.5 });
    // Move the weights, then average once: shadow = 0.5·old + 0.5·new ≠ new.
    for (const v of Object.values(params)) v.assign(tf.tidy(() => tf.add(v, 1)));
    ema.update(params);
    const raw = await stateValues(model);
    const handler = memoryIOHandler();
    await saveDiffusion(handler, { model, schedulerConfig, ema });
    expect(await stateValues(model)).toEqual(raw);
    const loaded = await loadDiffusion(handler);
    const got = await stateValues(loaded.model);
    const averages = ema.averages();
    for (const [name, average] of Object.entries(averages)) {
      const expected = (await average.data()) as Float32Array;
      expect(Array.from(got[name])).toEqual(Array.from(expected));
      expect(Array.from(got[name])).not.toEqual(Array.from(raw[name]));
    }
    loaded.dispose();
    ema.dispose();
    model.dispose();
  });

  it('rejects a checkpoint of another family and bad arguments with one-line errors', async () => {
    const handler = memoryIOHandler();
    const weight = tf.ones([2]);
    await saveCheckpoint(handler, { config: { family: 'gan' }, tensors: { 'generator/w': weight } });
    weight.dispose();
    await expect(loadDiffusion(handler)).rejects.toThrow(/^loadDiffusion: the given tf\.io handler is not a diffusion checkpoint \(config\.family is "gan"/);
    await expect(saveDiffusion(memoryIOHandler(), { model: {} as UNet2DModel, schedulerConfig })).rejects.toThrow("model ({}) must be a UNet2DModel");
  });
});
