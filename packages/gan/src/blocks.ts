// Small building blocks shared by the GAN models: optional spectral normalisation, a
// class table (per-class vectors).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn, type Generator } from '@gen/core';

/** A module called with one tensor. */
export type UnaryForward = nn.Module & { forward(x: tf.Tensor): tf.Tensor };

/**
 * `module` wrapped in spectral normalisation (Miyato et al. 2018) when `enabled`, else
 * `module` itself. The wrapper keeps the raw weight at `module.weight` and adds `u`.
 */
export function spectral<M extends UnaryForward>(module: M, enabled: boolean, generator: Generator): UnaryForward {
  return enabled ? (new nn.SpectralNorm(module, { generator }) as unknown as UnaryForward) : module;
}

/** How a {@link ClassTable} starts. */
export type ClassTableInit = { constant: number; noise?: number } | { uniform: number };

/**
 * One learned vector per class: `forward(labels [B] int32) → [B, dim]` (a lookup, like
 * nn.Embedding, with a chosen initialisation). `weight` is `[numClasses, dim]`.
 */
export class ClassTable extends nn.Module {
  readonly numClasses: number;
  readonly dim: number;
  readonly weight: tf.Variable;

  constructor(options: { numClasses: number; dim: number; init: ClassTableInit; generator: Generator }) {
    super();
    const { numClasses, dim, init, generator } = options;
    this.numClasses = numClasses;
    this.dim = dim;
    const shape = [numClasses, dim];
    const initial =
      'uniform' in init
        ? generator.uniform(shape, { low: -init.uniform, high: init.uniform })
        : tf.tidy(() => tf.add(init.constant, init.noise ? generator.normal(shape, { std: init.noise }) : tf.zeros(shape)));
    this.weight = this.registerParameter('weight', initial);
  }

  forward(labels: tf.Tensor): tf.Tensor {
    if (!(labels instanceof tf.Tensor) || labels.dtype !== 'int32' || labels.rank !== 1) {
      throw new InvalidArgumentError('labels', labels, 'must be an int32 tensor [batch] of class indices');
    }
    return tf.tidy(() => tf.gather(this.param('weight'), labels));
  }
}

/** Scales a freshly initialised variable in place (used to start conditional gains near 1). */
export function scaleInPlace(variable: tf.Variable, factor: number): void {
  tf.tidy(() => variable.assign(tf.mul(variable, factor)));
}
