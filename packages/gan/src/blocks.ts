// Small building blocks shared by the GAN models: optional spectral normalisation, a
// class table (per-class vectors).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn, type Generator } from '@gen/core';

/** A module called with one tensor. */
export type UnaryForward = nn.Module & { forward(x: tf.Tensor): tf.Tensor };

/**
 * `module` wrapped in spectral normalisation (Miyato et al. 2018) when `enabled`, else
 * `module` itself. The wrapper keeps the raw weight at `module.weight` (and adds `u`).
 * A layer with a single output unit gets {@link SingleUnitSpectralNorm} (exact, no `u`).
 */
export function spectral<M extends UnaryForward>(module: M, enabled: boolean, generator: Generator): UnaryForward {
  if (!enabled) return module;
  const weight = module.getParameter('weight');
  const outputAxis = module instanceof nn.ConvTranspose2d ? 2 : (weight?.rank ?? 1) - 1;
  if (weight && weight.shape[outputAxis] === 1) return new SingleUnitSpectralNorm(module);
  return new nn.SpectralNorm(module, { generator }) as unknown as UnaryForward;
}

/**
 * Spectral normalisation of a layer with one output unit: its weight is a one-row matrix
 * whose only singular value is its norm, so W/σ(W) = W/‖W‖ exactly (what power iteration
 * converges to, with the same gradient). Also sidesteps a wasm matmul bug in @gen/core that
 * one-row weights trigger in nn.SpectralNorm (see README, "Known issues").
 */
export class SingleUnitSpectralNorm extends nn.Module {
  readonly module: UnaryForward;

  constructor(module: UnaryForward) {
    super();
    this.module = this.registerModule('module', module);
  }

  /** W / ‖W‖. */
  normalizedWeight(): tf.Tensor {
    return tf.tidy(() => {
      const weight = this.module.getParameter('weight') as tf.Variable;
      return tf.div(weight, tf.add(tf.norm(weight), 1e-12));
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const normalized = this.normalizedWeight();
      return this.module.withParameterOverride('weight', normalized, () => this.module.forward(x));
    });
  }
}

/** Whether `labels` are float32 class weights `[batch, numClasses]` (a soft class per sample) rather than int32 indices. */
export function isClassWeights(labels: unknown, numClasses: number): labels is tf.Tensor2D {
  return labels instanceof tf.Tensor && labels.dtype === 'float32' && labels.rank === 2 && labels.shape[1] === numClasses;
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

  /**
   * `labels`: int32 class indices `[batch]` (a row each), or float32 class weights
   * `[batch, numClasses]` (the weighted sum of the rows: a soft class, e.g. a softmax; a one-hot
   * row gives that class's row exactly).
   */
  forward(labels: tf.Tensor): tf.Tensor {
    if (isClassWeights(labels, this.numClasses)) return tf.tidy(() => tf.matMul(labels, this.param('weight')));
    if (!(labels instanceof tf.Tensor) || labels.dtype !== 'int32' || labels.rank !== 1) {
      throw new InvalidArgumentError('labels', labels, `must be an int32 tensor [batch] of class indices or float32 class weights [batch, ${this.numClasses}]`);
    }
    return tf.tidy(() => tf.gather(this.param('weight'), labels));
  }
}

/** Scales a freshly initialised variable in place (used to start conditional gains near 1). */
export function scaleInPlace(variable: tf.Variable, factor: number): void {
  tf.tidy(() => variable.assign(tf.mul(variable, factor)));
}

/**
 * The final score layer `[batch, features] → [batch, 1]`: φ·w + b. With `spectralNorm` the
 * weight is w/‖w‖₂, which is exactly W/σ(W) for a one-row matrix (its only singular value is
 * its norm), with the same gradient as nn.SpectralNorm's. Written with a product and a sum
 * rather than nn.SpectralNorm(nn.Linear(F, 1)): on wasm, @gen/core's matmul wrapper turns the
 * transpose of a one-row weight into a reshape sharing its buffer, which XNNPACK's operator
 * cache then misreads (reported to core; see packages/gan/README.md).
 */
export class ScoreHead extends nn.Module {
  readonly inFeatures: number;
  readonly spectralNorm: boolean;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(options: { inFeatures: number; spectralNorm: boolean; generator: Generator }) {
    super();
    const { inFeatures, spectralNorm, generator } = options;
    this.inFeatures = inFeatures;
    this.spectralNorm = spectralNorm;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', generator.uniform([inFeatures], { low: -bound, high: bound }));
    this.bias = this.registerParameter('bias', generator.uniform([1], { low: -bound, high: bound }));
  }

  /** The weight the layer applies: w, or w/‖w‖ with spectral normalisation. */
  effectiveWeight(): tf.Tensor1D {
    return tf.tidy(() => {
      const w = this.param('weight');
      return (this.spectralNorm ? tf.div(w, tf.add(tf.norm(w), 1e-12)) : tf.clone(w)) as tf.Tensor1D;
    });
  }

  forward(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const w = this.param('weight');
      const weight = this.spectralNorm ? tf.div(w, tf.add(tf.norm(w), 1e-12)) : w;
      return tf.add(tf.sum(tf.mul(features, weight), -1, true), this.param('bias'));
    });
  }
}
