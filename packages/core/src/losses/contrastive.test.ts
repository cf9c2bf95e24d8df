import * as tf from '@tensorflow/tfjs-core';
import { losses } from '@gen/core';
import { backendTolerance, countLeakedTensors, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

const images = [[1, 0.5, -0.2], [0.1, -1, 0.4], [-0.6, 0.3, 0.9]];
const texts = [[0.8, 0.7, 0], [0.2, -0.9, 0.1], [-0.3, -0.2, 1.2]];

function normalize(row: number[]): number[] {
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
}

/** Hand-written CLIP loss: logits_ij = s·⟨û_i, v̂_j⟩, soft targets per row, both directions. */
function referenceInfoNce(scale: number, targetsOf: (i: number, j: number) => number): number[] {
  const u = images.map(normalize);
  const v = texts.map(normalize);
  const logits = u.map((ui) => v.map((vj) => scale * ui.reduce((s, x, k) => s + x * vj[k], 0)));
  const crossEntropy = (row: number[], i: number) => {
    const top = Math.max(...row);
    const logSum = top + Math.log(row.reduce((s, l) => s + Math.exp(l - top), 0));
    return row.reduce((s, l, j) => s - targetsOf(i, j) * (l - logSum), 0);
  };
  return logits.map((row, i) => 0.5 * (crossEntropy(row, i) + crossEntropy(logits.map((r) => r[i]), i)));
}

describeWithBackends('losses: symmetric InfoNCE (CLIP)', () => {
  it('equals a hand-written cross-entropy in both directions', async () => {
    const perPair = referenceInfoNce(10, (i, j) => (i === j ? 1 : 0));
    const loss = losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), 10, { reduction: tf.Reduction.NONE });
    await expectTensorsClose(loss, perPair, { atol: 10 * backendTolerance(), rtol: 1e-4 });
    const mean = losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), tf.scalar(10));
    await expectTensorsClose(mean, [perPair.reduce((a, b) => a + b, 0) / 3], { atol: 10 * backendTolerance(), rtol: 1e-4 });
  });

  it('labels: distinct labels give CLIP’s loss; shared labels average over positives', async () => {
    const plain = losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), 5);
    const distinct = losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), 5, { labels: tf.tensor1d([7, 3, 9], 'int32') });
    await expectTensorsClose(distinct, plain, { atol: 1e-5 });
    const labels = [0, 1, 0];
    const shared = losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), 5, { labels: tf.tensor1d(labels, 'int32'), reduction: tf.Reduction.NONE });
    const positives = (i: number) => labels.filter((l) => l === labels[i]).length;
    const expected = referenceInfoNce(5, (i, j) => (labels[i] === labels[j] ? 1 / positives(i) : 0));
    await expectTensorsClose(shared, expected, { atol: 10 * backendTolerance(), rtol: 1e-4 });
  });

  it('gradient w.r.t. a trainable logit scale matches finite differences', async () => {
    const loss = (scale: number) => referenceInfoNce(scale, (i, j) => (i === j ? 1 : 0)).reduce((a, b) => a + b, 0) / 3;
    const expected = (loss(8 + 1e-6) - loss(8 - 1e-6)) / 2e-6;
    const gradient = tf.grad((s: tf.Tensor) => losses.infoNce(tf.tensor2d(images), tf.tensor2d(texts), s))(tf.scalar(8));
    await expectTensorsClose(gradient, [expected], { atol: 10 * backendTolerance(), rtol: 1e-3 });
  });

  it('leaves no tensors behind', async () => {
    const a = tf.tensor2d(images);
    const b = tf.tensor2d(texts);
    const labels = tf.tensor1d([0, 0, 1], 'int32');
    const leaked = await countLeakedTensors(() => {
      tf.dispose([losses.infoNce(a, b, 10), losses.infoNce(a, b, 10, { labels })]);
    });
    expect(leaked).toBe(0);
  });

  it('names the argument, the value and what is allowed', () => {
    const a = tf.zeros([3, 4]);
    expect(() => losses.infoNce(a, tf.zeros([2, 4]), 1)).toThrow('textEmbeds (Tensor<float32>[2, 4]) must have the shape of imageEmbeds [3, 4]');
    expect(() => losses.infoNce(tf.zeros([3]), tf.zeros([3]), 1)).toThrow('imageEmbeds (Tensor<float32>[3]) must have shape [N, D]');
    expect(() => losses.infoNce(a, a, -1)).toThrow('logitScale (-1) must be a positive number or a float32 scalar tensor');
    expect(() => losses.infoNce(a, a, 1, { labels: tf.zeros([3]) })).toThrow('labels (Tensor<float32>[3]) must be an int32 tf.Tensor of shape [3]');
  });
});
