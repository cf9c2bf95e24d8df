import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { createGenerator, ganConfig } from '@gen/gan';
import { shapesDataset, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { steerGanLatents } from './steer-gan-latents';
import { steeringObjective } from './steer-latents';
import { fitToClip } from '../guidance/clip-views';
import { targetEmbedding } from '../guidance/clip-target';

// An untrained 8×8×1 DCGAN generator (latentDim 8); the 16×16 tiny CLIP sees its images resized.
const tinyGenerator = (numClasses = 0, seed = 3) =>
  createGenerator(
    ganConfig({ height: 8, width: 8, channels: 1, latentDim: 8, generatorWidths: [16, 8, 4], discriminatorWidths: [4, 8], numClasses }).generator,
    new Generator(seed),
  );

const mean = (values: ArrayLike<number>) => Array.from(values).reduce((s, v) => s + v, 0) / values.length;
const rowNorms = async (t: tf.Tensor) => Array.from(await tf.norm(tf.reshape(t, [t.shape[0], -1]), 'euclidean', 1).data());

// The steering loops are too slow for the software GPU of the webgl leg; the gradient check and input checks run everywhere.
describeWithBackends(
  'steerGanLatents',
  () => {
    it('lowers the steering loss over the steps and raises the clean CLIP score', async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator();
      const result = await steerGanLatents({ clip, prompt: 'a photo of the cross', generator: G, n: 3, steps: 12, lr: 0.1, cutouts: 1, maxShift: 0, rng: new Generator(1) });
      expect(result.losses).toHaveLength(12);
      expect(result.scores).toHaveLength(12);
      expect(mean(result.losses[11])).toBeLessThan(mean(result.losses[0]) - 1e-3);
      expect(mean(result.finalScores)).toBeGreaterThan(mean(result.initialScores));
      // Without views or prior penalty the loss is the spherical distance, a function of the score: d = 2·arcsin(√((1 − cos)/2))².
      result.losses[0].forEach((loss, i) => expect(loss).toBeCloseTo(2 * Math.asin(Math.sqrt((1 - result.scores[0][i]) / 2)) ** 2, 3));
      expect(result.images.shape).toEqual([3, 8, 8, 1]);
      result.dispose();
      G.dispose();
      clip.dispose();
    });

    it("re-projects z onto the sphere of its initial norm: ‖z‖ stays at ‖z₀‖ while z moves", async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator();
      const z0 = new Generator(9).normal([2, 8]);
      const result = await steerGanLatents({ clip, prompt: 'a square', generator: G, latents: z0, steps: 6, lr: 0.3, rng: new Generator(1) });
      const [before, after] = [await rowNorms(z0), await rowNorms(result.latents)];
      after.forEach((norm, i) => expect(Math.abs(norm - before[i])).toBeLessThan(1e-4 * before[i]));
      expect((await tf.max(tf.abs(tf.sub(result.latents, z0))).data())[0]).toBeGreaterThan(0.1);
      result.dispose();
      G.dispose();
      clip.dispose();
    });

    it('is a function of the seed: same rng, same latents, images and losses', async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator();
      const run = () => steerGanLatents({ clip, prompt: 'a square', generator: G, n: 2, steps: 3, cutouts: 2, maxShift: 1, rng: new Generator(5) });
      const [a, b] = [await run(), await run()];
      await expectTensorsClose(a.latents, b.latents, { atol: 0 });
      await expectTensorsClose(a.images, b.images, { atol: 0 });
      expect(a.losses).toEqual(b.losses);
      const c = await steerGanLatents({ clip, prompt: 'a square', generator: G, n: 2, steps: 3, cutouts: 2, maxShift: 1, rng: new Generator(6) });
      expect((await tf.max(tf.abs(tf.sub(a.latents, c.latents))).data())[0]).toBeGreaterThan(1e-3);
      expect(G.training).toBe(true);
      [a, b, c].forEach((r) => r.dispose());
      G.dispose();
      clip.dispose();
    });

    it('optimises a truncation ψ ∈ [0, 1] per sample: the images are G(ψ·z)', async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator(3);
      const result = await steerGanLatents({ clip, prompt: 'a cross', generator: G, n: 2, labels: [0, 2], steps: 5, lr: 0.2, optimizeTruncation: true, rng: new Generator(2) });
      expect(Array.from(result.labels!)).toEqual([0, 2]);
      const scales = result.scales!;
      expect(scales).toHaveLength(2);
      for (const psi of scales) expect(psi >= 0 && psi <= 1).toBe(true);
      expect(Math.min(...scales)).toBeLessThan(1);
      G.eval();
      const expected = tf.clipByValue(tf.mul(tf.add(G.forward(tf.mul(result.latents, tf.tensor2d(Array.from(scales), [2, 1])), tf.tensor1d([0, 2], 'int32')), 1), 0.5), 0, 1);
      await expectTensorsClose(result.images, expected, { atol: 1e-5 });
      result.dispose();
      G.dispose();
      clip.dispose();
    });

    it('steers the class of a conditional generator without labels: starts at CLIP\'s choice among one render per class, images G(z, softmax(logits))', async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator(3);
      const z0 = new Generator(9).normal([2, 8]);
      const prompt = ['a photo of the cross', 'a square'];
      const result = await steerGanLatents({ clip, prompt, generator: G, latents: z0, steps: 4, lr: 0.1, classLr: 0.5, cutouts: 1, maxShift: 0, rng: new Generator(2) });
      // The start: CLIP's best class among G(z₀, 0), G(z₀, 1), G(z₀, 2) for each image's own prompt.
      G.eval();
      const scores = await tf
        .stack([0, 1, 2].map((k) => clip.clipScore(fitToClip(clip, tf.mul(tf.add(G.forward(z0, tf.tensor1d([k, k], 'int32')), 1), 0.5)), prompt)), 1)
        .array() as number[][];
      expect(Array.from(result.initialLabels!)).toEqual(scores.map((row) => row.indexOf(Math.max(...row))));
      // The weights are a softmax per image, the labels their argmax, and the images G(z, weights).
      const weights = result.classWeights!;
      expect(weights).toHaveLength(6);
      for (let i = 0; i < 2; i++) {
        const row = Array.from(weights.subarray(3 * i, 3 * i + 3));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(result.labels![i]).toBe(row.indexOf(Math.max(...row)));
      }
      const expected = tf.clipByValue(tf.mul(tf.add(G.forward(result.latents, tf.tensor2d(weights, [2, 3])), 1), 0.5), 0, 1);
      await expectTensorsClose(result.images, expected, { atol: 1e-5 });
      expect(mean(result.losses[3])).toBeLessThan(mean(result.losses[0]));
      result.dispose();
      // classes: 'random' keeps the old behaviour: classes drawn after the latents, fixed.
      const random = await steerGanLatents({ clip, prompt: 'a square', generator: G, n: 2, steps: 1, classes: 'random', rng: new Generator(2) });
      expect(random.classWeights).toBeNull();
      expect(random.condition).toBeNull();
      expect(random.labels).toHaveLength(2);
      random.dispose();
      G.dispose();
      clip.dispose();
    });

    it('leaks nothing: tensors flat across runs of 1 and 4 steps', async () => {
      const clip = tinyClip(6);
      const G = tinyGenerator();
      const options = { clip, prompt: 'a square', generator: G, n: 2, cutouts: 2, optimizeTruncation: true, rng: new Generator(1) };
      (await steerGanLatents({ ...options, steps: 1 })).dispose();
      const before = tf.memory().numTensors;
      const short = await steerGanLatents({ ...options, steps: 1 });
      const alive = tf.memory().numTensors - before;
      short.dispose();
      const long = await steerGanLatents({ ...options, steps: 4 });
      expect(tf.memory().numTensors - before).toBe(alive);
      long.dispose();
      expect(tf.memory().numTensors).toBe(before);
      G.dispose();
      // And with the class steered.
      const C = tinyGenerator(3);
      (await steerGanLatents({ ...options, generator: C, steps: 1, classLr: 0.2 })).dispose();
      const start = tf.memory().numTensors;
      (await steerGanLatents({ ...options, generator: C, steps: 3, classLr: 0.2 })).dispose();
      expect(tf.memory().numTensors).toBe(start);
      C.dispose();
      clip.dispose();
    });

  },
  { skip: ['webgl'] },
);

describeWithBackends('steerGanLatents (small cases)', () => {
  it('runs two steps of one view on every backend: finite losses, images in [0, 1]', async () => {
    const clip = tinyClip(6);
    const G = tinyGenerator();
    const result = await steerGanLatents({ clip, prompt: 'a square', generator: G, n: 1, steps: 2, cutouts: 1, rng: new Generator(1) });
    expect(result.losses.map((row) => Number.isFinite(row[0]))).toEqual([true, true]);
    const values = await result.images.data();
    expect(Math.min(...values) >= 0 && Math.max(...values) <= 1).toBe(true);
    result.dispose();
    G.dispose();
    clip.dispose();
  });

  it('the gradient of the objective in z matches central finite differences (through G, the resize and a shifted view)', async () => {
    const clip = tinyClip(7);
    const G = tinyGenerator(0, 4);
    G.eval();
    const textEmbedding = clip.encodeText(['a vertical bar']);
    const objective = { clip, textEmbedding, render: (z: tf.Tensor) => tf.mul(tf.add(G.forward(z), 1), 0.5), prior: { kind: 'sphere' as const } };
    const shifts: Array<[number, number]> = [[1, -1]];
    const z = new Generator(2).normal([2, 8]);
    const total = (latents: tf.Tensor) => tf.sum(steeringObjective(objective, latents, null, shifts).objective);
    const gradient = tf.grad(total)(z);
    const direction = new Generator(3).uniform(z.shape, { low: -1, high: 1 });
    const h = 1e-2;
    const numeric = (await tf.div(tf.sub(total(tf.add(z, tf.mul(direction, h))), total(tf.sub(z, tf.mul(direction, h)))), 2 * h).data())[0];
    const analytic = (await tf.sum(tf.mul(gradient, direction)).data())[0];
    expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.abs(numeric) + 1e-4);
    G.dispose();
    clip.dispose();
  });

  it('image target: steers toward the reference\'s CLIP image embedding (= clip.encodeImage of it); the gradient matches finite differences; no leak', async () => {
    const clip = tinyClip(6);
    const G = tinyGenerator();
    const reference = tf.tensor3d(shapesDataset(4, 9).images.slice(3 * SIZE * SIZE, 4 * SIZE * SIZE), [SIZE, SIZE, 1]);
    const target = targetEmbedding(clip, { image: reference });
    await expectTensorsClose(target, clip.encodeImage(tf.expandDims(reference, 0)), { atol: 1e-6 });
    // The objective's gradient in z with the image embedding as the target (the prompt test's CLIP and generator).
    const [clip7, G4] = [tinyClip(7), tinyGenerator(0, 4)];
    G4.eval();
    const objective = { clip: clip7, textEmbedding: targetEmbedding(clip7, { image: reference }), render: (z: tf.Tensor) => tf.mul(tf.add(G4.forward(z), 1), 0.5), prior: { kind: 'sphere' as const } };
    const z = new Generator(2).normal([2, 8]);
    const total = (latents: tf.Tensor) => tf.sum(steeringObjective(objective, latents, null, [[1, 0]]).objective);
    const direction = new Generator(3).uniform(z.shape, { low: -1, high: 1 });
    const h = 1e-2;
    const numeric = (await tf.div(tf.sub(total(tf.add(z, tf.mul(direction, h))), total(tf.sub(z, tf.mul(direction, h)))), 2 * h).data())[0];
    const analytic = (await tf.sum(tf.mul(tf.grad(total)(z), direction)).data())[0];
    expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.abs(numeric) + 1e-4);
    objective.textEmbedding.dispose();
    G4.dispose();
    clip7.dispose();
    // Steering: the loss falls and the clean cosine with the reference's embedding rises.
    const options = { clip, image: reference, generator: G, n: 2, steps: 8, lr: 0.1, cutouts: 1, maxShift: 0, rng: new Generator(1) };
    const result = await steerGanLatents(options);
    expect(mean(result.losses[7])).toBeLessThan(mean(result.losses[0]));
    expect(mean(result.finalScores)).toBeGreaterThan(mean(result.initialScores));
    const clean = await tf.sum(tf.mul(clip.encodeImage(fitToClip(clip, result.images)), target), -1).data();
    Array.from(clean).forEach((cosine, i) => expect(cosine).toBeCloseTo(result.finalScores[i], 4));
    result.dispose();
    // Leak check: tensors flat across runs of 1 and 3 steps.
    (await steerGanLatents({ ...options, steps: 1 })).dispose();
    const before = tf.memory().numTensors;
    (await steerGanLatents({ ...options, steps: 3 })).dispose();
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    G.dispose();
    clip.dispose();
  });

  it('image target: a conditional generator starts at the class CLIP finds closest to the reference; one reference per image works', async () => {
    const clip = tinyClip(6);
    const G = tinyGenerator(3);
    const data = shapesDataset(4, 9);
    const references = tf.tensor4d(data.images.slice(2 * SIZE * SIZE, 4 * SIZE * SIZE), [2, SIZE, SIZE, 1]);
    const result = await steerGanLatents({ clip, image: references, generator: G, n: 2, steps: 2, cutouts: 1, maxShift: 0, rng: new Generator(2) });
    expect(result.initialLabels).toHaveLength(2);
    expect(result.classWeights).toHaveLength(6);
    result.dispose();
    await expect(steerGanLatents({ clip, image: references, generator: G, n: 3, steps: 1, rng: new Generator(2) })).rejects.toThrow(
      'image ("shape [2, 16, 16, 1]") must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1], or one per image [3, H, W, C]',
    );
    G.dispose();
    clip.dispose();
  });

  it('rejects bad input with one-line errors', async () => {
    const clip = tinyClip(6);
    const G = tinyGenerator();
    const rng = new Generator(0);
    const base = { clip, prompt: 'a square', generator: G, n: 2, rng };
    await expect(steerGanLatents({ ...base, steps: 0 })).rejects.toThrow('steps (0) must be a positive integer');
    await expect(steerGanLatents({ ...base, prompt: '' })).rejects.toThrow('prompt ("") must be a non-empty string (an empty prompt has no meaning to match)');
    await expect(steerGanLatents({ ...base, prompt: '   ' })).rejects.toThrow('prompt ("   ") must be a non-empty string (an empty prompt has no meaning to match)');
    await expect(steerGanLatents({ ...base, lr: 0 })).rejects.toThrow('lr (0) must be a positive finite number');
    await expect(steerGanLatents({ ...base, lr: -0.1 })).rejects.toThrow('lr (-0.1) must be a positive finite number');
    const wrong = tf.zeros([2, 5]);
    await expect(steerGanLatents({ ...base, latents: wrong })).rejects.toThrow('latents (Tensor<float32>[2, 5]) must have shape [2, 8]');
    await expect(steerGanLatents({ ...base, n: undefined })).rejects.toThrow('n (undefined) must be a positive integer (or give latents)');
    await expect(steerGanLatents({ ...base, labels: 1 })).rejects.toThrow('labels (1) must be omitted: the generator is unconditional');
    await expect(steerGanLatents({ ...base, generator: {} as never })).rejects.toThrow('generator ({}) must be a GAN generator model (e.g. from loadGan)');
    await expect(steerGanLatents({ ...base, cutouts: 0 })).rejects.toThrow('cutouts (0) must be a positive integer');
    await expect(steerGanLatents({ ...base, prompt: ['a square'] })).rejects.toThrow('prompt (["a square"]) must be one string, or an array of one per image (2)');
    await expect(steerGanLatents({ ...base, classes: 'best' as never })).rejects.toThrow('classes ("best") must be one of steer, random');
    await expect(steerGanLatents({ ...base, classLr: 0 })).rejects.toThrow('classLr (0) must be a positive finite number');
    const image = tf.zeros([16, 16, 1]);
    await expect(steerGanLatents({ ...base, image })).rejects.toThrow('image (Tensor<float32>[16, 16, 1]) cannot be combined with prompt: give one target');
    await expect(steerGanLatents({ ...base, prompt: undefined })).rejects.toThrow('prompt (undefined) or image is required: the text or the reference image the samples should match');
    await expect(steerGanLatents({ ...base, prompt: undefined, image: tf.fill([16, 16, 1], 2) })).rejects.toThrow('image ("values in [2, 2]") must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1]');
    G.dispose();
    clip.dispose();
  });
});
