import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, metrics, type ImageDataset } from '@gen/core';
import { describeWithBackends, expectTensorsClose, memoryIOHandler } from '@gen/core/testing';

async function expectMessage(run: () => unknown, message: string): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error)).toBe(true);
  expect((error as Error).message).toBe(message);
}

/** 8×8 images of two classes: a bright bar in the left half (label 0) or in the right half (label 1). */
function bars(count: number, seed: number): ImageDataset {
  const noise = new Generator(seed).uniformArray(count * 64);
  const images = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    const column = (i % 2) * 4 + Math.floor(noise[i * 64] * 4);
    for (let p = 0; p < 64; p++) images[i * 64 + p] = p % 8 === column ? 0.9 : 0.2 * noise[i * 64 + p];
  }
  return { name: 'bars', images, labels, size: count, height: 8, width: 8, channels: 1, classNames: ['left', 'right'], skipped: 0 };
}

const small = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 2, channels: [8, 8, 16] as [number, number, number], featureDim: 16 };

describeWithBackends('metrics.FeatureClassifier', () => {
  it('maps [N, 28, 28, 1] to features [N, 128] and logits [N, 10]; an image does not depend on its batch', async () => {
    const model = new metrics.FeatureClassifier();
    const images = new Generator(1).uniform([3, 28, 28, 1]) as tf.Tensor4D;
    const { features, logits } = model.forward(images);
    expect(features.shape).toEqual([3, 128]);
    expect(logits.shape).toEqual([3, 10]);
    const alone = model.features(tf.slice(images, [1, 0, 0, 0], [1, 28, 28, 1]));
    await expectTensorsClose(alone, tf.slice(features, [1, 0], [1, 128]), { atol: 1e-4, rtol: 1e-4 });
    // logits = head(relu(features))
    expect(await tf.all(tf.isFinite(model.logits(images))).data()).toEqual(new Uint8Array([1]));
    model.dispose();
  });

  it('forward leaves no tensors behind', () => {
    const model = new metrics.FeatureClassifier(small);
    const images = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { features, logits } = model.forward(images);
    tf.dispose([features, logits]);
    tf.dispose([model.features(images), model.logits(images)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects images of the wrong size and bad configs with one-line messages', async () => {
    const model = new metrics.FeatureClassifier();
    await expectMessage(
      () => model.features(tf.zeros([2, 32, 32, 1]) as tf.Tensor4D),
      'images (Tensor<float32>[2, 32, 32, 1]) must be a float32 tensor [N, 28, 28, 1] (NHWC, values in [0, 1])',
    );
    await expectMessage(() => model.features(tf.zeros([28, 28, 1]) as unknown as tf.Tensor4D), 'images (Tensor<float32>[28, 28, 1]) must be a float32 tensor [N, 28, 28, 1] (NHWC, values in [0, 1])');
    await expectMessage(() => new metrics.FeatureClassifier({ groups: 3, norm: 'group' }), 'FeatureClassifier groups (3) must be a positive integer dividing every channel count [32, 64, 128]');
    await expectMessage(() => new metrics.FeatureClassifier({ pool: 'max' as never }), 'FeatureClassifier pool ("max") must be \'mean\' or \'spatial\'');
    model.dispose();
  });

  it('saves and loads through any tf.io handler: same config, same features', async () => {
    const model = new metrics.FeatureClassifier({ ...small, dataset: 'bars', classNames: ['left', 'right'] }, new Generator(3));
    const handler = memoryIOHandler();
    await metrics.saveFeatureClassifier(handler, model, { testAccuracy: 0.5 });
    const loaded = await metrics.loadFeatureClassifierFrom({ handler });
    expect(loaded.classifier.config).toEqual(model.config);
    expect(loaded.metadata).toEqual({ testAccuracy: 0.5 });
    expect(loaded.classifier.training).toBe(false);
    const images = new Generator(4).uniform([2, 8, 8, 1]) as tf.Tensor4D;
    await expectTensorsClose(loaded.classifier.features(images), model.features(images));
    loaded.classifier.dispose();
    model.dispose();
    await expectMessage(() => metrics.loadFeatureClassifier({} as never), 'loadFeatureClassifier source ({}) must be { handler } or { url } (in Node, also \'mnist\' or \'fashion\' via @gen/core/node)');
  });
});

describeWithBackends(
  'metrics.trainFeatureClassifier and evaluateSamples (small images)',
  () => {
    it('learns a two-class task, and evaluateSamples ranks real < dimmed < noise without leaking', async () => {
      const train = bars(256, 1);
      const test = bars(200, 2);
      const { model, testAccuracy, summary } = await metrics.trainFeatureClassifier({
        dataset: train,
        testDataset: test,
        steps: 40,
        batchSize: 16,
        seed: 1,
        augment: false,
        learningRate: 5e-3,
        config: small,
        logEvery: 10,
      });
      expect(summary.stoppedBy).toBe('done');
      expect(testAccuracy).toBeGreaterThan(0.95);
      expect(model.config.dataset).toBe('bars');

      const real = bars(400, 3).images;
      const samples = bars(100, 4);
      const dimmed = samples.images.map((v) => 0.6 * v);
      const noise = new Generator(5).uniformArray(samples.images.length);
      const before = tf.memory().numTensors;
      const options = { classifier: model, real, n: 100, kid: { numSubsets: 5 } };
      const good = await metrics.evaluateSamples({ ...options, samples: samples.images, labels: samples.labels });
      const worse = await metrics.evaluateSamples({ ...options, samples: dimmed });
      const bad = await metrics.evaluateSamples({ ...options, samples: tf.tensor4d(noise, [100, 8, 8, 1]) });
      expect(tf.memory().numTensors).toBe(before + 1); // only the noise tensor made here
      expect(good.n).toBe(100);
      expect(good.floor).toBeGreaterThan(0);
      expect(good.ratio).toBeCloseTo(good.fid / good.floor, 12);
      expect(good.ratio).toBeLessThan(3);
      expect(good.classAccuracy).toBeGreaterThan(0.95);
      expect(worse.classAccuracy).toBeUndefined();
      expect(worse.ratio).toBeGreaterThan(good.ratio);
      expect(bad.ratio).toBeGreaterThan(worse.ratio);
      expect(bad.kid).toBeGreaterThan(good.kid);
      // Deterministic: the default generator is seeded.
      expect((await metrics.evaluateSamples({ ...options, samples: samples.images })).fid).toBe(good.fid);

      await expectMessage(() => metrics.evaluateSamples({ ...options, samples: samples.images, n: 1 }), 'n (1) must be an integer in [2, 100] (the number of samples)');
      await expectMessage(
        () => metrics.evaluateSamples({ ...options, samples: samples.images, real: real.subarray(0, 64 * 150) }),
        'n (100) must be at most 75: the floor needs two disjoint real subsets of n from 150 real images',
      );
      await expectMessage(
        () => metrics.evaluateSamples({ ...options, samples: samples.images.map((v, i) => (i === 0 ? -1 : i === 1 ? 1.5 : v)) }),
        'samples range ([-1, 1.5]) must be within [0, 1] (map [-1, 1] outputs with (x + 1) / 2 first)',
      );
      await expectMessage(
        () => metrics.evaluateSamples({ ...options, samples: new Float32Array(100) }),
        'samples length (100) must be a positive multiple of 8·8·1 = 64 (NHWC images of 8×8×1)',
      );
      model.dispose();
    });
  },
  // Training is slow on tfjs-backend-cpu (its Conv2DBackpropFilter) and on Chromium's software GPU.
  { only: ['wasm'] },
);
