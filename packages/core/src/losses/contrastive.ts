import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { assertFloatTensor, assertReduction } from './validate';

/** Options of {@link infoNce}. */
export interface InfoNceOptions {
  /**
   * Group id of each pair, int32 `[N]`. Pairs with equal ids count as positives of each
   * other (several captions of one image, class-name prompts), and each row's target is
   * uniform over its positives (UniCL, Yang et al. 2022). Default: every pair is its own
   * group, which is CLIP's loss.
   */
  labels?: tf.Tensor;
  /** L2-normalise the embeddings first (CLIP does). Default true. */
  normalize?: boolean;
  /** How to reduce the `[N]` per-pair losses. Default `tf.Reduction.MEAN`. */
  reduction?: tf.Reduction;
}

// Keeps x/‖x‖ finite for an all-zero embedding.
const NORMALIZE_EPSILON = 1e-12;

function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), NORMALIZE_EPSILON)));
}

/** −Σ_j targets_ij · log softmax(logits)_ij, per row. */
function softCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
}

function infoNce_(
  imageEmbeds: tf.Tensor,
  textEmbeds: tf.Tensor,
  logitScale: tf.Tensor | number,
  { labels, normalize = true, reduction = tf.Reduction.MEAN }: InfoNceOptions = {},
): tf.Tensor {
  assertFloatTensor('imageEmbeds', imageEmbeds);
  assertFloatTensor('textEmbeds', textEmbeds);
  if (imageEmbeds.rank !== 2) throw new InvalidArgumentError('imageEmbeds', imageEmbeds, 'must have shape [N, D]');
  if (!tf.util.arraysEqual(textEmbeds.shape, imageEmbeds.shape)) {
    throw new InvalidArgumentError('textEmbeds', textEmbeds, `must have the shape of imageEmbeds [${imageEmbeds.shape.join(', ')}]`);
  }
  if (typeof logitScale === 'number') {
    if (!Number.isFinite(logitScale) || logitScale <= 0) {
      throw new InvalidArgumentError('logitScale', logitScale, 'must be a positive number or a float32 scalar tensor');
    }
  } else {
    assertFloatTensor('logitScale', logitScale);
    if (logitScale.size !== 1) throw new InvalidArgumentError('logitScale', logitScale, 'must be a scalar');
  }
  const batch = imageEmbeds.shape[0];
  if (labels != null) {
    if (!(labels instanceof tf.Tensor) || labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== batch) {
      throw new InvalidArgumentError('labels', labels, `must be an int32 tf.Tensor of shape [${batch}]`);
    }
  }
  assertReduction(reduction);

  // 1. Cosine similarities scaled by the temperature: logits_ij = s·⟨u_i, v_j⟩ — Radford et al. 2021, Fig. 3.
  const images = normalize ? l2Normalize(imageEmbeds) : imageEmbeds;
  const texts = normalize ? l2Normalize(textEmbeds) : textEmbeds;
  const logitsPerImage = tf.mul(tf.reshape(logitScale, []), tf.matMul(images, texts, false, true));
  const logitsPerText = tf.transpose(logitsPerImage);
  // 2. Targets: the matching pair (identity), or uniform over pairs sharing a label.
  let targets: tf.Tensor;
  if (labels == null) {
    targets = tf.eye(batch);
  } else {
    const same = tf.cast(tf.equal(tf.reshape(labels, [batch, 1]), tf.reshape(labels, [1, batch])), 'float32');
    targets = tf.div(same, tf.sum(same, -1, true));
  }
  // 3. Symmetric cross-entropy: image → text rows and text → image rows, averaged.
  //    (The positive relation is symmetric, so the same targets serve both directions.)
  const perPair = tf.mul(0.5, tf.add(softCrossEntropy(logitsPerImage, targets), softCrossEntropy(logitsPerText, targets)));
  if (reduction === tf.Reduction.NONE) return perPair;
  if (reduction === tf.Reduction.SUM) return tf.sum(perPair);
  return tf.mean(perPair);
}

/**
 * Symmetric InfoNCE of CLIP (Radford et al. 2021): with logits = s·norm(I)·norm(T)ᵀ,
 * ½[CE(logits, y) + CE(logitsᵀ, y)] per pair, averaged over the batch. `logitScale` is the
 * multiplier s itself (CLIP learns t and passes s = exp(t), clipped at 100), a number or
 * a float32 scalar tensor (trainable). Per-pair loss i is ½ of the image-i row's CE plus
 * ½ of the text-i row's CE.
 */
export const infoNce = tf.op({ infoNce_ });
