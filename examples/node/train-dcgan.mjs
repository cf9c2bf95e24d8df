// Train a DCGAN on MNIST and write a grid of samples from its EMA generator.
//   node examples/node/train-dcgan.mjs [--quick] [--steps 2000] [--out gen-out/dcgan]
import * as tf from '@tensorflow/tfjs-core';
import { Generator, makeGrid } from '@gen/core';
import { ganConfig, generate, loadGan, saveGan, trainGan } from '@gen/gan';
import { mnistSlice, savePng, setup } from './lib/setup.mjs';

const args = await setup('dcgan', { steps: { type: 'string' } });
const steps = Number(args.steps ?? (args.quick ? 4 : 2000));
const dataset = await mnistSlice(args.quick ? 256 : undefined);

// The quick run uses narrow networks; the default widths for 28×28 are [128, 64, 32].
const config = ganConfig({
  architecture: 'dcgan',
  height: 28,
  width: 28,
  channels: 1,
  ...(args.quick ? { latentDim: 16, generatorWidths: [16, 8, 8], discriminatorWidths: [8, 16] } : {}),
});
const run = await trainGan({
  dataset,
  config,
  loss: 'non-saturating',
  steps,
  batchSize: args.quick ? 16 : 64,
  seed: args.seed,
  logEvery: Math.max(1, Math.floor(steps / 10)),
  onProgress: ({ step, losses }) => console.log(`step ${step}: D ${losses.discriminator.toFixed(3)}  G ${losses.generator.toFixed(3)}`),
});

// Save the generator with its EMA weights baked in (what sampling should use), load it back, sample.
await saveGan(`${args.out}/model`, { generator: run.generator, ema: run.trainer.ema });
const summary = run.summary;
run.dispose();
const loaded = await loadGan(`${args.out}/model`);
const images = generate({ generator: loaded.generator, n: 16, rng: new Generator(args.seed + 1) }); // [16, 28, 28, 1] in [0, 1]
const grid = makeGrid(images, { columns: 4 });
await savePng(args.out, 'samples.png', grid);
console.log(JSON.stringify({ example: 'train-dcgan', steps: summary.steps, stoppedBy: summary.stoppedBy, imagesShape: images.shape }));
tf.dispose([images, grid]);
loaded.dispose();
