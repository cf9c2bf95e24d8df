import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { registerSecondOrderGradients } from './second-order-gradients';
import { assertFiniteNumber, assertFloatTensor, assertReduction, assertSameShape, reduceLoss } from './validate';

// GAN objectives. Every loss takes the critic's raw outputs ("logits": no sigmoid applied),
// of any shape, and reduces them with a tf.Reduction (default MEAN; NONE returns the
// elementwise losses). Discriminator losses reduce the real and the fake term separately
// and add them, so the two batches may differ in size (except with NONE).

/** Options shared by the GAN losses. */
export interface GanLossOptions {
  /** How to reduce elementwise losses. Default `tf.Reduction.MEAN`. */
  reduction?: tf.Reduction;
}

/** Options of the least-squares (LSGAN) losses. */
export interface LeastSquaresLossOptions extends GanLossOptions {
  /** Target for real samples (`b` in Mao et al. 2017). Default 1. */
  realTarget?: number;
  /** Target for fake samples in the discriminator loss (`a`). Default 0. */
  fakeTarget?: number;
}

function checkLogits(argument: string, logits: unknown): asserts logits is tf.Tensor {
  assertFloatTensor(argument, logits);
}

/** Adds the reduced real and fake terms; with NONE both must share a shape. */
function combine(realTerm: tf.Tensor, fakeTerm: tf.Tensor, reduction: tf.Reduction): tf.Tensor {
  if (reduction === tf.Reduction.NONE) return tf.add(realTerm, fakeTerm);
  return tf.add(reduceLoss(realTerm, reduction), reduceLoss(fakeTerm, reduction));
}

function checkPair(realLogits: unknown, fakeLogits: unknown, reduction: unknown): void {
  checkLogits('realLogits', realLogits);
  checkLogits('fakeLogits', fakeLogits);
  assertReduction(reduction);
  if (reduction === tf.Reduction.NONE) assertSameShape('fakeLogits', fakeLogits, 'realLogits', realLogits);
}

// 1. Non-saturating loss — Goodfellow et al. 2014, §3; softplus forms are stable for any logit:
//    −log σ(x) = softplus(−x),  −log(1 − σ(x)) = softplus(x).

function nonSaturatingDiscriminatorLoss_(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  { reduction = tf.Reduction.MEAN }: GanLossOptions = {},
): tf.Tensor {
  checkPair(realLogits, fakeLogits, reduction);
  return combine(tf.softplus(tf.neg(realLogits)), tf.softplus(fakeLogits), reduction);
}

/**
 * Discriminator loss of the standard GAN: −log σ(D(x)) − log(1 − σ(D(G(z)))), i.e. binary
 * cross-entropy from logits with real = 1, fake = 0; computed as
 * softplus(−real) + softplus(fake), finite for every logit.
 */
export const nonSaturatingDiscriminatorLoss = tf.op({ nonSaturatingDiscriminatorLoss_ });

function nonSaturatingGeneratorLoss_(fakeLogits: tf.Tensor, { reduction = tf.Reduction.MEAN }: GanLossOptions = {}): tf.Tensor {
  checkLogits('fakeLogits', fakeLogits);
  assertReduction(reduction);
  return reduceLoss(tf.softplus(tf.neg(fakeLogits)), reduction);
}

/** Non-saturating generator loss: −log σ(D(G(z))) = softplus(−fake). */
export const nonSaturatingGeneratorLoss = tf.op({ nonSaturatingGeneratorLoss_ });

// 2. Hinge loss — Lim & Ye 2017; Miyato et al. 2018 (SN-GAN), eq. 16–17.

function hingeDiscriminatorLoss_(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  { reduction = tf.Reduction.MEAN }: GanLossOptions = {},
): tf.Tensor {
  checkPair(realLogits, fakeLogits, reduction);
  return combine(tf.relu(tf.sub(1, realLogits)), tf.relu(tf.add(1, fakeLogits)), reduction);
}

/** Hinge discriminator loss: max(0, 1 − D(x)) + max(0, 1 + D(G(z))). */
export const hingeDiscriminatorLoss = tf.op({ hingeDiscriminatorLoss_ });

function hingeGeneratorLoss_(fakeLogits: tf.Tensor, { reduction = tf.Reduction.MEAN }: GanLossOptions = {}): tf.Tensor {
  checkLogits('fakeLogits', fakeLogits);
  assertReduction(reduction);
  return reduceLoss(tf.neg(fakeLogits), reduction);
}

/** Hinge generator loss: −D(G(z)). */
export const hingeGeneratorLoss = tf.op({ hingeGeneratorLoss_ });

// 3. Wasserstein loss — Arjovsky et al. 2017, eq. 3 (the critic minimises the negated estimate).

function wassersteinCriticLoss_(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  { reduction = tf.Reduction.MEAN }: GanLossOptions = {},
): tf.Tensor {
  checkPair(realLogits, fakeLogits, reduction);
  return combine(tf.neg(realLogits), fakeLogits, reduction);
}

/** Wasserstein critic loss: D(G(z)) − D(x). Pair it with a Lipschitz constraint ({@link gradientPenalty}). */
export const wassersteinCriticLoss = tf.op({ wassersteinCriticLoss_ });

function wassersteinGeneratorLoss_(fakeLogits: tf.Tensor, { reduction = tf.Reduction.MEAN }: GanLossOptions = {}): tf.Tensor {
  checkLogits('fakeLogits', fakeLogits);
  assertReduction(reduction);
  return reduceLoss(tf.neg(fakeLogits), reduction);
}

/** Wasserstein generator loss: −D(G(z)). */
export const wassersteinGeneratorLoss = tf.op({ wassersteinGeneratorLoss_ });

// 4. Least-squares loss — Mao et al. 2017 (LSGAN), eq. 2 with a = 0, b = c = 1 by default.

function leastSquaresDiscriminatorLoss_(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  { reduction = tf.Reduction.MEAN, realTarget = 1, fakeTarget = 0 }: LeastSquaresLossOptions = {},
): tf.Tensor {
  checkPair(realLogits, fakeLogits, reduction);
  assertFiniteNumber('realTarget', realTarget);
  assertFiniteNumber('fakeTarget', fakeTarget);
  const realTerm = tf.mul(0.5, tf.square(tf.sub(realLogits, realTarget)));
  const fakeTerm = tf.mul(0.5, tf.square(tf.sub(fakeLogits, fakeTarget)));
  return combine(realTerm, fakeTerm, reduction);
}

/** LSGAN discriminator loss: ½(D(x) − b)² + ½(D(G(z)) − a)². */
export const leastSquaresDiscriminatorLoss = tf.op({ leastSquaresDiscriminatorLoss_ });

function leastSquaresGeneratorLoss_(
  fakeLogits: tf.Tensor,
  { reduction = tf.Reduction.MEAN, realTarget = 1 }: Omit<LeastSquaresLossOptions, 'fakeTarget'> = {},
): tf.Tensor {
  checkLogits('fakeLogits', fakeLogits);
  assertReduction(reduction);
  assertFiniteNumber('realTarget', realTarget);
  return reduceLoss(tf.mul(0.5, tf.square(tf.sub(fakeLogits, realTarget))), reduction);
}

/** LSGAN generator loss: ½(D(G(z)) − c)², c = `realTarget` (default 1). */
export const leastSquaresGeneratorLoss = tf.op({ leastSquaresGeneratorLoss_ });

// 5. Gradient penalties. Both differentiate the critic w.r.t. its input inside the loss, so
//    the loss's own gradient w.r.t. the critic's weights is second order; the overrides of
//    ./second-order-gradients make tfjs 4.22 compute it correctly (see that file).

/**
 * Anything that draws uniform noise as a tensor: the seeded `Generator` of @gen/core
 * (`new Generator(seed)`) satisfies it.
 */
export interface UniformSource {
  uniform(shape: number[], options: { low: number; high: number }): tf.Tensor;
}

/**
 * A critic: maps a batch `[N, ...]` to one score per sample (`[N]` or `[N, 1]`). Samples
 * must not interact (no batch normalisation; use layer / instance norm, as Gulrajani
 * et al. advise), since the penalties read per-sample gradients off ∇ₓ Σₙ D(xₙ).
 */
export type Critic = (input: tf.Tensor) => tf.Tensor;

/** Options of {@link gradientPenalty}. */
export interface GradientPenaltyOptions {
  /** The critic D. Its weights are the tf.Variables it closes over. */
  critic: Critic;
  /** Real batch `[N, ...]`, float32. */
  real: tf.Tensor;
  /** Fake batch, same shape as `real` (its gradient w.r.t. the generator is not needed). */
  fake: tf.Tensor;
  /** Draws the interpolation weights ε ~ U[0, 1), one per sample (a @gen/core `Generator`). */
  generator: UniformSource;
  /** Penalty weight λ. Default 10 (Gulrajani et al. 2017). */
  weight?: number;
  /** Target gradient norm. Default 1 (1-Lipschitz). */
  target?: number;
}

/** Options of {@link r1Penalty}. */
export interface R1PenaltyOptions {
  /** The critic D. */
  critic: Critic;
  /** Batch at which the gradient is taken: real data for R1 (fakes give R2). */
  real: tf.Tensor;
  /** γ. Default 10 (Mescheder et al. 2018). */
  gamma?: number;
}

// Keeps √(‖g‖²) differentiable at g = 0 (its derivative there would be 0·∞ = NaN);
// changes the norm by at most 1e-6.
const NORM_EPSILON = 1e-12;

function checkCritic(critic: unknown): asserts critic is Critic {
  if (typeof critic !== 'function') throw new InvalidArgumentError('critic', critic, 'must be a function (input: tf.Tensor) => tf.Tensor');
}

/** ∇ₓ Σₙ D(xₙ), checking that D returns one score per sample. */
function criticInputGradient(critic: Critic, input: tf.Tensor): tf.Tensor {
  const batch = input.shape[0];
  return tf.grad((x: tf.Tensor) => {
    const scores = critic(x);
    if (!(scores instanceof tf.Tensor) || scores.size !== batch || scores.shape[0] !== batch) {
      throw new InvalidArgumentError('critic output', scores, `must hold one score per sample: [${batch}] or [${batch}, 1]`);
    }
    return tf.sum(scores);
  })(input);
}

/** Per-sample squared gradient norm, shape [N]. */
function squaredNormPerSample(gradient: tf.Tensor): tf.Tensor {
  const axes = Array.from({ length: gradient.rank - 1 }, (_, i) => i + 1);
  return tf.sum(tf.square(gradient), axes);
}

function gradientPenalty_({ critic, real, fake, generator, weight = 10, target = 1 }: GradientPenaltyOptions): tf.Scalar {
  checkCritic(critic);
  assertFloatTensor('real', real, 2);
  assertFloatTensor('fake', fake);
  assertSameShape('fake', fake, 'real', real);
  if (generator == null || typeof (generator as UniformSource).uniform !== 'function') {
    throw new InvalidArgumentError('generator', generator, 'must have a uniform(shape, { low, high }) method (a @gen/core Generator)');
  }
  assertFiniteNumber('weight', weight, 0);
  assertFiniteNumber('target', target, 0);
  registerSecondOrderGradients();

  // 1. x̂ = ε·x + (1 − ε)·x̃ with ε ~ U[0, 1) per sample — Gulrajani et al. 2017, Algorithm 1.
  const epsilonShape = [real.shape[0], ...real.shape.slice(1).map(() => 1)];
  const epsilon = generator.uniform(epsilonShape, { low: 0, high: 1 });
  const interpolated = tf.add(tf.mul(epsilon, real), tf.mul(tf.sub(1, epsilon), fake));
  // 2. λ·E[(‖∇ₓ̂ D(x̂)‖₂ − target)²].
  const norm = tf.sqrt(tf.add(squaredNormPerSample(criticInputGradient(critic, interpolated)), NORM_EPSILON));
  return tf.mul(weight, tf.mean(tf.square(tf.sub(norm, target)))) as tf.Scalar;
}

/**
 * WGAN-GP gradient penalty λ·E[(‖∇D(x̂)‖₂ − 1)²] at random interpolates x̂ of real and
 * fake samples (Gulrajani et al. 2017). Add it to the critic loss; its gradient w.r.t.
 * the critic's weights is exact (second order, see ./second-order-gradients).
 */
export const gradientPenalty = tf.op({ gradientPenalty_ });

function r1Penalty_({ critic, real, gamma = 10 }: R1PenaltyOptions): tf.Scalar {
  checkCritic(critic);
  assertFloatTensor('real', real, 2);
  assertFiniteNumber('gamma', gamma, 0);
  registerSecondOrderGradients();
  // γ/2 · E[‖∇ₓ D(x)‖²] — Mescheder et al. 2018, eq. 9.
  return tf.mul(gamma / 2, tf.mean(squaredNormPerSample(criticInputGradient(critic, real)))) as tf.Scalar;
}

/**
 * R1 regulariser γ/2·E‖∇ₓD(x)‖² on real data (Mescheder et al. 2018). Add it to the
 * discriminator loss (StyleGAN2 applies it lazily, every k steps, scaled by k).
 */
export const r1Penalty = tf.op({ r1Penalty_ });
