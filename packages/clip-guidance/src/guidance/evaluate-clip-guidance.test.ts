// evaluateClipGuidance with fake guided generators (real shapes of a class) over a tiny feature classifier: the accounting
// (prompted-class accuracy, per class, worst class, shares), the prompts and batches handed to the
// generator, the timing, memory and errors; and one run through steerGanLatents end to end.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, metrics } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { createGenerator, ganConfig } from '@gen/gan';
import { shapesDataset, SHAPE_CLASSES, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { HELD_OUT_TEMPLATES } from '../captions/caption-templates';
import { steerGanLatents } from '../steering/steer-gan-latents';
import { evaluateClipGuidance, type ClipGuidedRequest } from './evaluate-clip-guidance';

describeWithBackends(
  'evaluateClipGuidance',
  () => {
    const classifier = () => new metrics.FeatureClassifier({ inputShape: [SIZE, SIZE, 1], numClasses: 4, channels: [4, 4, 4], featureDim: 8, groups: 4 }, new Generator(5));

    /**
     * Real shapes of each class: a tiny classifier trained on the shapes, and for each class the
     * first of its test shapes the classifier gets right (so a generator drawing them is perfect).
     */
    async function imagesByClass(): Promise<{ features: metrics.FeatureClassifier; pool: tf.Tensor4D; byClass: number[] }> {
      const { model: features } = await metrics.trainFeatureClassifier({
        dataset: shapesDataset(256, 1),
        steps: 200,
        batchSize: 16,
        seed: 1,
        augment: false,
        learningRate: 5e-3,
        config: { channels: [4, 8, 8], featureDim: 8, groups: 4 },
        logEvery: 200,
      });
      const test = shapesDataset(64, 2);
      const pool = tf.tensor4d(test.images, [64, SIZE, SIZE, 1]);
      const { logits } = await metrics.classifierOutputs(features, pool);
      const byClass = [0, 1, 2, 3].map((k) =>
        Array.from({ length: 64 }, (_, i) => i).find((i) => {
          const row = Array.from(logits.subarray(4 * i, 4 * i + 4));
          return test.labels[i] === k && row.indexOf(Math.max(...row)) === k;
        }) ?? -1,
      );
      expect(byClass.every((i) => i >= 0)).toBe(true);
      return { features, pool, byClass };
    }
    const pick = (pool: tf.Tensor4D, indices: number[]) => tf.tidy(() => tf.gather(pool, tf.tensor1d(indices, 'int32')) as tf.Tensor4D);

    it('a generator that draws the prompted class scores 1; one that always draws class 0 scores 1/4 with the worst class named', async () => {
      const { features, pool, byClass } = await imagesByClass();
      const requests: Array<Omit<ClipGuidedRequest, 'rng'> & { draw: number }> = [];
      const events: number[] = [];
      const before = tf.memory().numTensors;
      // The fake "cheats": it knows image i is about class i mod 4 (a real generator sees only the prompts).
      const perfect = await evaluateClipGuidance({
        classifier: features,
        classNames: SHAPE_CLASSES,
        n: 10,
        batchSize: 4,
        seed: 3,
        settings: { scale: 7 },
        generate: async ({ prompts, start, batch, rng }) => {
          requests.push({ prompts, start, batch, draw: rng.uniformArray(1)[0] });
          return pick(pool, prompts.map((_, j) => byClass[(start + j) % 4]));
        },
        onProgress: ({ done, total }) => events.push(done / total),
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(perfect).toMatchObject({ n: 10, accuracy: 1, perClassAccuracy: [1, 1, 1, 1], worstClass: { label: 0, name: 'horizontal bar', accuracy: 1 }, settings: { scale: 7 } });
      expect(perfect.classFractions).toEqual([0.3, 0.3, 0.2, 0.2].map((x) => expect.closeTo(x, 6)));
      expect(perfect.templates).toEqual([...HELD_OUT_TEMPLATES]);
      expect(perfect.examples[0]).toBe('a close-up of a horizontal bar');
      expect(perfect.secondsPerImage).toBeGreaterThanOrEqual(0);
      expect(perfect.seconds).toBeCloseTo(perfect.secondsPerImage * 10, 9);
      // Three batches of 4, 4 and 2 held-out-template prompts, classes in turn, each batch its own fork of the seed.
      expect(requests.map(({ start, batch, prompts }) => [start, batch, prompts.length])).toEqual([[0, 0, 4], [4, 1, 4], [8, 2, 2]]);
      expect(requests.flatMap((r) => r.prompts).slice(0, 4)).toEqual(perfect.examples);
      expect(requests[0].draw).toBe(new Generator(3).fork('clip-guided/0').uniformArray(1)[0]);
      expect(new Set(requests.map((r) => r.draw)).size).toBe(3);
      expect(events).toEqual([1 / 3, 2 / 3, 1]);

      const zeros = await evaluateClipGuidance({ classifier: features, classNames: SHAPE_CLASSES, n: 8, generate: async ({ prompts }) => pick(pool, prompts.map(() => byClass[0])) });
      expect(zeros).toMatchObject({ accuracy: 0.25, perClassAccuracy: [1, 0, 0, 0], worstClass: { label: 1, name: 'vertical bar', accuracy: 0 }, classFractions: [1, 0, 0, 0] });
      expect(zeros.fid).toBeUndefined();

      // With real images: FID, floor, ratio and KID are those of metrics.evaluateSamples on the same samples (seed's 'eval/real' fork).
      const real = shapesDataset(32, 4).images;
      const drawn = (prompts: string[], start: number) => prompts.map((_, j) => byClass[(start + j) % 4]);
      const withFid = await evaluateClipGuidance({ classifier: features, classNames: SHAPE_CLASSES, n: 8, seed: 2, real, generate: async ({ prompts, start }) => pick(pool, drawn(prompts, start)) });
      const same = pick(pool, drawn(new Array<string>(8).fill(''), 0));
      const direct = await metrics.evaluateSamples({ samples: same, labels: Int32Array.from({ length: 8 }, (_, i) => i % 4), classifier: features, real, n: 8, generator: new Generator(2).fork('eval/real') });
      same.dispose();
      expect(withFid.accuracy).toBe(1);
      expect(withFid.fid).toBeCloseTo(direct.fid, 6);
      expect(withFid.floor).toBeCloseTo(direct.floor, 6);
      expect(withFid.ratio).toBeCloseTo(direct.fid / direct.floor, 6);
      expect(withFid.kid).toBeCloseTo(direct.kid, 6);
      expect(tf.memory().numTensors).toBe(before);
      pool.dispose();
      features.dispose();
    });

    it('steerGanLatents as the guided generator: one prompt per image, a report of the same shape, nothing leaked', async () => {
      const features = classifier();
      const clip = tinyClip(6);
      const G = createGenerator(
        ganConfig({ architecture: 'acgan', height: 8, width: 8, channels: 1, latentDim: 8, generatorWidths: [16, 8, 4], discriminatorWidths: [4, 8], numClasses: 4 }).generator,
        new Generator(3),
      );
      const before = tf.memory().numTensors;
      const labels: number[] = [];
      const result = await evaluateClipGuidance({
        classifier: features,
        classNames: SHAPE_CLASSES,
        n: 4,
        generate: async ({ prompts, rng }) => {
          const steered = await steerGanLatents({ clip, prompt: prompts, generator: G, n: prompts.length, steps: 2, cutouts: 1, rng });
          labels.push(...steered.labels!);
          const images = tf.image.resizeBilinear(steered.images, [SIZE, SIZE]) as tf.Tensor4D;
          steered.dispose();
          return images;
        },
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.n).toBe(4);
      expect(result.accuracy).toBeGreaterThanOrEqual(0);
      expect(result.accuracy).toBeLessThanOrEqual(1);
      expect(labels).toHaveLength(4);
      G.dispose();
      clip.dispose();
      features.dispose();
    });

    it('rejects bad options and a generator that returns the wrong number of images with one-line errors, leaking nothing', async () => {
      const features = classifier();
      const base = { classifier: features, classNames: SHAPE_CLASSES, generate: async ({ prompts }: ClipGuidedRequest) => tf.zeros([prompts.length, SIZE, SIZE, 1]) as tf.Tensor4D };
      const before = tf.memory().numTensors;
      await expect(evaluateClipGuidance({ ...base, n: 0 })).rejects.toThrow('n (0) must be a positive integer');
      await expect(evaluateClipGuidance({ ...base, classifier: {} as never })).rejects.toThrow('classifier ({}) must be a FeatureClassifier (loadFeatureClassifier)');
      await expect(evaluateClipGuidance({ ...base, classNames: [...SHAPE_CLASSES, 'circle'] })).rejects.toThrow('classNames (5) must not hold more classes than the classifier (4)');
      await expect(evaluateClipGuidance({ ...base, generate: undefined as never })).rejects.toThrow('generate (undefined) must be a function');
      await expect(evaluateClipGuidance({ ...base, n: 6, batchSize: 4, generate: async () => tf.zeros([1, SIZE, SIZE, 1]) as tf.Tensor4D })).rejects.toThrow(
        'generate(…) result (Tensor<float32>[1, 16, 16, 1]) must be images [4, H, W, C] in [0, 1], one per prompt',
      );
      expect(tf.memory().numTensors).toBe(before);
      features.dispose();
    });
  },
  { only: ['wasm'] },
);
