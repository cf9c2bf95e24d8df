// Data-parallel trainDiffusion (worker_threads, Node only; every replica runs wasm): agreement
// with single-thread training, exact resume across worker counts, no tensor leak.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, InvalidArgumentError } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import '../node';
import { TINY_UNET_CONFIG } from '../models/unet';
import { twoPatternDataset } from './__fixtures__/two-patterns';
import { nodeParallelDiffusion } from './parallel-node';
import { trainDiffusion, type TrainDiffusionOptions, type TrainDiffusionResult } from './train-diffusion';

let root: string;
beforeAll(async () => {
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-diffusion-parallel-'));
});
afterAll(async () => {
  await fs.promises.rm(root, { recursive: true, force: true });
});

/** A tiny class-conditional UNet on 8×8 two-pattern images, with every training option that touches the math. */
function options(extra: Partial<TrainDiffusionOptions> = {}): TrainDiffusionOptions {
  return {
    config: { ...TINY_UNET_CONFIG, numClasses: 2, selfConditioning: true },
    dataset: twoPatternDataset(48),
    steps: 6,
    batchSize: 16,
    predictionType: 'v_prediction',
    snrGamma: 5,
    offsetNoise: 0.1,
    conditionDropProb: 0.3,
    lr: 2e-3,
    warmupSteps: 3,
    maxGradNorm: 0.5,
    ema: { decay: 0.9, warmup: 'power' },
    augment: { maxShift: 1 },
    seed: 3,
    logEvery: 1,
    ...extra,
  };
}

async function snapshot(result: TrainDiffusionResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[`model/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.ema?.stateDict() ?? {})) out[`ema/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.optimizer.stateDict())) out[`optimizer/${name}`] = Float32Array.from(await tensor.data());
  return out;
}

/**
 * Attention key biases have a gradient of exactly 0 in exact arithmetic (softmax ignores a
 * shift shared by all keys): their values are float rounding noise, amplified by Adam's 1/√v,
 * of norm ~1e-4 in both runs, and do not change the model's output. They are compared apart.
 */
const ZERO_GRADIENT = /attention\.key\.bias$/;

/** Worst per-tensor ‖a − b‖₂ / ‖b‖₂ over the tensors named `prefix…` (docs/parallel-training.md's measure). */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>, prefix: string, only?: RegExp): number {
  let worst = 0;
  for (const name of Object.keys(b)) {
    if (!name.startsWith(prefix)) continue;
    if (only ? !only.test(name) : ZERO_GRADIENT.test(name)) continue;
    let d2 = 0;
    let s2 = 0;
    for (let i = 0; i < b[name].length; i++) {
      d2 += (a[name][i] - b[name][i]) ** 2;
      s2 += b[name][i] ** 2;
    }
    const r = s2 > 0 ? Math.sqrt(d2 / s2) : Math.sqrt(d2);
    if (process.env.GEN_DEBUG_PARALLEL && r > 1e-5) console.log(`${name}: ${r} (norm ${Math.sqrt(s2)})`);
    worst = Math.max(worst, r);
  }
  return worst;
}

describe('trainDiffusion with workers (data-parallel, wasm)', () => {
  it('agrees with single-thread training: same losses and parameters within 1e-5 relative (GroupNorm UNet)', async () => {
    const lossesOf = (into: number[]) => ({ onProgress: ({ losses }: { losses: Record<string, number> }) => void into.push(losses.loss) });
    const singleLosses: number[] = [];
    const parallelLosses: number[] = [];
    const single = await trainDiffusion(options({ workers: 1, ...lossesOf(singleLosses) }));
    const parallel = await trainDiffusion(options({ workers: 2, ...lossesOf(parallelLosses) }));
    try {
      expect(single.workers).toBe(1);
      expect(parallel.workers).toBe(2);
      expect(parallel.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      expect(parallelLosses).toHaveLength(6);
      for (let i = 0; i < 6; i++) expect(parallelLosses[i]).toBeCloseTo(singleLosses[i], 5);
      const a = await snapshot(parallel);
      const b = await snapshot(single);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      const model = worstRelative(a, b, 'model/');
      const ema = worstRelative(a, b, 'ema/');
      // The key biases: noise of norm < 1e-3 in both runs, so an absolute bound.
      const keyBias = Math.max(...['model/', 'ema/'].flatMap((prefix) => Object.keys(b).filter((n) => n.startsWith(prefix) && ZERO_GRADIENT.test(n)).map((n) => Math.hypot(...a[n].map((x, i) => x - b[n][i])))));
      // What matters: the two models' outputs on the same input.
      const input = tf.tidy(() => tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 5));
      const t = tf.tensor1d([10, 300, 600, 900], 'int32');
      const classLabels = tf.tensor1d([0, 1, 2, 1], 'int32');
      const outA = tf.tidy(() => parallel.model.forward(input, t, { classLabels, selfCondition: tf.zerosLike(input) }).sample);
      const outB = tf.tidy(() => single.model.forward(input, t, { classLabels, selfCondition: tf.zerosLike(input) }).sample);
      const output = tf.tidy(() => tf.norm(tf.sub(outA, outB)).dataSync()[0] / tf.norm(outB).dataSync()[0]);
      tf.dispose([input, t, classLabels, outA, outB]);
      console.log(
        `workers 2 vs 1 after 6 steps: worst per-tensor relative difference ${model.toExponential(2)} (parameters), ${ema.toExponential(2)} (EMA); ` +
          `attention key biases (zero gradient) differ by ${keyBias.toExponential(2)} (norm); model outputs by ${output.toExponential(2)} relative`,
      );
      expect(model).toBeLessThan(1e-5);
      expect(ema).toBeLessThan(1e-5);
      expect(keyBias).toBeLessThan(1e-3);
      expect(output).toBeLessThan(1e-5);
      expect(Array.from(a['optimizer/step'])).toEqual(Array.from(b['optimizer/step']));
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 600_000);

  it('resumes exactly: a parallel run stopped at step 3 and resumed (2 workers) ends bit-identical; a checkpoint resumes with 1 worker', async () => {
    const straight = await trainDiffusion(options({ workers: 2, checkpointDir: path.join(root, 'straight'), checkpointEvery: 3 }));
    const dir = path.join(root, 'interrupted');
    const controller = new AbortController();
    const first = await trainDiffusion(
      options({ workers: 2, checkpointDir: dir, checkpointEvery: 10, signal: controller.signal, onProgress: ({ step }) => (step === 3 ? controller.abort() : undefined) }),
    );
    expect(first.summary).toMatchObject({ steps: 3, stoppedBy: 'aborted', lastCheckpoint: { step: 3 } });
    first.dispose();
    // Another seed (other initial weights in every replica): the checkpoint restores everything, in every replica.
    const resumed = await trainDiffusion(options({ workers: 2, seed: 99, checkpointDir: dir, resume: true }));
    const single = await trainDiffusion(options({ workers: 1, checkpointDir: dir, resume: true, steps: 6 }));
    try {
      expect(resumed.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      const expected = await snapshot(straight);
      const actual = await snapshot(resumed);
      for (const name of Object.keys(expected)) expect([name, Array.from(actual[name])]).toEqual([name, Array.from(expected[name])]);
      // The same checkpoint format: the run written by 2 workers continues in this thread.
      expect(single.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
      expect(worstRelative(await snapshot(single), expected, 'model/')).toBeLessThan(1e-5);
    } finally {
      straight.dispose();
      resumed.dispose();
      single.dispose();
    }
  }, 600_000);

  it('trains a given model in place', async () => {
    const reference = await trainDiffusion(options({ workers: 1, steps: 2 }));
    const start = await trainDiffusion(options({ workers: 1, steps: 0, seed: 11 }));
    const given = start.model;
    const result = await trainDiffusion(options({ workers: 2, steps: 2, seed: 11, model: given, config: undefined }));
    const inThread = await trainDiffusion(options({ workers: 1, steps: 0, seed: 11 }));
    const trainedHere = await trainDiffusion(options({ workers: 1, steps: 2, seed: 11, model: inThread.model, config: undefined }));
    try {
      expect(result.model).toBe(given);
      expect(given.namedParameters()[0][1].isDisposed).toBe(false);
      expect(worstRelative(await snapshot(result), await snapshot(trainedHere), 'model/')).toBeLessThan(1e-4);
      // …and not the seed-3 run's weights.
      expect(worstRelative(await snapshot(result), await snapshot(reference), 'model/')).toBeGreaterThan(1e-3);
    } finally {
      reference.dispose();
      result.dispose();
      start.ema?.dispose();
      start.optimizer.dispose();
      trainedHere.dispose();
      inThread.ema?.dispose();
      inThread.optimizer.dispose();
    }
  }, 600_000);

  it("'auto' trains in this thread when shards would be small; workers > 1 is refused where it cannot work", async () => {
    const auto = await trainDiffusion(options({ workers: 'auto', steps: 1, batchSize: 8 }));
    expect(auto.workers).toBe(1);
    auto.dispose();
    await expect(trainDiffusion(options({ workers: 2, lr: () => 1e-3 }))).rejects.toThrow(InvalidArgumentError);
    await expect(trainDiffusion(options({ workers: 2, lr: () => 1e-3 }))).rejects.toThrow(/numeric lr/);
    await expect(trainDiffusion(options({ workers: 0 }))).rejects.toThrow(/workers/);
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });

  it('leaks no tensors in any thread over 200 parallel steps', async () => {
    const dataset = twoPatternDataset(16);
    const tiny = { ...TINY_UNET_CONFIG, height: 4, width: 4, blockOutChannels: [4, 8], attentionHeadDim: 4, normNumGroups: 2, timeEmbeddingDim: 8, numClasses: 2 };
    const small = {
      ...dataset,
      images: Float32Array.from({ length: 16 * 16 }, (_, i) => (i % 5) / 5),
      height: 4,
      width: 4,
    };
    const parallel = await nodeParallelDiffusion.create({
      options: {
        config: (await import('../models/unet')).unet2dConfig(tiny),
        schedulerConfig: (await import('@gen/core')).DEFAULT_SCHEDULER_CONFIG,
        predictionType: 'epsilon',
        snrGamma: null,
        offsetNoise: 0,
        selfConditioning: false,
        conditionDropProb: 0.1,
        batchSize: 8,
        seed: 1,
        augment: false,
        lr: 1e-3,
        warmupSteps: 10,
        weightDecay: 0,
        maxGradNorm: 1,
      },
      dataset: small,
      workers: 2,
      backend: 'wasm',
      globalBatchSize: 8,
    });
    try {
      expect(parallel.replicas).toBe(2);
      await parallel.syncFromMain(1);
      for (let step = 0; step < 10; step++) await parallel.step(step);
      const before = await parallel.memory();
      for (let step = 10; step < 210; step++) {
        const loss = await parallel.step(step);
        expect(Number.isFinite(loss)).toBe(true);
      }
      const after = await parallel.memory();
      console.log(`tensors per thread before/after 200 parallel diffusion steps: ${before.map((n, i) => `${n}/${after[i]}`).join(', ')}`);
      expect(after).toEqual(before);
    } finally {
      await parallel.dispose();
      parallel.model.dispose();
      parallel.optimizer.dispose();
    }
  }, 900_000);
});
