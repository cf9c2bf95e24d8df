// The latent scaling factor of latent diffusion (Rombach et al. 2022, appendix G): diffusion
// runs on z·s with s = 1 / std(z) over training latents, so its noise schedule sees unit
// variance whatever scale the autoencoder's latent happened to learn.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import type { AutoencoderKL } from './autoencoder-kl';
import { checkPositiveInteger } from './validate';

export interface EstimateScalingFactorOptions {
  model: AutoencoderKL;
  /** Training images `[N, H, W, C]` in [-1, 1] (a few hundred are plenty). */
  images: tf.Tensor;
  /** Draws z ~ q(z|x) (the latents a diffusion model is trained on). */
  generator: Generator;
  /** Images encoded together. Default 256. */
  batchSize?: number;
}

/** 1 / std of `latentDist.sample()` over all entries of the encoded `images` (float64 accumulation). */
export async function estimateScalingFactor(options: EstimateScalingFactorOptions): Promise<number> {
  const { model, images, generator, batchSize = 256 } = options ?? ({} as EstimateScalingFactorOptions);
  if (typeof model?.encode !== 'function') throw new InvalidArgumentError('model', model, 'must be an AutoencoderKL');
  checkPositiveInteger('batchSize', batchSize);
  const count = images?.shape?.[0] ?? 0;
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const z = tf.tidy(() => model.encode(tf.slice(images, start, size)).latentDist.sample({ generator }));
    const values = await z.data();
    z.dispose();
    for (const value of values) {
      sum += value;
      squares += value * value;
    }
    n += values.length;
  }
  if (n < 2) throw new InvalidArgumentError('images', images, 'must hold at least one image');
  const variance = (squares - (sum * sum) / n) / (n - 1);
  return 1 / Math.sqrt(variance);
}
