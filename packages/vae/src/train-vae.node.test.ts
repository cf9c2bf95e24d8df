// Node-only: a short wasm training run of the default MNIST conv VAE on real digits.
import * as tf from '@tensorflow/tfjs-core';
import { binarize, Generator, subset } from '@gen/core';
import { loadMnist } from '@gen/core/node';
import { elboTerms, trainVae, VAE } from '@gen/vae';

async function heldOutNegativeElbo(model: VAE, images: tf.Tensor): Promise<number> {
  const terms = elboTerms(model, images, { generator: new Generator(9) });
  const value = -(await tf.mean(terms.elbo).data())[0];
  tf.dispose([terms.elbo, terms.kl, terms.logLikelihood]);
  return value;
}

describe('trainVae on binarized MNIST (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('lowers the held-out negative ELBO measurably within a few seconds of training', async () => {
    const train = subset(await loadMnist({ split: 'train' }), Array.from({ length: 1024 }, (_, i) => i));
    const test = subset(await loadMnist({ split: 'test' }), Array.from({ length: 200 }, (_, i) => i));
    const images = tf.tidy(() => binarize(tf.tensor4d(test.images, [200, 28, 28, 1]), { mode: 'dynamic', generator: new Generator(1) }));
    const model = new VAE({ generator: new Generator(0) });
    const before = await heldOutNegativeElbo(model, images);
    const started = performance.now();
    const { optimizer, summary } = await trainVae({ model, dataset: train, steps: 12, batchSize: 64, lr: 2e-3 });
    const seconds = (performance.now() - started) / 1000;
    const after = await heldOutNegativeElbo(model, images);
    // Untrained: ≈ 544 nats (784·log 2); 12 steps already learn the mean digit and more.
    expect(summary.stoppedBy).toBe('done');
    expect(before).toBeGreaterThan(500);
    expect(after).toBeLessThan(before - 150);
    expect(seconds).toBeLessThan(60);
    console.log(`MNIST VAE: −ELBO ${before.toFixed(1)} → ${after.toFixed(1)} nats after 12 steps of batch 64 in ${seconds.toFixed(1)} s (wasm)`);
    optimizer.dispose();
    model.dispose();
    images.dispose();
  });
});
