import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { shapesDataset, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { clipGuidance, shiftImages, sphericalDistance } from './clip-guidance';

const context = (x0: tf.Tensor) => ({ step: 0, timestep: 500, sample: x0, predOriginalSample: x0, alphaProdT: 0.5 });

describeWithBackends('clipGuidance', () => {
  // x̂₀ in [−1, 1]: the shapes mapped from [0, 1], kept away from ReLU kinks by a smooth offset.
  const x0 = () => tf.sub(tf.mul(tf.tensor4d(shapesDataset(2, 4).images, [2, SIZE, SIZE, 1]), 1.6), 0.8);

  it('spherical distance is 2·arcsin(‖a − b‖/2)²: 0 for equal vectors, (π/2)²/2 for orthogonal, π²/2 for opposite', async () => {
    const a = tf.tensor2d([[1, 0], [1, 0], [1, 0]]);
    const b = tf.tensor2d([[1, 0], [0, 1], [-1, 0]]);
    await expectTensorsClose(sphericalDistance(a, b), [0, (Math.PI / 2) ** 2 / 2, Math.PI ** 2 / 2], { atol: 1e-3 });
  });

  it('shifts images with zero fill', async () => {
    const image = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    await expectTensorsClose(shiftImages(image, 1, -1), tf.tensor4d([0, 0, 0, 2, 3, 0, 5, 6, 0], [1, 3, 3, 1]));
    await expectTensorsClose(shiftImages(image, 0, 0), image);
  });

  it('returns −scale·∇loss: matches central finite differences of the loss along a random direction', async () => {
    const clip = tinyClip(6);
    const guidance = clipGuidance({ clip, prompt: 'a square', scale: 10, cutouts: 1, maxShift: 0 });
    const x = x0();
    const g = guidance(context(x))!;
    const direction = new Generator(3).uniform(x.shape, { low: -1, high: 1 });
    const h = 1e-2;
    const total = (input: tf.Tensor) => tf.sum(guidance.loss(input, [[0, 0]]));
    const numeric = tf.div(tf.sub(total(tf.add(x, tf.mul(direction, h))), total(tf.sub(x, tf.mul(direction, h)))), 2 * h);
    const analytic = tf.div(tf.sum(tf.mul(g, direction)), -10);
    const [a, n] = [(await analytic.data())[0], (await numeric.data())[0]];
    expect(Math.abs(a - n)).toBeLessThan(2e-2 * Math.max(1e-2, Math.abs(n)) + 1e-4);
    guidance.dispose();
    clip.dispose();
  });

  it('points the right way: a small step along g brings every image closer to the prompt (higher clipScore)', async () => {
    const clip = tinyClip(7);
    const guidance = clipGuidance({ clip, prompt: 'a photo of the cross', scale: 1, cutouts: 4, maxShift: 1, generator: new Generator(2) });
    const x = x0();
    const g = guidance(context(x))!;
    const eta = 0.05 / Math.max(1e-6, (await tf.max(tf.abs(g)).data())[0]);
    const before = await clip.clipScore(tf.div(tf.add(x, 1), 2), ['a photo of the cross']).data();
    const after = await clip.clipScore(tf.div(tf.add(tf.add(x, tf.mul(g, eta)), 1), 2), ['a photo of the cross']).data();
    for (let i = 0; i < 2; i++) expect(after[i]).toBeGreaterThan(before[i]);
    guidance.dispose();
    clip.dispose();
  });

  it('draws its shifts from the generator (same seed, same gradient) and leaks nothing across steps', async () => {
    const clip = tinyClip(8);
    const x = x0();
    const a = clipGuidance({ clip, prompt: 'a square', cutouts: 2, generator: new Generator(5) });
    const b = clipGuidance({ clip, prompt: 'a square', cutouts: 2, generator: new Generator(5) });
    await expectTensorsClose(a(context(x))!, b(context(x))!);
    tf.dispose(a(context(x))!);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(a(context(x))!);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
    clip.dispose();
  });

  it('latent diffusion: CLIP sees decode(x̂₀ / s) and g is the gradient in latent space (through the decoder)', async () => {
    const clip = tinyClip(6);
    // A differentiable toy decoder: 4×4×2 latents → 16×16×1 pixels in [−1, 1].
    const kernel = new Generator(4).normal([1, 1, 2, 1]);
    const vae = { decode: (z: tf.Tensor) => ({ sample: tf.tanh(tf.image.resizeBilinear(tf.conv2d(z as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), [SIZE, SIZE])) }) };
    const guidance = clipGuidance({ clip, prompt: 'a square', scale: 10, cutouts: 1, maxShift: 0, vae, vaeScalingFactor: 2 });
    const latents = new Generator(5).normal([2, 4, 4, 2]);
    const g = guidance(context(latents))!;
    expect(g.shape).toEqual([2, 4, 4, 2]);
    // The same as the plain guidance of the decoded pixels, pulled back through decode(z / 2).
    const plain = clipGuidance({ clip, prompt: 'a square', scale: 10, cutouts: 1, maxShift: 0 });
    const expected = tf.grad((z: tf.Tensor) => tf.sum(plain.loss(vae.decode(tf.div(z, 2)).sample, [[0, 0]])))(latents);
    await expectTensorsClose(g, tf.mul(expected, -10), { atol: 1e-5, rtol: 1e-3 });
    await expectTensorsClose(guidance.loss(latents, [[0, 0]]), plain.loss(vae.decode(tf.div(latents, 2)).sample, [[0, 0]]), { atol: 1e-6 });
    guidance.dispose();
    plain.dispose();
    clip.dispose();
  });

  it('takes one prompt per image: each image is pulled toward its own prompt', async () => {
    const clip = tinyClip(7);
    const x = x0();
    const both = clipGuidance({ clip, prompt: ['a square', 'a photo of the cross'], cutouts: 1, maxShift: 0 });
    const square = clipGuidance({ clip, prompt: 'a square', cutouts: 1, maxShift: 0 });
    const cross = clipGuidance({ clip, prompt: 'a photo of the cross', cutouts: 1, maxShift: 0 });
    const [g, a, b] = [both, square, cross].map((guide) => guide(context(x))!);
    await expectTensorsClose(tf.slice(g, [0, 0, 0, 0], [1, -1, -1, -1]), tf.slice(a, [0, 0, 0, 0], [1, -1, -1, -1]), { atol: 1e-5 });
    await expectTensorsClose(tf.slice(g, [1, 0, 0, 0], [1, -1, -1, -1]), tf.slice(b, [1, 0, 0, 0], [1, -1, -1, -1]), { atol: 1e-5 });
    expect(() => both(context(tf.zeros([3, SIZE, SIZE, 1])))).toThrow('x0 (Tensor<float32>[3, 16, 16, 1]) must hold one image per prompt (2)');
    [both, square, cross].forEach((guide) => guide.dispose());
    clip.dispose();
  });

  it('image target: the target embedding is clip.encodeImage of the reference (any of [H, W, C], [1, H, W, C])', async () => {
    const clip = tinyClip(6);
    const reference = tf.tensor3d(shapesDataset(4, 9).images.slice(2 * SIZE * SIZE, 3 * SIZE * SIZE), [SIZE, SIZE, 1]);
    const expected = clip.encodeImage(tf.expandDims(reference, 0));
    for (const image of [reference, tf.expandDims(reference, 0)]) {
      const guidance = clipGuidance({ clip, image, cutouts: 1, maxShift: 0 });
      await expectTensorsClose(guidance.targetEmbedding, expected, { atol: 1e-6 });
      expect(guidance.textEmbedding).toBe(guidance.targetEmbedding);
      guidance.dispose();
    }
    // A smaller reference is fitted to the CLIP's input as the samples are (bilinear resize).
    const small = tf.image.resizeBilinear(tf.expandDims(reference, 0) as tf.Tensor4D, [8, 8]);
    const resized = clipGuidance({ clip, image: small });
    await expectTensorsClose(resized.targetEmbedding, clip.encodeImage(tf.image.resizeBilinear(small, [SIZE, SIZE])), { atol: 1e-6 });
    resized.dispose();
    clip.dispose();
  });

  it('image target: −scale·∇loss matches central finite differences, and the reference itself is a minimum of the loss', async () => {
    const clip = tinyClip(6);
    const reference = tf.tensor4d(shapesDataset(4, 9).images.slice(2 * SIZE * SIZE, 3 * SIZE * SIZE), [1, SIZE, SIZE, 1]);
    const guidance = clipGuidance({ clip, image: reference, scale: 10, cutouts: 1, maxShift: 0 });
    const x = x0();
    const g = guidance(context(x))!;
    const direction = new Generator(3).uniform(x.shape, { low: -1, high: 1 });
    const h = 1e-2;
    const total = (input: tf.Tensor) => tf.sum(guidance.loss(input, [[0, 0]]));
    const numeric = (await tf.div(tf.sub(total(tf.add(x, tf.mul(direction, h))), total(tf.sub(x, tf.mul(direction, h)))), 2 * h).data())[0];
    const analytic = (await tf.div(tf.sum(tf.mul(g, direction)), -10).data())[0];
    expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.max(1e-2, Math.abs(numeric)) + 1e-4);
    // x̂₀ = the reference (mapped to [−1, 1]): CLIP embeds it exactly as the target, distance 0.
    const at = await guidance.loss(tf.sub(tf.mul(reference, 2), 1), [[0, 0]]).data();
    expect(at[0]).toBeLessThan(1e-6);
    guidance.dispose();
    clip.dispose();
  });

  it('image target: one reference per image, and no leak across guided steps', async () => {
    const clip = tinyClip(7);
    const data = shapesDataset(4, 9);
    const references = tf.tensor4d(data.images.slice(2 * SIZE * SIZE, 4 * SIZE * SIZE), [2, SIZE, SIZE, 1]);
    const both = clipGuidance({ clip, image: references, cutouts: 1, maxShift: 0 });
    await expectTensorsClose(both.targetEmbedding, clip.encodeImage(references), { atol: 1e-6 });
    expect(() => both(context(tf.zeros([3, SIZE, SIZE, 1])))).toThrow('x0 (Tensor<float32>[3, 16, 16, 1]) must hold one image per reference image (2)');
    const x = x0();
    tf.dispose(both(context(x))!);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(both(context(x))!);
    expect(tf.memory().numTensors).toBe(before);
    both.dispose();
    clip.dispose();
  });

  it('image target: both or neither of prompt / image, and a wrong reference shape or range, are one-line errors', () => {
    const clip = tinyClip();
    const image = tf.zeros([SIZE, SIZE, 1]);
    expect(() => clipGuidance({ clip, prompt: 'a square', image })).toThrow('image (Tensor<float32>[16, 16, 1]) cannot be combined with prompt: give one target, the text or the reference image the samples should match');
    expect(() => clipGuidance({ clip })).toThrow('prompt (undefined) or image is required: the text or the reference image the samples should match');
    expect(() => clipGuidance({ clip, image: tf.zeros([SIZE, SIZE]) })).toThrow('image ("shape [16, 16]") must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1], or one per image [n, H, W, C]');
    expect(() => clipGuidance({ clip, image: tf.fill([SIZE, SIZE, 1], -1) })).toThrow('image ("values in [-1, -1]") must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1]');
    expect(() => clipGuidance({ clip, image: tf.zeros([SIZE, SIZE, 2]) })).toThrow('image ("shape [16, 16, 2]") must have 1 channels (or 1 ↔ 3) for this CLIP\'s image encoder');
    expect(() => clipGuidance({ clip, image: 'ref.png' as never })).toThrow('image ("ref.png") must be one NHWC image');
    clip.dispose();
  });

  it('rejects an empty prompt and bad options with one-line errors', () => {
    const clip = tinyClip();
    expect(() => clipGuidance({ clip, prompt: '' })).toThrow('prompt ("") must be a non-empty string (an empty prompt has no meaning to match)');
    expect(() => clipGuidance({ clip, prompt: 'a square', scale: 0 })).toThrow('scale (0) must be a positive finite number');
    expect(() => clipGuidance({ clip: {} as never, prompt: 'a square' })).toThrow('clip ({}) must be a Clip (trainClip, loadClip)');
    expect(() => clipGuidance({ clip, prompt: ['a square', ''] })).toThrow('prompt[1] ("") must be a non-empty string (an empty prompt has no meaning to match)');
    expect(() => clipGuidance({ clip, prompt: 'a square', vae: {} as never })).toThrow('vae ({}) must have a decode(latents) method (an AutoencoderKL)');
    clip.dispose();
  });
});
