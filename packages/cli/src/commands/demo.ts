import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { backendOption, outOption, seedOption } from '../common-options';
import type { CommandContext, CommandSpec } from '../registry';
import { setupBackend } from '../setup-backend';

/** How many digits the grid shows (8 × 8). */
export const DEMO_IMAGES = 64;
export const DEMO_COLUMNS = 8;
export const DEMO_PADDING = 2;

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run the data path end to end: load MNIST and write a grid of 64 real digits',
  description: [
    'Until a model family ships weights, the demo exercises the real data path: it reports the',
    'backend, loads the MNIST test split, picks 64 digits with --seed, writes an 8×8 grid to',
    '<out>/grid.png and prints its absolute path.',
  ].join('\n'),
  options: {
    out: outOption('./gen-demo'),
    backend: backendOption(),
    seed: seedOption(),
  },
  examples: ['gen demo', 'gen demo --out /tmp/demo --backend wasm --seed 7'],
  run: runDemo,
};

async function runDemo({ options, io, verbose }: CommandContext): Promise<number> {
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  const dataset = await coreNode.loadDataset('mnist', { split: 'test' });
  const { height, width, channels, size } = dataset;
  io.stdout.write(`data: mnist test split, ${size} images of ${height}×${width}×${channels}\n`);

  // 64 distinct digits chosen by --seed: the first 64 of a seeded permutation.
  const count = Math.min(DEMO_IMAGES, size);
  const order = new core.Generator(options.seed as number).fork('gen-demo').permutation(size);
  const pixels = height * width * channels;
  const picked = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) picked.set(dataset.images.subarray(order[i] * pixels, (order[i] + 1) * pixels), i * pixels);

  const grid = tf.tidy(() =>
    core.makeGrid(tf.tensor4d(picked, [count, height, width, channels]), { columns: DEMO_COLUMNS, padding: DEMO_PADDING }),
  );
  const outDir = resolve(options.out as string);
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, 'grid.png');
  try {
    await coreNode.writePng(path, grid);
  } finally {
    grid.dispose();
  }
  const labels = Array.from({ length: count }, (_, i) => dataset.labels[order[i]]);
  io.stdout.write(`digits: ${labels.join('')}\n`);
  io.stdout.write(`${path}\n`);
  return 0;
}
