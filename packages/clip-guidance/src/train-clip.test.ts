import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { shapesDataset, TINY_CONFIG } from './__fixtures__/tiny-clip';
import { captionGroups, trainClip } from './train-clip';
import { zeroShotAccuracy } from './zero-shot-accuracy';

describeWithBackends(
  'trainClip',
  () => {
    it('drives the InfoNCE loss down and zero-shot accuracy (held-out templates, unseen images) up, leaking nothing', async () => {
      const train = shapesDataset(128, 1);
      const test = shapesDataset(64, 2);
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      const result = await trainClip({
        dataset: train,
        config: TINY_CONFIG,
        tokenizer: { vocabSize: 600, maxLength: 16 },
        steps: 150,
        batchSize: 32,
        lr: 3e-3,
        seed: 3,
        logEvery: 20,
        onProgress: (event) => {
          losses.push(event.losses.loss);
        },
      });
      expect(result.summary.stoppedBy).toBe('done');
      // ln(32) ≈ 3.47 at chance; the mean loss of the last window is well below the first.
      expect(losses[0]).toBeGreaterThan(2.5);
      expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
      const heldOut = await zeroShotAccuracy(result.clip, test, { templates: ['i see {}', 'a sketch of {}'] });
      expect(heldOut.n).toBe(64);
      expect(heldOut.accuracy).toBeGreaterThanOrEqual(0.6); // chance is 0.25; 0.80 measured
      result.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  },
  // 150 steps: seconds on wasm, minutes on the cpu backend and Chromium's software GPU; the
  // small cases below run everywhere.
  { only: ['wasm'] },
);

describeWithBackends(
  'trainClip (untrained baseline)',
  () => {
    it('is at chance before training: one step leaves zero-shot accuracy near 1/4', async () => {
      const result = await trainClip({ dataset: shapesDataset(16, 1), config: TINY_CONFIG, tokenizer: { vocabSize: 600, maxLength: 16 }, steps: 1, batchSize: 8, seed: 3 });
      const { accuracy } = await zeroShotAccuracy(result.clip, shapesDataset(64, 2));
      expect(accuracy).toBeLessThan(0.6);
      result.dispose();
    });
  },
  // One training step compiles every backward shader: past the page timeout on the software GPU.
  { skip: ['webgl'] },
);

describeWithBackends('trainClip (arguments)', () => {
  it('groups identical captions as positives', () => {
    expect(Array.from(captionGroups(['a', 'b', 'a', 'c', 'b']))).toEqual([0, 1, 0, 2, 1]);
  });

  it('rejects bad arguments with one-line errors', async () => {
    const dataset = shapesDataset(8);
    await expect(trainClip({ dataset, steps: 0 })).rejects.toThrow('steps (0) must be a positive integer');
    await expect(trainClip({ dataset, steps: 1, batchSize: 1 })).rejects.toThrow('batchSize (1) must be at least 2 (InfoNCE contrasts pairs within a batch)');
    await expect(trainClip({ dataset, steps: 1, batchSize: 9 })).rejects.toThrow('batchSize (9) must be at most the dataset size (8)');
    await expect(trainClip({ dataset, steps: 1, batchSize: 4, resume: true })).rejects.toThrow('resume (true) needs checkpointDir or checkpointHandler (where to resume from)');
    await expect(trainClip({ dataset: {} as never, steps: 1 })).rejects.toThrow('dataset ({}) must be an ImageDataset (images, labels, classNames)');
  });
});
