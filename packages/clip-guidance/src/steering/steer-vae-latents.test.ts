import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { ConditionalVAE, VAE } from '@gen/vae';
import { shapesDataset, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { steerVaeLatents } from './steer-vae-latents';
import { steeringObjective } from './steer-latents';

// An untrained 8×8×1 VAE (latentDim 4, Bernoulli decoder: images in [0, 1]).
const tinyVae = (seed = 1) => new VAE({ height: 8, width: 8, widths: [4], hiddenDim: 8, latentDim: 4, generator: new Generator(seed) });
const mean = (values: ArrayLike<number>) => Array.from(values).reduce((s, v) => s + v, 0) / values.length;
const meanNorm = async (t: tf.Tensor) => mean(await tf.norm(tf.reshape(t, [t.shape[0], -1]), 'euclidean', 1).data());

describeWithBackends(
  'steerVaeLatents',
  () => {
    it('image target: lowers the loss toward the reference\'s image embedding and raises the clean cosine with it; one-line errors', async () => {
      const clip = tinyClip(6);
      const vae = tinyVae();
      const reference = tf.tensor3d(shapesDataset(4, 9).images.slice(2 * SIZE * SIZE, 3 * SIZE * SIZE), [SIZE, SIZE, 1]);
      const result = await steerVaeLatents({ clip, image: reference, decoder: vae, n: 2, steps: 8, lr: 0.1, cutouts: 1, maxShift: 0, priorWeight: 0, rng: new Generator(1) });
      expect(mean(result.losses[7])).toBeLessThan(mean(result.losses[0]));
      expect(mean(result.finalScores)).toBeGreaterThan(mean(result.initialScores));
      result.dispose();
      await expect(steerVaeLatents({ clip, decoder: vae, n: 2, rng: new Generator(1) })).rejects.toThrow('prompt (undefined) or image is required');
      await expect(steerVaeLatents({ clip, image: tf.zeros([2, SIZE, SIZE, 1]), decoder: vae, n: 3, rng: new Generator(1) })).rejects.toThrow(
        'image ("shape [2, 16, 16, 1]") must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1], or one per image [3, H, W, C]',
      );
      vae.dispose();
      clip.dispose();
    });

    it('lowers the steering loss over the steps and raises the clean CLIP score', async () => {
      const clip = tinyClip(6);
      const vae = tinyVae();
      const result = await steerVaeLatents({ clip, prompt: 'a photo of the cross', decoder: vae, n: 3, steps: 12, lr: 0.1, cutouts: 1, maxShift: 0, priorWeight: 0, rng: new Generator(1) });
      expect(mean(result.losses[11])).toBeLessThan(mean(result.losses[0]) - 1e-3);
      expect(mean(result.finalScores)).toBeGreaterThan(mean(result.initialScores));
      expect(result.images.shape).toEqual([3, 8, 8, 1]);
      result.dispose();
      vae.dispose();
      clip.dispose();
    });

    it('the Gaussian prior penalty keeps ‖z‖ bounded: a heavy weight pulls z inside its start, below the unpenalised run', async () => {
      const clip = tinyClip(6);
      const vae = tinyVae();
      const z0 = new Generator(4).normal([3, 4], { std: 1.5 });
      const run = (priorWeight: number) => steerVaeLatents({ clip, prompt: 'a square', decoder: vae, latents: z0, steps: 15, lr: 0.2, priorWeight, rng: new Generator(1) });
      const [free, held] = [await run(0), await run(2)];
      const [start, freeNorm, heldNorm] = [await meanNorm(z0), await meanNorm(free.latents), await meanNorm(held.latents)];
      expect(heldNorm).toBeLessThan(0.5 * start);
      expect(heldNorm).toBeLessThan(freeNorm);
      // The objective is the view distance plus weight·½‖z‖²: at the start, ½·2·‖z₀‖² more than the free run's.
      const z0Squares = await tf.sum(tf.square(z0), 1).data();
      held.losses[0].forEach((loss, i) => expect(loss - free.losses[0][i]).toBeCloseTo(z0Squares[i], 3));
      free.dispose();
      held.dispose();
      vae.dispose();
      clip.dispose();
    });

    it('is a function of the seed, draws z as samplePrior does, and leaks nothing across runs of 1 and 3 steps', async () => {
      const clip = tinyClip(6);
      const vae = tinyVae();
      const options = { clip, prompt: 'a square', decoder: vae, n: 2, cutouts: 2, temperature: 0.8 };
      const [a, b] = [await steerVaeLatents({ ...options, steps: 2, rng: new Generator(5) }), await steerVaeLatents({ ...options, steps: 2, rng: new Generator(5) })];
      await expectTensorsClose(a.latents, b.latents, { atol: 0 });
      expect(a.losses).toEqual(b.losses);
      const drawn = new Generator(5).normal([2, 4], { std: 0.8 });
      const initial = await steerVaeLatents({ ...options, latents: drawn, steps: 2, rng: new Generator(5).fork('unused') });
      expect(initial.initialScores).toEqual(a.initialScores);
      [a, b, initial].forEach((r) => r.dispose());
      const before = tf.memory().numTensors;
      const short = await steerVaeLatents({ ...options, steps: 1, rng: new Generator(1) });
      const alive = tf.memory().numTensors - before;
      short.dispose();
      const long = await steerVaeLatents({ ...options, steps: 3, rng: new Generator(1) });
      expect(tf.memory().numTensors - before).toBe(alive);
      long.dispose();
      expect(tf.memory().numTensors).toBe(before);
      vae.dispose();
      clip.dispose();
    });
  },
  { skip: ['webgl'] },
);

describeWithBackends('steerVaeLatents (small cases)', () => {
  it('the gradient of the objective (views + weight·½‖z‖²) in z matches central finite differences', async () => {
    const clip = tinyClip(7);
    const vae = tinyVae(2);
    const textEmbedding = clip.encodeText(['a horizontal bar']);
    const objective = { clip, textEmbedding, render: (z: tf.Tensor) => vae.decode(z).sample, prior: { kind: 'gaussian' as const, weight: 0.3 } };
    const shifts: Array<[number, number]> = [[0, 1], [-1, 0]];
    const z = new Generator(2).normal([2, 4]);
    const total = (latents: tf.Tensor) => tf.sum(steeringObjective(objective, latents, null, shifts).objective);
    const gradient = tf.grad(total)(z);
    const direction = new Generator(3).uniform(z.shape, { low: -1, high: 1 });
    const h = 1e-2;
    const numeric = (await tf.div(tf.sub(total(tf.add(z, tf.mul(direction, h))), total(tf.sub(z, tf.mul(direction, h)))), 2 * h).data())[0];
    const analytic = (await tf.sum(tf.mul(gradient, direction)).data())[0];
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.abs(numeric) + 1e-4);
    // The prior's share of the gradient is weight·z exactly: compare with the weight-0 gradient.
    const plain = tf.grad((latents: tf.Tensor) => tf.sum(steeringObjective({ ...objective, prior: { kind: 'gaussian', weight: 0 } }, latents, null, shifts).objective))(z);
    await expectTensorsClose(tf.sub(gradient, plain), tf.mul(z, 0.3), { atol: 1e-5 });
    vae.dispose();
    clip.dispose();
  });

  it('rejects bad input with one-line errors', async () => {
    const clip = tinyClip(6);
    const vae = tinyVae();
    const base = { clip, prompt: 'a square', decoder: vae, n: 2, rng: new Generator(0) };
    await expect(steerVaeLatents({ ...base, steps: 0 })).rejects.toThrow('steps (0) must be a positive integer');
    await expect(steerVaeLatents({ ...base, prompt: '' })).rejects.toThrow('prompt ("") must be a non-empty string (an empty prompt has no meaning to match)');
    await expect(steerVaeLatents({ ...base, lr: 0 })).rejects.toThrow('lr (0) must be a positive finite number');
    await expect(steerVaeLatents({ ...base, latents: tf.zeros([2, 3]) })).rejects.toThrow('latents (Tensor<float32>[2, 3]) must have shape [2, 4]');
    await expect(steerVaeLatents({ ...base, priorWeight: -1 })).rejects.toThrow('priorWeight (-1) must be a finite number >= 0');
    await expect(steerVaeLatents({ ...base, decoder: {} as never })).rejects.toThrow('decoder ({}) must be a @gen/vae model (decode, latentShape, range)');
    const conditional = new ConditionalVAE({ height: 8, width: 8, widths: [4], hiddenDim: 8, latentDim: 4, numClasses: 3, generator: new Generator(1) });
    await expect(steerVaeLatents({ ...base, decoder: conditional })).rejects.toThrow('labels (undefined) must be a class in [0, 3) or 2 of them (the model is conditional)');
    await expect(steerVaeLatents({ ...base, decoder: conditional, labels: [0, 3] })).rejects.toThrow('labels[1] (3) must be an integer class in [0, 3)');
    const steered = await steerVaeLatents({ ...base, decoder: conditional, labels: 2, steps: 1, cutouts: 1 });
    expect(Array.from(steered.labels!)).toEqual([2, 2]);
    steered.dispose();
    conditional.dispose();
    vae.dispose();
    clip.dispose();
  });
});
