// A VAE whose likelihood is known exactly (test support, browser-safe):
//   z ~ N(0, I_d),  x | z ~ N(W z + b, σ² I_D)   ⇒   x ~ N(b, W Wᵀ + σ² I).
// W has orthogonal columns, so the true posterior is diagonal:
//   Σ = diag(σ² / (σ² + ‖w_j‖²)),  μ = Σ Wᵀ (x − b) / σ²,
// and the encoder is that posterior, optionally spoiled (mean scaled, log-variance shifted).
import * as tf from '@tensorflow/tfjs-core';
import { losses, type PixelRange } from '@gen/core';
import { DiagonalGaussian } from '../diagonal-gaussian';
import type { DecoderOutput, Likelihood } from '../likelihood';
import type { ConditioningOptions, EncoderOutput, VariationalModel } from '../types';

export interface LinearGaussianOptions {
  /** Encoder mean = meanScale · exact posterior mean (1: exact). */
  meanScale?: number;
  /** Encoder log-variance = exact + logVarShift (0: exact). */
  logVarShift?: number;
}

// Columns w1 = 2·(1, 1, 0, 0)/√2 and w2 = (0, 0, 1, −1)/√2: orthogonal, ‖w1‖ = 2, ‖w2‖ = 1.
export const W = [
  [Math.SQRT2, 0],
  [Math.SQRT2, 0],
  [0, Math.SQRT1_2],
  [0, -Math.SQRT1_2],
];
export const B = [0.5, -0.3, 0.1, 0.2];
export const SIGMA = 0.5;
const D = 4;
const LATENT = 2;

export class LinearGaussianVae implements VariationalModel {
  readonly config = { kind: 'linear-gaussian' };
  readonly imageShape = [D];
  readonly latentShape = [LATENT];
  readonly range: PixelRange = [-1, 1];
  readonly likelihood: Likelihood = 'gaussian';
  readonly numClasses = 0;
  private readonly w = tf.keep(tf.tensor2d(W));
  private readonly b = tf.keep(tf.tensor1d(B));
  private readonly encoderMatrix: tf.Tensor2D;
  private readonly encoderLogVar: tf.Tensor1D;

  constructor({ meanScale = 1, logVarShift = 0 }: LinearGaussianOptions = {}) {
    const sigma2 = SIGMA * SIGMA;
    const posteriorVariance = [0, 1].map((j) => sigma2 / (sigma2 + W.reduce((s, row) => s + row[j] ** 2, 0)));
    // μ_j = Σ_jj · (Wᵀ(x − b))_j / σ²  ⇒  μ = (x − b) · A with A[i][j] = W[i][j] · Σ_jj / σ².
    const a = W.map((row) => row.map((value, j) => (meanScale * value * posteriorVariance[j]) / sigma2));
    this.encoderMatrix = tf.keep(tf.tensor2d(a));
    this.encoderLogVar = tf.keep(tf.tensor1d(posteriorVariance.map((v) => Math.log(v) + logVarShift)));
  }

  encode(images: tf.Tensor, _options?: ConditioningOptions): EncoderOutput {
    const [mean, logVar] = tf.tidy(() => {
      const centred = tf.sub(images, this.b);
      return [tf.matMul(centred as tf.Tensor2D, this.encoderMatrix), tf.tile(tf.reshape(this.encoderLogVar, [1, LATENT]), [images.shape[0], 1])];
    });
    return { latentDist: new DiagonalGaussian(mean, logVar) };
  }

  decode(latents: tf.Tensor, _options?: ConditioningOptions): DecoderOutput {
    const params = tf.tidy(() => tf.add(tf.matMul(latents as tf.Tensor2D, this.w, false, true), this.b));
    return { sample: tf.clone(params), params };
  }

  logLikelihood(images: tf.Tensor, params: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => tf.neg(losses.gaussianNll(images, params, Math.log(SIGMA * SIGMA), { reduction: tf.Reduction.NONE }))) as tf.Tensor1D;
  }

  dispose(): void {
    tf.dispose([this.w, this.b, this.encoderMatrix, this.encoderLogVar]);
  }
}

/** log N(x; b, W Wᵀ + σ² I) per row of `points` (count × D), in float64 by Cholesky. */
export function exactLogMarginal(points: ArrayLike<number>): Float64Array {
  const cov = Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => W[i].reduce((s, v, k) => s + v * W[j][k], 0) + (i === j ? SIGMA * SIGMA : 0)),
  );
  const l = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = cov[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(sum) : sum / l[j][j];
    }
  }
  const logDet = 2 * l.reduce((s, row, i) => s + Math.log(row[i]), 0);
  const count = points.length / D;
  const out = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    // Solve L y = x − b; the Mahalanobis term is ‖y‖².
    const y = new Array<number>(D);
    let quad = 0;
    for (let i = 0; i < D; i++) {
      let sum = points[n * D + i] - B[i];
      for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
      y[i] = sum / l[i][i];
      quad += y[i] * y[i];
    }
    out[n] = -0.5 * (D * Math.log(2 * Math.PI) + logDet + quad);
  }
  return out;
}

/** `count` draws of x from the model's marginal (z then x), a float32 `[count, 4]` tensor. */
export function sampleData(count: number, normal: (shape: number[]) => tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const z = normal([count, LATENT]);
    const mean = tf.add(tf.matMul(z as tf.Tensor2D, tf.tensor2d(W), false, true), tf.tensor1d(B));
    return tf.add(mean, tf.mul(normal([count, D]), SIGMA)) as tf.Tensor2D;
  });
}
