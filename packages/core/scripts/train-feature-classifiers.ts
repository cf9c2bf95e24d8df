// Trains the shipped feature classifiers (FID / KID features at 28×28) on the wasm backend:
//   node scripts/run-ts.mjs packages/core/scripts/train-feature-classifiers.ts --dataset mnist|fashion [--steps N] [--batch-size N] [--seed N] [--out DIR]
// Trains on the TRAIN split, evaluates on the TEST split (docs/data.md), and writes
// packages/core/assets/feature-classifiers/<dataset>/{config.json, weights.bin, metrics.json}.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, metrics } from '@gen/core';
import { fileCheckpoint, loadDataset } from '@gen/core/node';

type Dataset = 'mnist' | 'fashion';

/** Per-dataset recipe: MNIST has 8,000 training images (many epochs), Fashion-MNIST 60,000. */
// Sized for ~15 minutes on a shared 2-core machine. Fashion sees each image about twice, so it
// gets only mirror flips; MNIST sees each image 12 times, so it gets ±2-pixel shifts, ±10° rotations and ±10% scaling.
const RECIPES: Record<Dataset, { steps: number; batchSize: number; augment: metrics.FeatureClassifierAugment; learningRate: number }> = {
  mnist: { steps: 3000, batchSize: 32, augment: { maxShift: 2, rotate: 10, scale: 0.1 }, learningRate: 2e-3 },
  fashion: { steps: 4000, batchSize: 32, augment: { maxShift: 0, horizontalFlip: true }, learningRate: 2e-3 },
};

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const [key, inline] = arg.slice(2).split('=', 2);
    out[key] = inline ?? argv[++i];
    if (out[key] === undefined) throw new Error(`--${key} needs a value`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataset = args.dataset as Dataset;
  if (dataset !== 'mnist' && dataset !== 'fashion') throw new Error(`--dataset (${JSON.stringify(args.dataset)}) must be mnist or fashion`);
  const recipe = RECIPES[dataset];
  const steps = args.steps ? Number(args.steps) : recipe.steps;
  const batchSize = args['batch-size'] ? Number(args['batch-size']) : recipe.batchSize;
  const seed = args.seed ? Number(args.seed) : 0;
  const here = path.dirname(fileURLToPath(import.meta.url));
  // run-ts bundles into packages/core/node_modules/.cache/<tmp>/: find packages/core from the cwd instead.
  const coreDir = [path.resolve('packages/core'), path.resolve('.'), path.resolve(here, '..')].find((dir) => {
    try {
      return statSync(path.join(dir, 'src/metrics/feature-classifier.ts')).isFile();
    } catch {
      return false;
    }
  });
  if (!coreDir) throw new Error('run from the repository root (packages/core not found)');
  const out = path.resolve(args.out ?? path.join(coreDir, 'assets', 'feature-classifiers', dataset));

  const backend = await initBackend({ prefer: 'wasm' });
  console.log(`backend: ${backend.name} (${backend.reason})`);
  const train = await loadDataset(dataset, { split: 'train' });
  const test = await loadDataset(dataset, { split: 'test' });
  console.log(`${dataset}: ${train.size} train / ${test.size} test images; ${steps} steps of ${batchSize}`);

  const started = Date.now();
  const { model, testAccuracy, summary } = await metrics.trainFeatureClassifier({
    dataset: train,
    testDataset: test,
    steps,
    batchSize,
    seed,
    augment: recipe.augment,
    learningRate: args.lr ? Number(args.lr) : recipe.learningRate,
    config: { dataset, ...(args.config ? JSON.parse(args.config) : {}) },
    logEvery: 50,
    checkpointDir: args.checkpoints,
    onProgress: ({ step, totalSteps, losses, stepsPerSecond, eta }) => {
      console.log(`step ${step}/${totalSteps} loss ${losses.loss.toFixed(4)} ${stepsPerSecond.toFixed(2)} steps/s eta ${Math.round(eta)} s`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  if (summary.stoppedBy !== 'done') throw new Error(`training stopped: ${summary.stoppedBy} ${summary.message ?? ''}`);
  console.log(`test accuracy ${(100 * (testAccuracy as number)).toFixed(2)}% after ${summary.steps} steps, ${seconds.toFixed(0)} s`);

  mkdirSync(path.dirname(out), { recursive: true });
  // A checkpoint save only replaces folders holding config.json and *.bin: metrics.json goes first.
  const metricsFile = path.join(out, 'metrics.json');
  rmSync(metricsFile, { force: true });
  const saved = await metrics.saveFeatureClassifier(fileCheckpoint(out), model, {
    testAccuracy: testAccuracy as number,
    steps: summary.steps,
    dataset,
  });
  const command = `node scripts/run-ts.mjs packages/core/scripts/train-feature-classifiers.ts ${process.argv.slice(2).join(' ')}`;
  const record = {
    dataset,
    testAccuracy,
    testImages: test.size,
    trainImages: train.size,
    steps: summary.steps,
    batchSize,
    seed,
    augment: recipe.augment,
    learningRate: args.lr ? Number(args.lr) : recipe.learningRate,
    config: model.config,
    seconds: Math.round(seconds),
    trainingSeconds: Math.round(summary.seconds),
    backend: tf.getBackend(),
    parameters: model.numParameters(),
    weightBytes: saved.weightBytes,
    command,
    date: new Date().toISOString(),
  };
  writeFileSync(`${metricsFile}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${metricsFile}.tmp`, metricsFile);
  console.log(JSON.stringify(record));
  model.dispose();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
