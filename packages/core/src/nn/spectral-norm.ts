import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { ConvTranspose2d } from './conv-transpose2d';
import { Module } from './module';
import { checkGenerator, checkPositiveInteger, checkPositiveNumber } from './validate';

/** A module with a `forward` method (any arguments, tensor out). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ForwardModule = Module & { forward(...args: any[]): tf.Tensor };

export interface SpectralNormOptions {
  /** The wrapped module's parameter to normalise (default 'weight'). */
  name?: string;
  /** Power iterations per training forward (default 1, as Miyato et al. and PyTorch). */
  powerIterations?: number;
  /** Guards the normalisations against division by zero (default 1e-12). */
  eps?: number;
  /**
   * The weight axis of output units (default: the last axis, which is the output axis
   * of Linear and Conv2d; axis 2 for ConvTranspose2d). The weight is viewed as the
   * matrix [size of that axis, everything else].
   */
  dim?: number;
  /** Draws the initial `u` (a normalised Gaussian vector). */
  generator: Generator;
}

/** Identity whose gradient is zero: tfjs-core has no stop_gradient. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * Spectral normalisation (Miyato et al. 2018): the wrapped module runs with its weight
 * W replaced by W / σ(W), σ estimated by power iteration with a persistent vector `u`
 * (a buffer, saved in `stateDict` as `u`; the weight stays at `module.weight`).
 *
 * Training forward: one power-iteration step (v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖) updates `u`,
 * then σ = uᵀWv with u, v held constant, so the gradient flows through W and σ's
 * dependence on W (as in PyTorch). Eval forward: σ from the stored `u` without updating it.
 */
export class SpectralNorm<M extends ForwardModule> extends Module {
  readonly module: M;
  readonly name: string;
  readonly powerIterations: number;
  readonly eps: number;
  readonly dim: number;
  readonly u: tf.Variable;

  constructor(module: M, options: SpectralNormOptions) {
    super();
    const { name = 'weight', powerIterations = 1, eps = 1e-12, dim, generator } = options ?? ({} as SpectralNormOptions);
    if (!(module instanceof Module) || typeof module.forward !== 'function') {
      throw new InvalidArgumentError('SpectralNorm module', module, 'must be an nn.Module with a forward method');
    }
    const weight = module.getParameter(name);
    if (!weight) {
      throw new InvalidArgumentError('SpectralNorm name', name, `is not a parameter of ${module.constructor.name}`);
    }
    if (weight.rank < 2) {
      throw new InvalidArgumentError('SpectralNorm name', name, `must name a parameter of rank ≥ 2, got [${weight.shape.join(', ')}]`);
    }
    const defaultDim = module instanceof ConvTranspose2d ? 2 : weight.rank - 1;
    const axis = dim ?? defaultDim;
    if (!Number.isInteger(axis) || axis < 0 || axis >= weight.rank) {
      throw new InvalidArgumentError('SpectralNorm dim', dim, `must be an axis of the weight (0 to ${weight.rank - 1})`);
    }
    this.name = name;
    this.powerIterations = checkPositiveInteger('SpectralNorm', 'powerIterations', powerIterations);
    this.eps = checkPositiveNumber('SpectralNorm', 'eps', eps);
    this.dim = axis;
    const random = checkGenerator('SpectralNorm', generator);
    this.module = this.registerModule('module', module);
    const rows = weight.shape[axis];
    this.u = this.registerBuffer(
      'u',
      tf.tidy(() => normalize(random.normal([rows]), this.eps)),
    );
  }

  /** Runs the wrapped module with its weight spectrally normalised. */
  forward(...args: Parameters<M['forward']>): tf.Tensor {
    return tf.tidy(() => {
      const normalized = this.computeNormalizedWeight(this.training);
      return this.module.withParameterOverride(this.name, normalized, () => this.module.forward(...args));
    });
  }

  /** W / σ(W) with σ estimated from the current `u` (does not update `u`). */
  normalizedWeight(): tf.Tensor {
    return tf.tidy(() => this.computeNormalizedWeight(false));
  }

  /** The current estimate of σ(W), the largest singular value of the raw weight. */
  sigma(): tf.Scalar {
    return tf.tidy(() => {
      const matrix = this.weightMatrix(this.module.getParameter(this.name) as tf.Tensor);
      const v = normalize(tf.matMul(tf.reshape(this.u, [1, -1]), matrix), this.eps);
      return tf.sum(tf.mul(tf.reshape(this.u, [-1, 1]), tf.matMul(matrix, v, false, true))) as tf.Scalar;
    });
  }

  private computeNormalizedWeight(update: boolean): tf.Tensor {
    const weight = this.module.getParameter(this.name) as tf.Variable;
    const matrix = this.weightMatrix(weight); // W: [rows, cols]
    const constant = stopGradient(matrix);
    let u: tf.Tensor = tf.reshape(this.u, [1, -1]); // uᵀ: [1, rows]
    let v = normalize(tf.matMul(u, constant), this.eps); // vᵀ = (Wᵀu)ᵀ/‖·‖: [1, cols]
    if (update) {
      // The same order as PyTorch: (v ← Wᵀu, u ← Wv) per iteration, then σ = uᵀWv.
      for (let i = 0; i < this.powerIterations; i++) {
        if (i > 0) v = normalize(tf.matMul(u, constant), this.eps);
        u = normalize(tf.matMul(v, constant, false, true), this.eps);
      }
      this.u.assign(tf.reshape(u, [-1]));
    }
    const sigma = tf.sum(tf.mul(u, tf.matMul(v, matrix, false, true))); // uᵀWv, differentiable in W
    return tf.div(weight, sigma);
  }

  /** The weight as a matrix [size of `dim`, product of the other axes]. */
  private weightMatrix(weight: tf.Tensor): tf.Tensor2D {
    const axes = [this.dim, ...weight.shape.map((_, i) => i).filter((i) => i !== this.dim)];
    const moved = this.dim === 0 ? weight : tf.transpose(weight, axes);
    return tf.reshape(moved, [weight.shape[this.dim], -1]) as tf.Tensor2D;
  }
}

function normalize(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x), eps));
}
