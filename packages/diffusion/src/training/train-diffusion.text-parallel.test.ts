// Data-parallel training of text-conditioned UNets (encodeText as a recipe every thread builds its
// text encoder from, with the training set): the recipe and the function giving the same run,
// agreement of 2 workers with 1 thread, resume across worker counts, no tensor leak, and the
// one-line errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, initBackend, InvalidArgumentError } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import '../node';
import { TINY_UNET_CONFIG, unet2dConfig } from '../models/unet';
import { createLabelTextEncoder } from './__fixtures__/label-text-encoder';
import { twoPatternDataset } from './__fixtures__/two-patterns';
import { nodeParallelDiffusion } from './parallel-node';
import type { HookRecipe } from './parallel-hook';
import { trainDiffusion, type TrainDiffusionOptions, type TrainDiffusionResult } from './train-diffusion';

let root: string;
beforeAll(async () => {
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-diffusion-text-parallel-'));
});
afterAll(async () => {
  await fs.promises.rm(root, { recursive: true, force: true });
});

const FIXTURE = path.join(__dirname, '__fixtures__', 'label-text-encoder.ts');
const WIDTH = 8;
const recipe = (rows: boolean): HookRecipe => ({ module: FIXTURE, exportName: 'createLabelTextEncoder', options: { width: WIDTH, tokens: 3, sigma: 0.5, rows } });
const dataset = twoPatternDataset(48);

/** A tiny cross-attention UNet on 8×8 two-pattern images (condition dropout, EMA, clipping, warm-up, shifts on). */
function options(extra: Partial<TrainDiffusionOptions> = {}): TrainDiffusionOptions {
  return {
    config: { ...TINY_UNET_CONFIG, crossAttentionDim: WIDTH },
    dataset,
    steps: 3,
    batchSize: 16,
    conditionDropProb: 0.3,
    lr: 2e-3,
    warmupSteps: 2,
    maxGradNorm: 0.5,
    ema: { decay: 0.9, warmup: 'power' },
    augment: { maxShift: 1 },
    seed: 7,
    logEvery: 1,
    ...extra,
  };
}

async function weights(result: TrainDiffusionResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[`model/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.ema?.stateDict() ?? {})) out[`ema/${name}`] = (await tensor.data()) as Float32Array;
  return out;
}

/** Worst per-tensor ‖a − b‖ / ‖b‖; attention key biases (of zero gradient) apart, as in train-diffusion.parallel.test.ts. */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  for (const name of Object.keys(b)) {
    if (/\.key\.bias$/.test(name)) continue;
    let d2 = 0;
    let s2 = 0;
    for (let i = 0; i < b[name].length; i++) {
      d2 += (a[name][i] - b[name][i]) ** 2;
      s2 += b[name][i] ** 2;
    }
    worst = Math.max(worst, s2 > 0 ? Math.sqrt(d2 / s2) : Math.sqrt(d2));
  }
  return worst;
}

describe('trainDiffusion: text-conditioned UNets with workers (encodeText recipe)', () => {
  it('a recipe trains exactly as the same encoder given as a function (one thread)', async () => {
    const hook = createLabelTextEncoder(recipe(false).options!, { dataset });
    const asFunction = await trainDiffusion(options({ workers: 1, encodeText: (batch) => hook.encode(batch) }));
    const asRecipe = await trainDiffusion(options({ workers: 1, encodeText: recipe(true) }));
    try {
      expect(asRecipe.workers).toBe(1);
      const a = await weights(asRecipe);
      const b = await weights(asFunction);
      for (const name of Object.keys(b)) expect([name, Array.from(a[name])]).toEqual([name, Array.from(b[name])]);
    } finally {
      asFunction.dispose();
      asRecipe.dispose();
    }
  }, 120_000);

  it.each([
    ['encodeRows (each replica encodes its rows)', true],
    ['encode only (each replica encodes the batch, keeps its rows)', false],
  ])('2 workers agree with 1 thread within 1e-5 relative: %s', async (_, rows) => {
    const lossesOf = (into: number[]) => ({ onProgress: ({ losses }: { losses: Record<string, number> }) => void into.push(losses.loss) });
    const singleLosses: number[] = [];
    const parallelLosses: number[] = [];
    const single = await trainDiffusion(options({ workers: 1, encodeText: recipe(rows as boolean), ...lossesOf(singleLosses) }));
    const parallel = await trainDiffusion(options({ workers: 2, encodeText: recipe(rows as boolean), ...lossesOf(parallelLosses) }));
    try {
      expect(parallel.workers).toBe(2);
      expect(parallelLosses).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(parallelLosses[i]).toBeCloseTo(singleLosses[i], 5);
      const worst = worstRelative(await weights(parallel), await weights(single));
      console.log(`text-conditioned diffusion, workers 2 vs 1 (${rows ? 'encodeRows' : 'encode'}), 3 steps: worst per-tensor relative difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 180_000);

  it('a 2-worker run stopped at step 2 resumes with 1 worker to the run of one thread (within 1e-5)', async () => {
    const dir = path.join(root, 'resume');
    const controller = new AbortController();
    const first = await trainDiffusion(
      options({ workers: 2, encodeText: recipe(true), checkpointDir: dir, signal: controller.signal, onProgress: ({ step }) => (step === 2 ? controller.abort() : undefined) }),
    );
    expect(first.summary).toMatchObject({ steps: 2, stoppedBy: 'aborted', lastCheckpoint: { step: 2 } });
    first.dispose();
    const resumed = await trainDiffusion(options({ workers: 1, encodeText: recipe(true), checkpointDir: dir, resume: true }));
    const straight = await trainDiffusion(options({ workers: 1, encodeText: recipe(true) }));
    try {
      expect(resumed.summary).toMatchObject({ steps: 3, stoppedBy: 'done' });
      expect(worstRelative(await weights(resumed), await weights(straight))).toBeLessThan(1e-5);
    } finally {
      resumed.dispose();
      straight.dispose();
    }
  }, 180_000);

  it('refuses an encodeText function with workers > 1, a malformed recipe and a recipe of the wrong width (one line)', async () => {
    const hook = createLabelTextEncoder(recipe(false).options!, { dataset });
    const message = async (run: Promise<unknown>) => run.then(() => 'resolved', (error: Error) => error.message);
    expect(await message(trainDiffusion(options({ workers: 2, encodeText: (batch) => hook.encode(batch) })))).toMatch(
      /^workers \(2\) needs encodeText as a recipe \{ module, exportName, options \} that every worker thread builds its text encoder from .*: a function cannot reach worker threads$/,
    );
    await expect(trainDiffusion(options({ workers: 1, encodeText: { module: '' } as HookRecipe }))).rejects.toThrow(InvalidArgumentError);
    expect(await message(trainDiffusion(options({ workers: 1, encodeText: { ...recipe(true), exportName: 'nothing' } })))).toMatch(/^encodeText recipe: .* exports no function 'nothing'/);
    const wide = { ...recipe(true), options: { width: WIDTH * 2, tokens: 3, sigma: 0.5, rows: true } };
    expect(await message(trainDiffusion(options({ workers: 1, encodeText: wide })))).toBe(`encodeText ("16-wide token states") must match the model's crossAttentionDim (${WIDTH})`);
  }, 60_000);

  it('leaks no tensors in any thread over 30 parallel text-conditioned steps', async () => {
    const parallel = await nodeParallelDiffusion.create({
      options: {
        config: unet2dConfig({ ...TINY_UNET_CONFIG, blockOutChannels: [4, 8], attentionHeadDim: 4, normNumGroups: 2, timeEmbeddingDim: 8, crossAttentionDim: WIDTH }),
        schedulerConfig: DEFAULT_SCHEDULER_CONFIG,
        predictionType: 'epsilon',
        snrGamma: null,
        offsetNoise: 0,
        selfConditioning: false,
        conditionDropProb: 0.2,
        batchSize: 8,
        seed: 1,
        augment: false,
        lr: 1e-3,
        warmupSteps: 10,
        weightDecay: 0,
        maxGradNorm: 1,
      },
      dataset: twoPatternDataset(16),
      workers: 2,
      backend: 'wasm',
      globalBatchSize: 8,
      encodeText: recipe(true),
    });
    try {
      await parallel.syncFromMain(1);
      for (let step = 0; step < 3; step++) await parallel.step(step);
      const before = await parallel.memory();
      for (let step = 3; step < 33; step++) expect(Number.isFinite(await parallel.step(step))).toBe(true);
      const after = await parallel.memory();
      console.log(`tensors per thread before/after 30 parallel text-conditioned steps: ${before.map((n, i) => `${n}/${after[i]}`).join(', ')}`);
      expect(after).toEqual(before);
    } finally {
      await parallel.dispose();
      parallel.model.dispose();
      parallel.optimizer.dispose();
    }
  }, 120_000);
});
