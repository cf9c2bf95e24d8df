import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { generateTokens, loadDalle, saveDalle, tokenCrossEntropy, trainDalle, type DalleTransformer } from '@gen/transformer';
import { classPairs, classPattern, classText, memoryHandler, tinyDalle } from './__fixtures__/tiny-dalle';

async function weightBytes(model: DalleTransformer): Promise<number[]> {
  const out: number[] = [];
  for (const tensor of Object.values(model.stateDict())) {
    const data = (await tensor.data()) as Float32Array;
    out.push(...new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

describeWithBackends('tokenCrossEntropy', () => {
  it('is the mean of −log softmax at the labels', async () => {
    const logits = tf.tensor3d([[[0, Math.log(3)], [Math.log(2), Math.log(2)]]]);
    const expected = -(Math.log(3 / 4) + Math.log(1 / 2)) / 2;
    await expectTensorsClose(tokenCrossEntropy(logits, tf.tensor2d([[1, 0]], [1, 2], 'int32')), [expected], { atol: 1e-5 });
  });
});

describeWithBackends(
  'trainDalle',
  ({ backend }) => {
    const data = classPairs(16);

    it('learns a text-to-tokens task: the loss falls from ln 8 and greedy sampling writes each class pattern', async () => {
      const model = tinyDalle(1);
      const windows: { imageLoss: number; textLoss: number }[] = [];
      const run = await trainDalle({
        model,
        data,
        steps: 30,
        batchSize: 8,
        lr: 2e-2,
        warmupSteps: 5,
        textLossWeight: 0.25,
        logEvery: 10,
        onProgress: ({ losses }) => {
          windows.push({ imageLoss: losses.imageLoss, textLoss: losses.textLoss });
        },
      });
      expect(run.summary).toMatchObject({ steps: 30, stoppedBy: 'done' });
      expect(windows[0].imageLoss).toBeGreaterThan(0.5);
      expect(windows[windows.length - 1].imageLoss).toBeLessThan(windows[0].imageLoss / 5);
      expect(windows[windows.length - 1].textLoss).toBeLessThan(windows[0].textLoss);
      const text = tf.tensor2d([0, 1, 2, 3].map(classText), [4, 5], 'int32');
      const tokens = await generateTokens({ model, textTokens: text, temperature: 0, generator: new Generator(0) }).array();
      expect(tokens).toEqual([0, 1, 2, 3].map(classPattern));
      run.dispose();
      model.dispose();
    });

    it('resumes bit-identically from a checkpoint; saveDalle / loadDalle round-trip the weights', async () => {
      const options = { data, batchSize: 4, lr: 3e-3, warmupSteps: 3, textLossWeight: 0.5, seed: 5 };
      const straight = await trainDalle({ ...options, model: tinyDalle(2), steps: 6 });
      const handler = memoryHandler();
      const first = await trainDalle({ ...options, model: tinyDalle(2), steps: 3, checkpointHandler: handler, checkpointEvery: 2 });
      expect(first.summary).toMatchObject({ steps: 3, stoppedBy: 'done' });
      const resumed = await trainDalle({ ...options, model: tinyDalle(99), steps: 6, checkpointHandler: handler, resume: true });
      expect(resumed.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      const [a, b] = [await weightBytes(resumed.model), await weightBytes(straight.model)];
      if (backend === 'cpu') expect(a).toEqual(b);
      else expect(a.length).toBe(b.length);
      const saved = memoryHandler();
      await saveDalle(saved, resumed.model, { extra: { note: 'test' } });
      const loaded = await loadDalle(saved);
      expect(loaded.config).toMatchObject({ family: 'dalle', note: 'test', model: resumed.model.toJSON() });
      expect(loaded.tokenizer).toBeNull();
      expect(await weightBytes(loaded.model)).toEqual(a);
      for (const run of [straight, first, resumed]) {
        run.dispose();
        run.model.dispose();
      }
      loaded.model.dispose();
    });

    it('caption dropout and token noise: deterministic in (seed, step), so a resumed run is exact; they change training; the checkpoint records them', async () => {
      const options = { data, batchSize: 4, lr: 3e-3, warmupSteps: 3, seed: 5, textDropProb: 0.3, textNoiseProb: 0.2 };
      const straight = await trainDalle({ ...options, model: tinyDalle(2), steps: 4 });
      const handler = memoryHandler();
      const first = await trainDalle({ ...options, model: tinyDalle(2), steps: 2, checkpointHandler: handler, checkpointEvery: 2 });
      const resumed = await trainDalle({ ...options, model: tinyDalle(99), steps: 4, checkpointHandler: handler, resume: true });
      const clean = await trainDalle({ ...options, textDropProb: 0, textNoiseProb: 0, model: tinyDalle(2), steps: 4 });
      const [a, b, c] = [await weightBytes(resumed.model), await weightBytes(straight.model), await weightBytes(clean.model)];
      if (backend === 'cpu') expect(a).toEqual(b);
      expect(b).not.toEqual(c);
      const saved = await handler.load!();
      expect(JSON.stringify(saved.userDefinedMetadata)).toContain('"textDropProb":0.3,"textNoiseProb":0.2');
      await expect(trainDalle({ ...options, textDropProb: 1, model: straight.model, steps: 1 })).rejects.toThrow('textDropProb (1) must be a number in [0, 1)');
      for (const run of [straight, first, resumed, clean]) {
        run.dispose();
        run.model.dispose();
      }
    });

    it('keeps tf.memory().numTensors flat over training and rejects bad data in one line', async () => {
      const model = tinyDalle(3);
      const before = tf.memory().numTensors;
      const run = await trainDalle({ model, data, steps: 4, batchSize: 4, logEvery: 2 });
      run.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const bad = classPairs(4);
      bad.imageIds[7] = 8;
      await expect(trainDalle({ model, data: bad, steps: 1, batchSize: 2 })).rejects.toThrow('data.imageIds[7] (8) must be in [0, 8)');
      await expect(trainDalle({ model, data, steps: 1, batchSize: 17 })).rejects.toThrow('batchSize (17) must be at most the number of pairs (16)');
      model.dispose();
    });
  },
  { skip: ['webgl'] },
);
