// trainDiffusion with `encodeImages` (latent diffusion): a fixed linear "encoder" (2×2 average
// pooling, tiled to 2 channels, ×2, plus a little noise from the step's generator) maps 8×8×1
// images to 4×4×2 latents, and the UNet is built and trained at the latent shape.
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, Generator, alphasCumprod, betasFromConfig } from '@gen/core';
import type { ImageDataset } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { TINY_UNET_CONFIG, UNet2DModel } from '../models/unet';
import { pattern } from './__fixtures__/two-patterns';
import { trainDiffusion } from './train-diffusion';

const LATENT_CONFIG = { ...TINY_UNET_CONFIG, height: 4, width: 4, inChannels: 2, outChannels: 2 };

/** z = 2·avgPool₂ₓ₂(x) tiled to 2 channels, + 0.1·N(0, 1) from the step's generator. */
function encoder(calls: number[][] = []) {
  return (images: tf.Tensor4D, generator: Generator): tf.Tensor4D =>
    tf.tidy(() => {
      calls.push(images.shape);
      const pooled = tf.avgPool(images, 2, 2, 'valid');
      return tf.add(tf.mul(tf.tile(pooled, [1, 1, 1, 2]), 2), tf.mul(generator.normal(pooled.shape.slice(0, 3).concat(2)), 0.1)) as tf.Tensor4D;
    });
}

/** `size` copies of pattern 0 (left half lit), so every batch is the same whatever the order. */
function constantDataset(size: number): ImageDataset {
  const images = new Float32Array(size * 64);
  for (let i = 0; i < size; i++) images.set(pattern(0), i * 64);
  return { name: 'left-half', images, labels: new Int32Array(size), size, height: 8, width: 8, channels: 1, classNames: ['left'], skipped: 0 };
}

async function parameterValues(model: UNet2DModel): Promise<number[][]> {
  return Promise.all(model.namedParameters().map(async ([, variable]) => Array.from(await variable.data())));
}

describeWithBackends('trainDiffusion on latents (encodeImages)', () => {
  it('computes the step loss on the encoded batch: ‖ε − ε̂(√ᾱ·E(x) + √(1−ᾱ)·ε, t)‖² with the step\'s draws', async () => {
    const seed = 3;
    const batchSize = 4;
    const model = new UNet2DModel({ ...LATENT_CONFIG, generator: new Generator(11) });
    // The expected first loss, from the initial weights and step 0's draws in the documented order:
    // timesteps, noise, condition-dropout coins, then the encoder's draws.
    const expected = tf.tidy(() => {
      const draw = new Generator(seed).fork('step/0');
      const timesteps = draw.randint([batchSize], 0, DEFAULT_SCHEDULER_CONFIG.numTrainTimesteps);
      const noise = draw.normal([batchSize, 4, 4, 2]);
      draw.uniformArray(batchSize);
      const x = tf.sub(tf.mul(tf.tensor4d(Array.from({ length: batchSize }, () => Array.from(pattern(0))).flat(), [batchSize, 8, 8, 1]), 2), 1);
      const latents = encoder()(x as tf.Tensor4D, draw);
      const alphaBar = tf.reshape(tf.gather(tf.tensor1d(Float32Array.from(alphasCumprod(betasFromConfig(DEFAULT_SCHEDULER_CONFIG)))), timesteps), [batchSize, 1, 1, 1]);
      const noisy = tf.add(tf.mul(tf.sqrt(alphaBar), latents), tf.mul(tf.sqrt(tf.sub(1, alphaBar)), noise));
      return tf.mean(tf.squaredDifference(model.forward(noisy, timesteps).sample, noise)).dataSync()[0];
    });
    const calls: number[][] = [];
    const losses: number[] = [];
    const result = await trainDiffusion({
      model,
      dataset: constantDataset(8),
      encodeImages: encoder(calls),
      steps: 1,
      batchSize,
      seed,
      ema: false,
      logEvery: 1,
      onProgress: ({ losses: window }) => {
        losses.push(window.loss);
      },
    });
    // One shape probe ([1, 8, 8, 1]) at validation, then the [4, 8, 8, 1] image batch of the step.
    expect(calls).toEqual([
      [1, 8, 8, 1],
      [batchSize, 8, 8, 1],
    ]);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toBeCloseTo(expected, 4);
    result.dispose();
  });

  it('is deterministic for a seed (the encoder draws from the step generator) and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const train = async (seed: number) => {
      const counts: number[] = [];
      const result = await trainDiffusion({
        config: LATENT_CONFIG,
        dataset: constantDataset(8),
        encodeImages: encoder(),
        steps: 3,
        batchSize: 2,
        seed,
        logEvery: 1,
        onProgress: () => {
          counts.push(tf.memory().numTensors);
        },
      });
      const values = await parameterValues(result.model);
      // Latents are unbounded: the recorded noise process must not let samplers clip x̂₀ to [-1, 1].
      expect(result.schedulerConfig.clipSample).toBe(false);
      result.dispose();
      return { values, counts };
    };
    const first = await train(5);
    const again = await train(5);
    expect(again.values).toEqual(first.values);
    // Flat after the first step (optimizer moments appear once), and nothing left afterwards.
    expect(new Set(first.counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an encoder whose latents do not match the model, in one line', async () => {
    const before = tf.memory().numTensors;
    await expect(trainDiffusion({ config: TINY_UNET_CONFIG, dataset: constantDataset(4), encodeImages: encoder(), steps: 1 })).rejects.toThrow(
      'encodeImages ("4×4×2 latents") must match the model\'s 8×8×1 input',
    );
    await expect(trainDiffusion({ config: LATENT_CONFIG, dataset: constantDataset(4), encodeImages: 'vae' as never, steps: 1 })).rejects.toThrow(
      'encodeImages ("vae") must be a function (images, generator) => latents',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
