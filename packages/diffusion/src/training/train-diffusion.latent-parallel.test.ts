// Data-parallel latent diffusion (encodeImages as a recipe every thread builds its encoder
// from): agreement with single-thread training, the function and the recipe giving the same
// run, and no tensor leak in any thread over 200 parallel steps.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, initBackend, InvalidArgumentError } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import '../node';
import { TINY_UNET_CONFIG, unet2dConfig } from '../models/unet';
import { createPoolingEncoder } from './__fixtures__/pooling-encoder';
import { twoPatternDataset } from './__fixtures__/two-patterns';
import { nodeParallelDiffusion } from './parallel-node';
import type { HookRecipe } from './parallel-hook';
import { trainDiffusion, type TrainDiffusionOptions, type TrainDiffusionResult } from './train-diffusion';

beforeAll(async () => {
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
});

const FIXTURE = path.join(__dirname, '__fixtures__', 'pooling-encoder.ts');
const recipe = (rows: boolean): HookRecipe => ({ module: FIXTURE, exportName: 'createPoolingEncoder', options: { scale: 1.5, sigma: 0.3, rows } });

/** A tiny UNet on the 4×4×1 "latents" of 8×8 two-pattern images (EMA, clipping, warm-up on). */
function options(extra: Partial<TrainDiffusionOptions> = {}): TrainDiffusionOptions {
  return {
    config: { ...TINY_UNET_CONFIG, height: 4, width: 4 },
    dataset: twoPatternDataset(48),
    steps: 4,
    batchSize: 16,
    lr: 2e-3,
    warmupSteps: 2,
    maxGradNorm: 0.5,
    ema: { decay: 0.9, warmup: 'power' },
    augment: { maxShift: 1 },
    seed: 5,
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

/** Worst per-tensor ‖a − b‖ / ‖b‖ (attention key biases, of zero gradient, compared apart as in train-diffusion.parallel.test.ts). */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  for (const name of Object.keys(b)) {
    if (/attention\.key\.bias$/.test(name)) continue;
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

describe('trainDiffusion: latent diffusion with workers (encodeImages recipe)', () => {
  it('a recipe trains exactly as the same encoder given as a function (one thread)', async () => {
    const hook = createPoolingEncoder(recipe(false).options!);
    const asFunction = await trainDiffusion(options({ workers: 1, encodeImages: (images, generator) => hook.encode(images, generator) }));
    const asRecipe = await trainDiffusion(options({ workers: 1, encodeImages: recipe(false) }));
    try {
      expect(asRecipe.workers).toBe(1);
      const a = await weights(asRecipe);
      const b = await weights(asFunction);
      for (const name of Object.keys(b)) expect([name, Array.from(a[name])]).toEqual([name, Array.from(b[name])]);
    } finally {
      asFunction.dispose();
      asRecipe.dispose();
    }
  }, 300_000);

  it.each([
    ['encodeRows (each replica encodes its rows)', true],
    ['encode only (each replica encodes the batch, keeps its rows)', false],
  ])('2 workers agree with 1 thread within 1e-5 relative: %s', async (_, rows) => {
    const lossesOf = (into: number[]) => ({ onProgress: ({ losses }: { losses: Record<string, number> }) => void into.push(losses.loss) });
    const singleLosses: number[] = [];
    const parallelLosses: number[] = [];
    const single = await trainDiffusion(options({ workers: 1, encodeImages: recipe(rows as boolean), ...lossesOf(singleLosses) }));
    const parallel = await trainDiffusion(options({ workers: 2, encodeImages: recipe(rows as boolean), ...lossesOf(parallelLosses) }));
    try {
      expect(parallel.workers).toBe(2);
      expect(parallel.schedulerConfig.clipSample).toBe(false);
      for (let i = 0; i < 4; i++) expect(parallelLosses[i]).toBeCloseTo(singleLosses[i], 5);
      const worst = worstRelative(await weights(parallel), await weights(single));
      console.log(`latent diffusion, workers 2 vs 1 (${rows ? 'encodeRows' : 'encode'}), 4 steps: worst per-tensor relative difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 600_000);

  it('refuses an encodeImages function with workers > 1, and a malformed recipe (one line)', async () => {
    await expect(trainDiffusion(options({ workers: 2, encodeImages: (images) => tf.avgPool(images, 2, 2, 'valid') as tf.Tensor4D }))).rejects.toThrow(
      /workers .*needs encodeImages as a recipe/,
    );
    await expect(trainDiffusion(options({ workers: 1, encodeImages: { module: '' } as HookRecipe }))).rejects.toThrow(InvalidArgumentError);
    await expect(trainDiffusion(options({ workers: 1, encodeImages: { ...recipe(true), exportName: 'nothing' } }))).rejects.toThrow(/exports no function 'nothing'/);
  });

  it('leaks no tensors in any thread over 200 parallel latent steps', async () => {
    const parallel = await nodeParallelDiffusion.create({
      options: {
        config: unet2dConfig({ ...TINY_UNET_CONFIG, height: 4, width: 4, blockOutChannels: [4, 8], attentionHeadDim: 4, normNumGroups: 2, timeEmbeddingDim: 8 }),
        schedulerConfig: { ...DEFAULT_SCHEDULER_CONFIG, clipSample: false },
        predictionType: 'epsilon',
        snrGamma: null,
        offsetNoise: 0,
        selfConditioning: false,
        conditionDropProb: 0,
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
      encodeImages: recipe(true),
    });
    try {
      await parallel.syncFromMain(1);
      for (let step = 0; step < 10; step++) await parallel.step(step);
      const before = await parallel.memory();
      for (let step = 10; step < 210; step++) expect(Number.isFinite(await parallel.step(step))).toBe(true);
      const after = await parallel.memory();
      console.log(`tensors per thread before/after 200 parallel latent diffusion steps: ${before.map((n, i) => `${n}/${after[i]}`).join(', ')}`);
      expect(after).toEqual(before);
    } finally {
      await parallel.dispose();
      parallel.model.dispose();
      parallel.optimizer.dispose();
    }
  }, 900_000);
});
