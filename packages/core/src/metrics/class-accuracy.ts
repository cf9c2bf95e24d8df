import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** Labels: a rank-1 tensor or an array of integers. */
export type LabelInput = tf.Tensor1D | Int32Array | readonly number[];

/**
 * Fraction of samples whose predicted class equals the target: the class accuracy of
 * conditional samples under a classifier. `predictions` are logits / probabilities
 * [samples, classes] (the arg-max is taken on the device) or predicted labels [samples].
 */
export async function classAccuracy(predictions: tf.Tensor2D | LabelInput, targets: LabelInput): Promise<number> {
  let predicted: ArrayLike<number>;
  if (predictions instanceof tf.Tensor && predictions.rank === 2) {
    const labels = tf.tidy(() => tf.argMax(predictions, 1));
    predicted = await labels.data();
    labels.dispose();
  } else {
    predicted = await readLabels(predictions as LabelInput, 'predictions');
  }
  const expected = await readLabels(targets, 'targets');
  if (expected.length !== predicted.length) {
    throw new InvalidArgumentError('targets length', expected.length, `must equal the number of predictions (${predicted.length})`);
  }
  if (expected.length === 0) throw new InvalidArgumentError('targets length', 0, 'must be at least 1');
  let correct = 0;
  for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) correct += 1;
  return correct / expected.length;
}

async function readLabels(labels: LabelInput, argument: string): Promise<ArrayLike<number>> {
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) {
      throw new InvalidArgumentError(argument, labels, argument === 'predictions' ? 'must be logits [samples, classes] or labels [samples]' : 'must be labels [samples]');
    }
    return labels.data();
  }
  if (labels == null || typeof labels.length !== 'number') {
    throw new InvalidArgumentError(argument, labels, 'must be a Tensor1D or an array of integer labels');
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i])) throw new InvalidArgumentError(`${argument}[${i}]`, labels[i], 'must be an integer label');
  }
  return labels;
}
