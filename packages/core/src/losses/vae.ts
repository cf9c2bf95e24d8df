import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { registerSecondOrderGradients } from './second-order-gradients';
import { assertBroadcastsTo, assertFloatTensor, assertReduction, assertSameShape, sumPerSample } from './validate';

// VAE objectives. Every function here returns nats, **summed over all axes but the first**
// (pixels and channels of an image, dimensions of a latent) and then reduced over the batch:
// `reduction` MEAN (default; SUM_BY_NONZERO_WEIGHTS is the same here) averages the
// per-sample sums, SUM adds them, NONE returns them as a `[N]` tensor (what IWAE bounds and
// importance-sampled NLLs need). The argument order follows tf.losses: targets first.

/** Options shared by the VAE losses. */
export interface VaeLossOptions {
  /** How to reduce the per-sample sums over the batch. Default `tf.Reduction.MEAN`. */
  reduction?: tf.Reduction;
}

/** Options of {@link discretizedLogisticNll}. */
export interface DiscretizedLogisticOptions extends VaeLossOptions {
  /** Bit depth of the data: 2^numBits bins spread evenly over [−1, 1]. Default 8 (256 bins). */
  numBits?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

function reduceOverBatch(values: tf.Tensor, reduction: tf.Reduction): tf.Tensor {
  const perSample = sumPerSample(values);
  if (reduction === tf.Reduction.NONE) return perSample;
  if (reduction === tf.Reduction.SUM) return tf.sum(perSample);
  return tf.mean(perSample);
}

function checkPairwise(targetsName: string, targets: unknown, valuesName: string, values: unknown): void {
  assertFloatTensor(valuesName, values, 1);
  assertFloatTensor(targetsName, targets, 1);
  assertSameShape(targetsName, targets as tf.Tensor, valuesName, values as tf.Tensor);
}

/** A number or a float32 tensor that broadcasts to `reference`. */
function asBroadcastTensor(argument: string, value: unknown, referenceName: string, reference: tf.Tensor): tf.Tensor {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(argument, value, 'must be a finite number or a float32 tf.Tensor');
    return tf.scalar(value);
  }
  assertFloatTensor(argument, value);
  assertBroadcastsTo(argument, value, referenceName, reference);
  return value;
}

// 1. Bernoulli — binary cross-entropy from logits: −[t·log σ(l) + (1 − t)·log(1 − σ(l))]
//    = softplus(l) − t·l, stable for every logit.

function bernoulliNll_(targets: tf.Tensor, logits: tf.Tensor, { reduction = tf.Reduction.MEAN }: VaeLossOptions = {}): tf.Tensor {
  checkPairwise('targets', targets, 'logits', logits);
  assertReduction(reduction);
  return reduceOverBatch(tf.sub(tf.softplus(logits), tf.mul(targets, logits)), reduction);
}

/**
 * −log p(targets | logits) under independent Bernoullis (binary cross-entropy with logits,
 * nats). `targets` in [0, 1] (soft targets such as grey levels are allowed).
 */
export const bernoulliNll = tf.op({ bernoulliNll_ });

// 2. Gaussian — −log N(x; μ, σ²) = ½[log 2π + log σ² + (x − μ)²/σ²].

function gaussianNll_(
  targets: tf.Tensor,
  mean: tf.Tensor,
  logVar: tf.Tensor | number = 0,
  { reduction = tf.Reduction.MEAN }: VaeLossOptions = {},
): tf.Tensor {
  checkPairwise('targets', targets, 'mean', mean);
  const $logVar = asBroadcastTensor('logVar', logVar, 'mean', mean);
  assertReduction(reduction);
  const squaredError = tf.squaredDifference(targets, mean);
  const nll = tf.mul(0.5, tf.add(tf.add(LOG_2PI, $logVar), tf.mul(squaredError, tf.exp(tf.neg($logVar)))));
  return reduceOverBatch(tf.broadcastTo(nll, mean.shape), reduction);
}

/**
 * −log N(targets; mean, exp(logVar)) in nats. `logVar` is a fixed number (default 0: unit
 * variance, i.e. ½‖x − μ‖² + const) or a learned float32 tensor broadcasting to `mean`.
 */
export const gaussianNll = tf.op({ gaussianNll_ });

// 3. Discretized logistic — Salimans et al. 2017 (PixelCNN++), §2.1; Kingma et al. 2016 (IAF).
//    Data x ∈ {−1, −1 + 2/(K−1), …, 1} (K = 2^numBits bins, x = 2k/(K−1) − 1). The bin of x
//    is [x − h, x + h], h = 1/(K−1), with the outer bins stretched to ±∞ so that the K
//    probabilities sum to 1:
//      P(x) = σ((x + h − μ)/s) − σ((x − h − μ)/s)     (interior bins)
//      P(−1) = σ((−1 + h − μ)/s),  P(1) = 1 − σ((1 − h − μ)/s).

function discretizedLogisticNll_(
  targets: tf.Tensor,
  mean: tf.Tensor,
  logScale: tf.Tensor | number,
  { numBits = 8, reduction = tf.Reduction.MEAN }: DiscretizedLogisticOptions = {},
): tf.Tensor {
  checkPairwise('targets', targets, 'mean', mean);
  const $logScale = asBroadcastTensor('logScale', logScale, 'mean', mean);
  if (!Number.isInteger(numBits) || numBits < 1 || numBits > 16) {
    throw new InvalidArgumentError('numBits', numBits, 'must be an integer from 1 to 16');
  }
  assertReduction(reduction);
  // The bin masks below compare tensors that depend on `mean`; tfjs 4.22 has no gradient
  // for Greater / Less at all (not even the zero one), so backprop would stop there.
  registerSecondOrderGradients();
  const halfBin = 1 / (2 ** numBits - 1);

  // 1. Standardised bin edges and centre.
  const centered = tf.sub(targets, mean);
  const inverseScale = tf.exp(tf.neg($logScale));
  const plusIn = tf.mul(inverseScale, tf.add(centered, halfBin));
  const minusIn = tf.mul(inverseScale, tf.sub(centered, halfBin));
  const midIn = tf.mul(inverseScale, centered);
  // 2. The three log-probabilities, each finite everywhere so where() has clean gradients.
  const logCdfPlus = tf.neg(tf.softplus(tf.neg(plusIn))); // log σ(plus): the lowest bin
  const logOneMinusCdfMinus = tf.neg(tf.softplus(minusIn)); // log(1 − σ(minus)): the highest bin
  const cdfDelta = tf.sub(tf.sigmoid(plusIn), tf.sigmoid(minusIn));
  // Interior bins: log of the CDF difference; when it underflows (a bin far in a tail),
  // the density at the centre times the bin width, as PixelCNN++ does.
  const logPdfMid = tf.sub(tf.sub(midIn, $logScale), tf.mul(2, tf.softplus(midIn)));
  const logInterior = tf.where(
    tf.greater(cdfDelta, 1e-5),
    tf.log(tf.maximum(cdfDelta, 1e-12)),
    tf.add(logPdfMid, Math.log(2 * halfBin)),
  );
  // 3. Pick the bin type by position (thresholds halfway between the edge bins and their neighbours).
  const logProb = tf.where(
    tf.less(targets, -1 + halfBin),
    logCdfPlus,
    tf.where(tf.greater(targets, 1 - halfBin), logOneMinusCdfMinus, logInterior),
  );
  return reduceOverBatch(tf.neg(logProb), reduction);
}

/**
 * −log P(targets) under a logistic(mean, exp(logScale)) discretized into 2^numBits bins
 * (default 8-bit), in nats. `targets` are the data scaled to [−1, 1]
 * (`x = 2·k/255 − 1` for 8-bit k); edge bins extend to ±∞ (PixelCNN++). Divide by
 * (number of subpixels · ln 2) for bits per dimension.
 */
export const discretizedLogisticNll = tf.op({ discretizedLogisticNll_ });

// 4. KL divergences between diagonal Gaussians (Kingma & Welling 2014, appendix B).

function klStandardNormal_(mean: tf.Tensor, logVar: tf.Tensor, { reduction = tf.Reduction.MEAN }: VaeLossOptions = {}): tf.Tensor {
  checkPairwise('logVar', logVar, 'mean', mean);
  assertReduction(reduction);
  // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − 1 − log σ²).
  const kl = tf.mul(0.5, tf.sub(tf.add(tf.square(mean), tf.exp(logVar)), tf.add(1, logVar)));
  return reduceOverBatch(kl, reduction);
}

/** KL(N(mean, exp(logVar)) ‖ N(0, I)) in nats, summed over latent dims. */
export const klStandardNormal = tf.op({ klStandardNormal_ });

function klNormal_(
  mean1: tf.Tensor,
  logVar1: tf.Tensor,
  mean2: tf.Tensor,
  logVar2: tf.Tensor,
  { reduction = tf.Reduction.MEAN }: VaeLossOptions = {},
): tf.Tensor {
  checkPairwise('logVar1', logVar1, 'mean1', mean1);
  checkPairwise('mean2', mean2, 'mean1', mean1);
  checkPairwise('logVar2', logVar2, 'mean1', mean1);
  assertReduction(reduction);
  // KL(N₁ ‖ N₂) = ½ Σ [log σ₂² − log σ₁² + (σ₁² + (μ₁ − μ₂)²)/σ₂² − 1].
  const ratio = tf.mul(tf.add(tf.exp(logVar1), tf.squaredDifference(mean1, mean2)), tf.exp(tf.neg(logVar2)));
  const kl = tf.mul(0.5, tf.sub(tf.add(tf.sub(logVar2, logVar1), ratio), 1));
  return reduceOverBatch(kl, reduction);
}

/** KL(N(mean1, exp(logVar1)) ‖ N(mean2, exp(logVar2))) in nats, summed over latent dims. */
export const klNormal = tf.op({ klNormal_ });
