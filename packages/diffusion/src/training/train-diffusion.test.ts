import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { TINY_UNET_CONFIG } from '../models/unet';
import { classConditionalPipeline } from '../pipelines/class-conditional';
import { DDIMScheduler } from '../schedulers/scheduling-ddim';
import { pattern, twoPatternDataset } from './__fixtures__/two-patterns';
import { trainDiffusion } from './train-diffusion';

describeWithBackends(
  'trainDiffusion: learning two patterns',
  () => {
    it('lowers the loss, and class-conditional samples land on their class pattern', async () => {
      const windows: number[] = [];
      const result = await trainDiffusion({
        config: { ...TINY_UNET_CONFIG, numClasses: 2 },
        dataset: twoPatternDataset(64),
        steps: 150,
        batchSize: 8,
        lr: 3e-3,
        predictionType: 'v_prediction',
        snrGamma: 5,
        ema: { decay: 0.99, warmup: 'power' },
        logEvery: 25,
        onProgress: ({ losses }) => {
          windows.push(losses.loss);
        },
      });
      expect(result.summary).toMatchObject({ steps: 150, stoppedBy: 'done' });
      expect(windows).toHaveLength(6);
      expect(windows[5]).toBeLessThan(0.3 * windows[0]);

      // Sample with the EMA weights through the pipeline: 4 images of each class.
      result.ema?.copyTo(Object.fromEntries(result.model.namedParameters()));
      const labels = [0, 0, 0, 0, 1, 1, 1, 1];
      const { images } = await classConditionalPipeline({
        model: result.model,
        scheduler: DDIMScheduler.fromConfig(result.schedulerConfig),
        classLabels: labels,
        guidanceScale: 1,
        numInferenceSteps: 20,
        generator: new Generator(5),
      });
      const values = await images.data();
      const mse = (i: number, label: 0 | 1) => pattern(label).reduce((sum, p, k) => sum + (values[i * 64 + k] - p) ** 2, 0) / 64;
      // The two patterns differ on half the pixels: MSE 0.5 between them, in [0, 1] units.
      for (const [i, label] of labels.entries()) {
        expect(mse(i, label as 0 | 1)).toBeLessThan(0.12);
        expect(mse(i, label as 0 | 1)).toBeLessThan(mse(i, (1 - label) as 0 | 1) / 3);
      }
      images.dispose();
      result.dispose();
    });
  },
  { only: ['wasm'] },
);

describeWithBackends(
  'trainDiffusion: memory',
  () => {
    it('leaks no tensor over 50 steps with every option on', async () => {
      // wasm: the cheapest backend per step for this tiny model.
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const result = await trainDiffusion({
        config: { ...TINY_UNET_CONFIG, height: 4, width: 4, numClasses: 2, crossAttentionDim: 4, selfConditioning: true },
        dataset: { ...twoPatternDataset(8), images: new Float32Array(8 * 16).fill(0.5), height: 4, width: 4 },
        encodeLabels: (labels) => ({ encoderHiddenStates: tf.tile(tf.reshape(tf.cast(labels, 'float32'), [-1, 1, 1]), [1, 2, 4]) }),
        steps: 50,
        batchSize: 2,
        predictionType: 'epsilon',
        snrGamma: 5,
        offsetNoise: 0.1,
        conditionDropProb: 0.5,
        logEvery: 10,
        sampleEvery: 25,
        onSample: ({ model }) => {
          tf.dispose(tf.tidy(() => model.forward(tf.zeros([1, 4, 4, 1]), 10).sample));
        },
        onProgress: () => {
          counts.push(tf.memory().numTensors);
        },
      });
      expect(result.summary.stoppedBy).toBe('done');
      // Flat after the first window (optimizer moments and state-dict step scalars appear once).
      expect(new Set(counts.slice(1)).size).toBe(1);
      result.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  },
  { only: ['wasm'] },
);

describeWithBackends(
  'trainDiffusion: the encodeText hook',
  () => {
    it('gets each batch (indices, labels) and a per-step text generator whose draws change nothing else', async () => {
      const dataset = { ...twoPatternDataset(8), images: Float32Array.from({ length: 8 * 16 }, (_, i) => (i % 5) / 5), height: 4, width: 4 };
      const seen: Array<{ step: number; indices: number[]; labels: number[]; draws: number[] }> = [];
      const run = async (draw: boolean) => {
        const result = await trainDiffusion({
          config: { ...TINY_UNET_CONFIG, height: 4, width: 4, crossAttentionDim: 4 },
          dataset,
          steps: 3,
          batchSize: 4,
          ema: false,
          conditionDropProb: 0.5,
          seed: 3,
          encodeText: ({ indices, labels, generator, step }) => {
            // Read the labels synchronously only to record them; a real hook captions the images.
            if (draw) seen.push({ step, indices: Array.from(indices), labels: Array.from(labels.dataSync()), draws: Array.from(generator.uniformArray(3)) });
            return { encoderHiddenStates: tf.tile(tf.reshape(tf.cast(labels, 'float32'), [-1, 1, 1]), [1, 2, 4]) };
          },
        });
        const weights = await Promise.all(Object.values(result.model.stateDict()).map((t) => t.data()));
        result.dispose();
        return weights.map((w) => Array.from(w));
      };
      const quiet = await run(false);
      const drawing = await run(true);
      // 1. Drawing from the text generator leaves the step's noise, timesteps and dropout unchanged.
      expect(drawing).toEqual(quiet);
      // 2. The batch is the loader's, with its labels; the text stream is a function of (seed, step).
      expect(seen.map(({ step }) => step)).toEqual([0, 1, 2]);
      for (const { indices, labels } of seen) {
        expect(indices).toHaveLength(4);
        expect(labels).toEqual(indices.map((i) => dataset.labels[i]));
      }
      expect(seen[0].draws).toEqual(Array.from(new Generator(3).fork('step/0').fork('text').uniformArray(3)));
      expect(seen[1].draws).not.toEqual(seen[0].draws);
    });
  },
  { only: ['cpu'] },
);

describeWithBackends('trainDiffusion: bad input', () => {
  const dataset = twoPatternDataset(8);
  const base = { config: { ...TINY_UNET_CONFIG, numClasses: 2 }, dataset, steps: 1 };
  it('rejects bad options with one-line errors before training', async () => {
    await expect(trainDiffusion({ ...base, predictionType: 'noise' as never })).rejects.toThrow(
      "predictionType (\"noise\") must be one of 'epsilon', 'sample', 'v_prediction'",
    );
    await expect(trainDiffusion({ ...base, conditionDropProb: 1.5 })).rejects.toThrow('conditionDropProb (1.5) must be a number in [0, 1]');
    await expect(trainDiffusion({ ...base, config: { ...TINY_UNET_CONFIG, numClasses: 1 } })).rejects.toThrow(
      'dataset.labels[1] (1) is not a class label of this model: use integers in [0, 0]',
    );
    await expect(trainDiffusion({ ...base, config: { ...TINY_UNET_CONFIG, height: 16, width: 16 } })).rejects.toThrow(
      'dataset ("two-patterns 8×8×1") must hold 16×16×1 images to match the model',
    );
    await expect(trainDiffusion({ ...base, selfConditioning: true })).rejects.toThrow(
      'selfConditioning (true) needs a UNet built with selfConditioning: true (it reads x̂₀ as extra input channels)',
    );
    await expect(trainDiffusion({ ...base, noiseSchedule: { betaSchedule: 'quadratic' as never } })).rejects.toThrow(/^config.betaSchedule \("quadratic"\) must be one of/);
    const text = () => ({ encoderHiddenStates: tf.zeros([1, 1, 4]) });
    const textConfig = { ...TINY_UNET_CONFIG, crossAttentionDim: 4 };
    await expect(trainDiffusion({ ...base, config: textConfig })).rejects.toThrow(
      'encodeText (undefined) is required to train a UNet with cross-attention (config.crossAttentionDim is set)',
    );
    await expect(trainDiffusion({ ...base, config: textConfig, encodeText: text, encodeLabels: text })).rejects.toThrow(
      'encodeLabels ([object Function]) cannot be combined with encodeText: give one (encodeText gets the labels too)',
    );
    await expect(trainDiffusion({ ...base, encodeText: text })).rejects.toThrow(
      'encodeText ([object Function]) must be omitted: the UNet has no cross-attention (config.crossAttentionDim is null)',
    );
  });
});
