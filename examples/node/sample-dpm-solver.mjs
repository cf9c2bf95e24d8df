// Sample a diffusion model with DPM-Solver++ (2M): 20 model evaluations instead of 1000.
// Loads a checkpoint from `gen train diffusion` (--checkpoint <run dir or checkpoint folder>),
// or trains a tiny UNet here first when none is given.
//   node examples/node/sample-dpm-solver.mjs [--quick] [--checkpoint runs/diffusion] [--steps 20]
import * as tf from '@tensorflow/tfjs-core';
import { Generator, makeGrid } from '@gen/core';
import { DPMSolverMultistepScheduler, loadDiffusion, trainDiffusion, unconditionalPipeline } from '@gen/diffusion';
import { mnistSlice, savePng, setup } from './lib/setup.mjs';

const args = await setup('dpm-solver', { checkpoint: { type: 'string' }, steps: { type: 'string' } });
const numInferenceSteps = Number(args.steps ?? (args.quick ? 5 : 20));

let model, schedulerConfig, dispose;
if (args.checkpoint) {
  ({ model, schedulerConfig, dispose } = await loadDiffusion(args.checkpoint)); // EMA weights when saved
} else {
  const dataset = await mnistSlice(args.quick ? 64 : undefined);
  const trained = await trainDiffusion({
    dataset,
    // A small UNet (28 → 14); the default config is larger (docs/models/unet.md).
    config: args.quick
      ? { height: 28, width: 28, inChannels: 1, blockOutChannels: [8, 16], layersPerBlock: 1, attentionLevels: [false, false], midBlockAttention: false, normNumGroups: 4, timeEmbeddingDim: 16 }
      : { height: 28, width: 28, inChannels: 1 },
    steps: args.quick ? 2 : 5000,
    batchSize: args.quick ? 8 : 64,
    seed: args.seed,
    logEvery: args.quick ? 1 : 500,
    onProgress: ({ step, losses }) => console.log(`step ${step}: loss ${losses.loss.toFixed(4)}`),
  });
  trained.ema?.copyTo(Object.fromEntries(trained.model.namedParameters())); // sample with the EMA weights
  ({ model, schedulerConfig, dispose } = trained);
}

// Same forward process as training, solved with DPM-Solver++ (order 2, the default algorithm).
const scheduler = DPMSolverMultistepScheduler.fromConfig({ ...schedulerConfig, algorithmType: 'dpmsolver++', solverOrder: 2 });
const { images, stepsCompleted } = await unconditionalPipeline({
  model,
  scheduler,
  numInferenceSteps,
  batchSize: args.quick ? 4 : 16,
  generator: new Generator(args.seed + 1),
  callback: ({ step, totalSteps }) => console.log(`DPM-Solver++ step ${step + 1}/${totalSteps}`),
});
const grid = makeGrid(images, { columns: 4 });
await savePng(args.out, 'samples.png', grid);
const [min, max] = tf.tidy(() => [tf.min(images).dataSync()[0], tf.max(images).dataSync()[0]]);
console.log(JSON.stringify({ example: 'sample-dpm-solver', stepsCompleted, imagesShape: images.shape, min, max }));
tf.dispose([images, grid]);
dispose();
