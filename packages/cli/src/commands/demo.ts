import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { DPMSolverMultistepScheduler, classConditionalPipeline, loadDiffusion, unconditionalPipeline } from '@gen/diffusion';
import { pretrainedDiffusionDir } from '@gen/diffusion/node';
import { generate, loadGan } from '@gen/gan';
import { pretrainedGanDir } from '@gen/gan/node';
import { backendOption, outOption, seedOption } from '../common-options';
import { choiceOption, nonEmptyOption } from '../options';
import type { CommandContext, CommandSpec } from '../registry';
import { setupBackend } from '../setup-backend';
import { UsageError } from '../usage-error';

/** How many images the grid shows (8 × 8 real digits; 4 rows of the 10 classes for models). */
export const DEMO_IMAGES = 64;
export const DEMO_COLUMNS = 8;
export const DEMO_PADDING = 2;
/** Rows of a model's grid: each row is one image per class. */
export const DEMO_MODEL_ROWS = 4;
/** The sampler of the diffusion demo: DPM-Solver++ (2M), 20 steps, guidance 3. */
export const DEMO_DIFFUSION = { steps: 20, guidanceScale: 3 } as const;

const MODELS = ['auto', 'diffusion', 'gan', 'data'] as const;
export type DemoModel = (typeof MODELS)[number];

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Generate digits with the shipped diffusion model (or GAN), or show real ones',
  description: [
    'Generates a grid with a model this install ships: the MNIST diffusion model (DPM-Solver++,',
    '20 steps, guidance 3), else the MNIST GAN; one image per class in each row. --model data (or',
    'an install without shipped weights) writes 64 real MNIST test digits instead. --checkpoint',
    'runs the same demo on any diffusion or GAN checkpoint folder. Writes <out>/grid.png and',
    'prints its absolute path.',
  ].join('\n'),
  options: {
    model: { type: 'string', valueName: 'name', description: 'auto (diffusion, else gan, else data), diffusion, gan or data', default: 'auto', parse: choiceOption(MODELS) },
    checkpoint: { type: 'string', valueName: 'dir', description: 'a diffusion or GAN checkpoint folder instead of the shipped model', defaultLabel: 'shipped', parse: nonEmptyOption },
    out: outOption('./gen-demo'),
    backend: backendOption(),
    seed: seedOption(),
  },
  examples: ['gen demo', 'gen demo --model gan --out /tmp/demo --seed 7', 'gen demo --model data --backend wasm'],
  run: runDemo,
};

/** The folder of a shipped checkpoint, or null when this install has none of that name. */
function shipped(dir: () => string): string | null {
  try {
    const location = dir();
    return existsSync(join(location, 'config.json')) ? location : null;
  } catch {
    return null;
  }
}

/** The `family` a checkpoint folder's config.json records. */
function familyOf(location: string): string | null {
  try {
    const json = JSON.parse(readFileSync(join(location, 'config.json'), 'utf8')) as { userDefinedMetadata?: { genCheckpoint?: { config?: { family?: unknown } } } };
    const family = json.userDefinedMetadata?.genCheckpoint?.config?.family;
    return typeof family === 'string' ? family : null;
  } catch {
    return null;
  }
}

/** Where the shipped MNIST models of this install are (each may throw or point at nothing). */
export interface ShippedModels {
  diffusion(): string;
  gan(): string;
}

const SHIPPED: ShippedModels = { diffusion: () => pretrainedDiffusionDir('mnist'), gan: () => pretrainedGanDir('mnist') };

/** Which model the demo runs and from where (null location: the data path). */
export function chooseSource(
  model: DemoModel,
  checkpoint: string | undefined,
  models: ShippedModels = SHIPPED,
): { kind: 'diffusion' | 'gan' | 'data'; location: string | null; note?: string } {
  if (checkpoint !== undefined) {
    if (model === 'data') throw new UsageError('--checkpoint', checkpoint, 'cannot be combined with --model data');
    const location = resolve(checkpoint);
    const family = familyOf(location);
    if (family !== 'diffusion' && family !== 'gan') throw new UsageError('--checkpoint', checkpoint, 'must be a diffusion or GAN checkpoint folder (its config.json records the family)');
    if (model !== 'auto' && model !== family) throw new UsageError('--checkpoint', checkpoint, `is a ${family} checkpoint, not ${model}`);
    return { kind: family, location };
  }
  if (model === 'data') return { kind: 'data', location: null };
  const diffusion = model === 'gan' ? null : shipped(models.diffusion);
  if (diffusion) return { kind: 'diffusion', location: diffusion };
  const gan = model === 'diffusion' ? null : shipped(models.gan);
  if (gan) return { kind: 'gan', location: gan };
  if (model !== 'auto') throw new core.GenError(`gen demo: this install ships no MNIST ${model} model (packages/${model}/pretrained/mnist); use --model data or --checkpoint <dir>`);
  return { kind: 'data', location: null, note: 'no shipped model in this install: showing real MNIST digits' };
}

async function runDemo({ options, io, verbose }: CommandContext): Promise<number> {
  const source = chooseSource(options.model as DemoModel, options.checkpoint as string | undefined);
  await setupBackend({ backend: options.backend as string | undefined, io, verbose });
  if (source.note) io.stdout.write(`${source.note}\n`);
  const seed = options.seed as number;
  const { grid, lines } = source.location === null ? await realDigits(seed) : await generated(source.kind as 'diffusion' | 'gan', source.location, seed);
  const outDir = resolve(options.out as string);
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, 'grid.png');
  try {
    await coreNode.writePng(path, grid);
  } finally {
    grid.dispose();
  }
  for (const line of lines) io.stdout.write(`${line}\n`);
  io.stdout.write(`${path}\n`);
  return 0;
}

/** 64 distinct MNIST test digits chosen by the seed: the first 64 of a seeded permutation. */
async function realDigits(seed: number): Promise<{ grid: tf.Tensor3D; lines: string[] }> {
  const dataset = await coreNode.loadDataset('mnist', { split: 'test' });
  const { height, width, channels, size } = dataset;
  const count = Math.min(DEMO_IMAGES, size);
  const order = new core.Generator(seed).fork('gen-demo').permutation(size);
  const pixels = height * width * channels;
  const picked = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) picked.set(dataset.images.subarray(order[i] * pixels, (order[i] + 1) * pixels), i * pixels);
  const grid = tf.tidy(() => core.makeGrid(tf.tensor4d(picked, [count, height, width, channels]), { columns: DEMO_COLUMNS, padding: DEMO_PADDING }));
  const labels = Array.from({ length: count }, (_, i) => dataset.labels[order[i]]);
  return { grid, lines: [`data: mnist test split, ${size} images of ${height}×${width}×${channels}`, `digits: ${labels.join('')}`] };
}

/** A grid from a diffusion or GAN checkpoint: DEMO_MODEL_ROWS rows of one image per class (or 8×8 unconditional). */
async function generated(kind: 'diffusion' | 'gan', location: string, seed: number): Promise<{ grid: tf.Tensor3D; lines: string[] }> {
  const rng = new core.Generator(seed).fork('gen-demo');
  const started = performance.now();
  let images: tf.Tensor4D;
  let numClasses: number;
  let what: string;
  if (kind === 'diffusion') {
    const loaded = await loadDiffusion(location);
    try {
      numClasses = loaded.model.config.numClasses ?? 0;
      const scheduler = DPMSolverMultistepScheduler.fromConfig(loaded.schedulerConfig as never);
      const { steps, guidanceScale } = DEMO_DIFFUSION;
      const n = numClasses > 0 ? DEMO_MODEL_ROWS * numClasses : DEMO_IMAGES;
      const output =
        numClasses > 0
          ? await classConditionalPipeline({ model: loaded.model, scheduler, numInferenceSteps: steps, classLabels: classRows(numClasses), guidanceScale, generator: rng })
          : await unconditionalPipeline({ model: loaded.model, scheduler, numInferenceSteps: steps, batchSize: n, generator: rng });
      images = output.images;
      what = `diffusion (DPM-Solver++ 2M, ${steps} steps${numClasses > 0 ? `, guidance ${guidanceScale}` : ''})`;
    } finally {
      loaded.dispose();
    }
  } else {
    const loaded = await loadGan(location);
    try {
      numClasses = loaded.generator.numClasses;
      const n = numClasses > 0 ? DEMO_MODEL_ROWS * numClasses : DEMO_IMAGES;
      images = await generate({ generator: loaded.generator, n, ...(numClasses > 0 ? { labels: classRows(numClasses) } : {}), rng });
      what = 'GAN (one generator pass per image)';
    } finally {
      loaded.dispose();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const columns = numClasses > 0 ? numClasses : DEMO_COLUMNS;
  const grid = tf.tidy(() => core.makeGrid(images, { columns, padding: DEMO_PADDING }));
  const count = images.shape[0];
  images.dispose();
  return {
    grid,
    lines: [
      `model: ${what} from ${location}`,
      `${count} images in ${seconds.toFixed(1)} s${numClasses > 0 ? `; each row holds classes 0–${numClasses - 1} in order` : ''}`,
    ],
  };
}

/** Labels 0…K−1 repeated for each row of the grid. */
function classRows(numClasses: number): number[] {
  return Array.from({ length: DEMO_MODEL_ROWS * numClasses }, (_, i) => i % numClasses);
}
