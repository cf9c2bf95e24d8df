// Training objectives and bounds of a VariationalModel, all in nats per sample:
// - the ELBO  log p(x) ≥ E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))   (Kingma & Welling 2014, eq. 3),
//   one reparameterised draw and the closed-form KL; β weights the KL (Higgins et al. 2017);
// - the IWAE bound  log p(x) ≥ E[log (1/k) Σ_s p(x, z_s) / q(z_s|x)]   (Burda et al. 2016, eq. 8),
//   which equals the ELBO for k = 1, grows with k and tends to log p(x).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { standardNormalLogProb, type DiagonalGaussian } from './diagonal-gaussian';
import type { VariationalModel } from './types';
import { checkNonNegativeNumber } from './validate';

/** Options shared by the objectives. */
export interface ObjectiveOptions {
  /** Source of the reparameterisation noise. */
  generator: Generator;
  /** int32 `[batch]` labels for a conditional model. */
  labels?: tf.Tensor;
}

/** Per-sample terms of the one-draw ELBO, each `[batch]` in nats. */
export interface ElboTerms {
  /** log p(x|z) − KL: the evidence lower bound (β = 1). */
  elbo: tf.Tensor1D;
  /** log p(x|z) at one reparameterised draw z ~ q(z|x). */
  logLikelihood: tf.Tensor1D;
  /** KL(q(z|x) ‖ N(0, I)) in closed form. */
  kl: tf.Tensor1D;
}

/** Scalars of one training step (batch means, nats per image). The caller disposes them. */
export interface VaeLoss {
  /** What to minimise: −(ELBO with the KL weighted by β), or −IWAE bound. */
  loss: tf.Scalar;
  /** −log p(x|z), the reconstruction term ('elbo' only). */
  reconstruction?: tf.Scalar;
  /** KL(q ‖ p) ('elbo' only). */
  kl?: tf.Scalar;
  /** The bound itself (β = 1): ELBO for 'elbo', IWAE_k for 'iwae'. */
  bound: tf.Scalar;
}

export type Objective = 'elbo' | 'iwae';

/** Throws unless k is a positive integer. */
export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
    throw new InvalidArgumentError('k', k, 'must be an integer ≥ 1 (importance samples per image)');
  }
  return k;
}

/** The one-draw ELBO terms of `images` (see {@link ElboTerms}). */
export function elboTerms(model: VariationalModel, images: tf.Tensor, options: ObjectiveOptions): ElboTerms {
  const { generator, labels } = options ?? ({} as ObjectiveOptions);
  return tf.tidy(() => {
    const { latentDist } = model.encode(images, { labels });
    const z = latentDist.sample({ generator });
    const { params } = model.decode(z, { labels });
    const logLikelihood = model.logLikelihood(images, params);
    const kl = latentDist.kl();
    return { elbo: tf.sub(logLikelihood, kl) as tf.Tensor1D, logLikelihood, kl };
  });
}

/**
 * log importance weights log w_s = log p(x|z_s) + log p(z_s) − log q(z_s|x) for `k` draws
 * z_s ~ q(z|x) per image: `[k, batch]`. Pass `latentDist` to reuse an encoding (it is not
 * disposed); otherwise the images are encoded here. Differentiable (reparameterised draws).
 */
export function logImportanceWeights(
  model: VariationalModel,
  images: tf.Tensor,
  options: ObjectiveOptions & { k: number; latentDist?: DiagonalGaussian },
): tf.Tensor2D {
  const { generator, labels, latentDist: given } = options;
  const k = checkK(options.k);
  return tf.tidy(() => {
    const latentDist = given ?? model.encode(images, { labels }).latentDist;
    const batch = images.shape[0];
    const latentRank = model.latentShape.length;
    const z = latentDist.sample({ generator, numSamples: k }); // [k, B, ...latent]
    const flatZ = tf.reshape(z, [k * batch, ...model.latentShape]);
    const tile = (t: tf.Tensor) => (k === 1 ? t : tf.tile(t, [k, ...new Array(t.rank - 1).fill(1)]));
    const { params } = model.decode(flatZ, { labels: labels ? tile(labels) : undefined });
    const logLikelihood = tf.reshape(model.logLikelihood(tile(images), params), [k, batch]);
    const logPrior = standardNormalLogProb(z, latentRank);
    const logPosterior = latentDist.logProb(z);
    return tf.sub(tf.add(logLikelihood, logPrior), logPosterior) as tf.Tensor2D;
  });
}

/** The k-sample IWAE bound per image, `[batch]`: logsumexp_s(log w_s) − log k. k = 1 is a one-draw ELBO. */
export function iwaeBound(model: VariationalModel, images: tf.Tensor, options: ObjectiveOptions & { k: number }): tf.Tensor1D {
  const k = checkK(options?.k);
  return tf.tidy(() => tf.sub(tf.logSumExp(logImportanceWeights(model, images, { ...options, k }), 0), Math.log(k))) as tf.Tensor1D;
}

/**
 * The training loss of one batch: `'elbo'` → mean of −log p(x|z) + β·KL; `'iwae'` → mean of
 * −IWAE_k (β does not apply: the bound is only valid with the KL-free weights).
 */
export function vaeLoss(
  model: VariationalModel,
  images: tf.Tensor,
  options: ObjectiveOptions & { objective?: Objective; k?: number; beta?: number },
): VaeLoss {
  const { objective = 'elbo', k = 1, beta = 1 } = options;
  checkNonNegativeNumber('beta', beta);
  if (objective !== 'elbo' && objective !== 'iwae') throw new InvalidArgumentError('objective', objective, "must be 'elbo' or 'iwae'");
  checkK(k);
  return tf.tidy(() => {
    if (objective === 'iwae') {
      const bound = tf.mean(iwaeBound(model, images, { ...options, k })) as tf.Scalar;
      return { loss: tf.neg(bound) as tf.Scalar, bound };
    }
    const terms = elboTerms(model, images, options);
    const reconstruction = tf.neg(tf.mean(terms.logLikelihood)) as tf.Scalar;
    const kl = tf.mean(terms.kl) as tf.Scalar;
    const loss = (beta === 1 ? tf.add(reconstruction, kl) : tf.add(reconstruction, tf.mul(kl, beta))) as tf.Scalar;
    return { loss, reconstruction, kl, bound: tf.neg(tf.add(reconstruction, kl)) as tf.Scalar };
  });
}
