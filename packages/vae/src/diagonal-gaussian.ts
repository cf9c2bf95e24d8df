// The posterior (and prior) distribution of every @gen/vae model: independent Gaussians
// N(mean, exp(logVar)) over the latent dimensions of each sample.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, losses, type Generator } from '@gen/core';
import { sumFrom } from './validate';

const LOG_2PI = Math.log(2 * Math.PI);

/** Options of {@link DiagonalGaussian.sample}. */
export interface DiagonalGaussianSampleOptions {
  /** Source of the noise ε ~ N(0, I). */
  generator: Generator;
  /**
   * Draws per distribution. Omitted: one draw, shape `[batch, ...latent]`. A number s: s
   * draws stacked on a new leading axis, shape `[s, batch, ...latent]` (IWAE, NLL estimates).
   */
  numSamples?: number;
}

/**
 * A batch of diagonal Gaussians q(z|x) = N(mean, diag(exp(logVar))), one per sample:
 * `mean` and `logVar` are `[batch, ...latent]` (`[batch, latentDim]` for a VAE,
 * `[batch, h, w, c]` for AutoencoderKL). Every per-sample quantity (`kl`, `logProb`,
 * `entropy`) sums over the latent axes and returns nats, one value per sample.
 *
 * The object owns its two tensors: `dispose()` frees them. Methods return new tensors.
 *
 * ```ts
 * const { latentDist } = vae.encode(images);
 * const z = latentDist.sample({ generator });   // reparameterised: μ + σ·ε
 * const kl = latentDist.kl();                   // KL(q ‖ N(0, I)), [batch]
 * latentDist.dispose();
 * ```
 */
export class DiagonalGaussian {
  readonly mean: tf.Tensor;
  readonly logVar: tf.Tensor;

  /** Takes ownership of `mean` and `logVar` (same shape, float32, a leading batch axis). */
  constructor(mean: tf.Tensor, logVar: tf.Tensor) {
    if (!(mean instanceof tf.Tensor) || mean.dtype !== 'float32' || mean.rank < 2) {
      throw new InvalidArgumentError('DiagonalGaussian mean', mean, 'must be a float32 tensor [batch, ...latent] of rank ≥ 2');
    }
    if (!(logVar instanceof tf.Tensor) || !tf.util.arraysEqual(logVar.shape, mean.shape) || logVar.dtype !== 'float32') {
      throw new InvalidArgumentError('DiagonalGaussian logVar', logVar, `must be a float32 tensor of the shape of mean [${mean.shape.join(', ')}]`);
    }
    this.mean = mean;
    this.logVar = logVar;
  }

  /** The standard normal N(0, I) with the given shape `[batch, ...latent]` (the VAE prior). */
  static standardNormal(shape: number[]): DiagonalGaussian {
    return new DiagonalGaussian(tf.zeros(shape), tf.zeros(shape));
  }

  /** `[batch, ...latent]`. */
  get shape(): number[] {
    return [...this.mean.shape];
  }

  get batchSize(): number {
    return this.mean.shape[0];
  }

  /** The per-sample latent shape (the shape without the batch axis). */
  get latentShape(): number[] {
    return this.mean.shape.slice(1);
  }

  /** Standard deviations exp(½·logVar). */
  std(): tf.Tensor {
    return tf.tidy(() => tf.exp(tf.mul(this.logVar, 0.5)));
  }

  /** Variances exp(logVar). */
  variance(): tf.Tensor {
    return tf.exp(this.logVar);
  }

  /**
   * A reparameterised draw z = μ + σ·ε, ε ~ N(0, I) from `generator` (Kingma & Welling 2014,
   * §2.4): gradients flow to mean and logVar. See {@link DiagonalGaussianSampleOptions}.
   */
  sample(options: DiagonalGaussianSampleOptions): tf.Tensor {
    const { generator, numSamples } = options ?? ({} as DiagonalGaussianSampleOptions);
    if (typeof generator?.normal !== 'function') {
      throw new InvalidArgumentError('sample generator', generator, 'must be a Generator from @gen/core (new Generator(seed))');
    }
    if (numSamples !== undefined && (!Number.isSafeInteger(numSamples) || numSamples < 1)) {
      throw new InvalidArgumentError('numSamples', numSamples, 'must be a positive integer');
    }
    const shape = numSamples === undefined ? this.shape : [numSamples, ...this.shape];
    return tf.tidy(() => tf.add(this.mean, tf.mul(this.std(), generator.normal(shape))));
  }

  /** The most likely latent: the mean (a copy the caller owns). */
  mode(): tf.Tensor {
    return tf.clone(this.mean);
  }

  /**
   * KL(this ‖ other) per sample in nats, `[batch]` (closed form, Kingma & Welling 2014
   * appendix B). Without `other`, KL to the standard normal prior N(0, I).
   */
  kl(other?: DiagonalGaussian): tf.Tensor1D {
    const none = tf.Reduction.NONE;
    if (other === undefined) return losses.klStandardNormal(this.mean, this.logVar, { reduction: none }) as tf.Tensor1D;
    if (!(other instanceof DiagonalGaussian) || !tf.util.arraysEqual(other.shape, this.shape)) {
      throw new InvalidArgumentError('kl other', other?.shape ?? other, `must be a DiagonalGaussian of shape [${this.shape.join(', ')}]`);
    }
    return losses.klNormal(this.mean, this.logVar, other.mean, other.logVar, { reduction: none }) as tf.Tensor1D;
  }

  /**
   * log q(z) in nats, summed over the latent axes. `z` is `[batch, ...latent]` (→ `[batch]`)
   * or `[s, batch, ...latent]` for s draws per sample (→ `[s, batch]`):
   * −½ Σ [log 2π + logVar + (z − μ)² / σ²].
   */
  logProb(z: tf.Tensor): tf.Tensor {
    this.checkDraws('logProb z', z);
    return tf.tidy(() => {
      // square(sub) rather than squaredDifference: tfjs 4.22's SquaredDifference gradient does
      // not reduce broadcast axes, and z [s, batch, ...] broadcasts against the mean.
      const squared = tf.mul(tf.square(tf.sub(z, this.mean)), tf.exp(tf.neg(this.logVar)));
      const perDim = tf.mul(-0.5, tf.add(tf.add(squared, this.logVar), LOG_2PI));
      return sumFrom(perDim, z.rank - this.latentShape.length);
    });
  }

  /** Differential entropy per sample in nats, `[batch]`: ½ Σ (1 + log 2π + logVar). */
  entropy(): tf.Tensor1D {
    return tf.tidy(() => sumFrom(tf.mul(0.5, tf.add(this.logVar, 1 + LOG_2PI)), 1)) as tf.Tensor1D;
  }

  /** Frees mean and logVar. */
  dispose(): void {
    tf.dispose([this.mean, this.logVar]);
  }

  /** Throws unless `z` is `[batch, ...latent]` or `[s, batch, ...latent]`. */
  checkDraws(argument: string, z: unknown): asserts z is tf.Tensor {
    const shape = this.shape;
    const ok =
      z instanceof tf.Tensor &&
      z.dtype === 'float32' &&
      (tf.util.arraysEqual(z.shape, shape) || (z.rank === shape.length + 1 && tf.util.arraysEqual(z.shape.slice(1), shape)));
    if (!ok) {
      throw new InvalidArgumentError(argument, z, `must be a float32 tensor [${shape.join(', ')}] or [samples, ${shape.join(', ')}]`);
    }
  }
}

/**
 * log N(z; 0, I) in nats, summed over the last `latentRank` axes: −½ Σ (log 2π + z²).
 * `[..., ...latent] → [...]`.
 */
export function standardNormalLogProb(z: tf.Tensor, latentRank: number): tf.Tensor {
  return tf.tidy(() => sumFrom(tf.mul(-0.5, tf.add(tf.square(z), LOG_2PI)), z.rank - latentRank));
}
