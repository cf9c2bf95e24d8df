// Train a VAE on MNIST, then walk its latent space: slerp between the codes of test digits,
// one strip per pair, decoded to images.
//   node examples/node/vae-interpolation.mjs [--quick] [--steps 5000] [--out gen-out/vae]
import * as tf from '@tensorflow/tfjs-core';
import { makeGrid } from '@gen/core';
import { interpolate, trainVae } from '@gen/vae';
import { imagesOf, mnistSlice, savePng, setup } from './lib/setup.mjs';

const args = await setup('vae', { steps: { type: 'string' } });
const steps = Number(args.steps ?? (args.quick ? 4 : 5000));
const train = await mnistSlice(args.quick ? 256 : undefined);

const { model, optimizer, summary } = await trainVae({
  config: args.quick ? { kind: 'vae', latentDim: 8, widths: [8, 16], hiddenDim: 32 } : { kind: 'vae', latentDim: 32 },
  dataset: train,
  steps,
  batchSize: args.quick ? 32 : 128,
  seed: args.seed,
  logEvery: Math.max(1, Math.floor(steps / 10)),
  onProgress: ({ step, losses }) => console.log(`step ${step}: ${Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('  ')}`),
});

// Four strips of eight frames, each from one test digit to another (posterior means, slerp).
const test = await mnistSlice(8, { split: 'test' });
const digits = imagesOf(tf, test);
const [from, to] = tf.split(digits, 2);
const frames = await interpolate({ model, from, to, steps: 8, method: 'slerp' }); // [4·8, 28, 28, 1]
const grid = makeGrid(frames, { columns: 8 });
await savePng(args.out, 'interpolation.png', grid);
console.log(JSON.stringify({ example: 'vae-interpolation', steps: summary.steps, stoppedBy: summary.stoppedBy, framesShape: frames.shape }));
tf.dispose([digits, from, to, frames, grid]);
model.dispose();
optimizer.dispose();
