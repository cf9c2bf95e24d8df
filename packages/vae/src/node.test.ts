// @gen/vae/node: every shipped VQ-VAE loads, tokenizes real test images of its dataset and
// decodes them back about as well as its model card says; nothing leaks.
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '@gen/core/node';
import { PRETRAINED_VQ_VAES, loadPretrainedVqVae, pretrainedVaeCard } from './node';

describe('@gen/vae/node shipped VQ-VAEs', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(PRETRAINED_VQ_VAES.map((name) => [name]))('%s: 7×7 tokens in [0, 256) that decode back to within 2× the card’s reconstruction error', async (name) => {
    const card = pretrainedVaeCard(name);
    const dataset = name.replace(/-vq$/, '') as 'mnist' | 'fashion';
    expect(card.command).toMatch(new RegExp(`^gen train vae --model vq-vae --dataset ${dataset} `));
    const cardMse = (card.metrics as { reconstruction: { mse: number } }).reconstruction.mse;
    const test = await loadDataset(dataset, { split: 'test' });
    const n = 64;
    const before = tf.memory().numTensors;
    const vq = await loadPretrainedVqVae(name);
    const mse = tf.tidy(() => {
      const images = tf.tensor4d(test.images.subarray(0, n * 28 * 28), [n, 28, 28, 1]);
      const tokens = vq.encodeToTokens(images);
      expect(tokens.shape).toEqual([n, 7, 7]);
      expect(tokens.dtype).toBe('int32');
      expect(tf.min(tokens).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.max(tokens).dataSync()[0]).toBeLessThan(256);
      return tf.mean(tf.squaredDifference(images, vq.decodeTokens(tokens))).dataSync()[0];
    });
    expect(mse).toBeGreaterThan(0);
    expect(mse).toBeLessThan(2 * cardMse);
    vq.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
