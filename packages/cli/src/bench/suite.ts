import * as tf from '@tensorflow/tfjs-core';
import { measurementIds, type BenchConfig } from './config';
import { BenchDcgan } from './dcgan';
import { measure, type Timing } from './timing';
import { BenchUnet } from './unet';

/** One row of one backend's results. */
export interface Measurement {
  /** `matmul-512`, `dcgan-train`, `unet-forward`, `unet-train`. */
  id: string;
  /**
   * `unsupported`: the backend lacks a kernel (named in `detail`); `timeout`: no timed run
   * finished within the per-measurement limit; `failed`: another error.
   */
  status: 'ok' | 'unsupported' | 'timeout' | 'failed' | 'skipped';
  medianMs?: number;
  minMs?: number;
  /** Timed runs behind the median. */
  repeats?: number;
  warmup?: number;
  /** `timeout` only: how long the one untimed warm-up run took, when it finished. */
  warmupMs?: number;
  /** Matmul only: 2n³ / median time. */
  gflops?: number;
  detail?: string;
}

export interface SuiteCallbacks {
  /** Called before each measurement starts. */
  onStart?: (id: string) => void;
  /** Called as each measurement finishes. */
  onResult?: (measurement: Measurement) => void;
  /** Called after every run of a measurement (warm-up runs flagged). */
  onSample?: (id: string, ms: number, warmup: boolean) => void;
}

/**
 * Runs every measurement of `config` on the active tfjs backend. Browser-safe (the webgl
 * leg runs this same function inside Chromium). Nothing throws: a kernel the backend
 * lacks becomes `unsupported (missing kernel X)`, any other error `failed`.
 */
export async function runTfjsSuite(config: BenchConfig, callbacks: SuiteCallbacks = {}, ids = measurementIds(config)): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const id of ids) {
    callbacks.onStart?.(id);
    const measurement = await runOne(id, config, (ms, warmup) => callbacks.onSample?.(id, ms, warmup));
    results.push(measurement);
    callbacks.onResult?.(measurement);
  }
  return results;
}

async function runOne(id: string, config: BenchConfig, onSample: (ms: number, warmup: boolean) => void): Promise<Measurement> {
  const options = { warmup: config.warmup, repeats: config.repeats, maxSeconds: config.maxSeconds, minRepeats: config.minRepeats, onSample };
  tf.engine().startScope();
  try {
    if (id.startsWith('matmul-')) {
      const n = Number(id.slice('matmul-'.length));
      const timing = await benchMatmul(n, config.seed, options);
      return { ...fromTiming(id, timing), gflops: (2 * n ** 3) / (timing.medianMs * 1e6) };
    }
    if (id === 'dcgan-train') return fromTiming(id, await benchDcgan(config, options));
    if (id === 'unet-forward') return fromTiming(id, await benchUnet(config, options, false));
    if (id === 'unet-train') return fromTiming(id, await benchUnet(config, options, true));
    return { id, status: 'skipped', detail: 'unknown measurement' };
  } catch (error) {
    const missing = missingKernel(error);
    if (missing) return { id, status: 'unsupported', detail: `missing kernel ${missing}` };
    return { id, status: 'failed', detail: String((error as Error)?.message ?? error).split('\n')[0] };
  } finally {
    tf.engine().endScope();
  }
}

/** The kernel name in tfjs's "Kernel 'X' not registered for backend 'y'" error. */
export function missingKernel(error: unknown): string | undefined {
  const message = String((error as Error)?.message ?? error);
  return /Kernel '([^']+)' not registered/.exec(message)?.[1];
}

type Options = Parameters<typeof measure>[1];

async function benchMatmul(n: number, seed: number, options: Options): Promise<Timing> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', seed);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', seed + 1);
  try {
    return await measure(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }, options);
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function benchDcgan(config: BenchConfig, options: Options): Promise<Timing> {
  const { dcganBatch: batch, dcganChannels: channels, seed } = config;
  const model = new BenchDcgan({ batch, channels, seed });
  const real = tf.randomUniform([batch, 28, 28, 1], -1, 1, 'float32', seed + 2) as tf.Tensor4D;
  const z = tf.randomNormal([batch, model.latent], 0, 1, 'float32', seed + 3) as tf.Tensor2D;
  try {
    return await measure(async () => {
      const { criticLoss, generatorLoss } = model.trainStep(real, z);
      await Promise.all([criticLoss.data(), generatorLoss.data()]);
      criticLoss.dispose();
      generatorLoss.dispose();
    }, options);
  } finally {
    model.dispose();
    real.dispose();
    z.dispose();
  }
}

async function benchUnet(config: BenchConfig, options: Options, train: boolean): Promise<Timing> {
  const { unetBatch: batch, unetChannels: channels, seed } = config;
  const model = new BenchUnet({ channels, seed });
  const noisy = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', seed + 4) as tf.Tensor4D;
  const noise = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', seed + 5) as tf.Tensor4D;
  const t = tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', seed + 6)) as tf.Tensor1D;
  try {
    return await measure(async () => {
      const out = train ? model.trainStep(noisy, t, noise) : model.forward(noisy, t);
      await out.data();
      out.dispose();
    }, options);
  } finally {
    model.dispose();
    noisy.dispose();
    noise.dispose();
    t.dispose();
  }
}

function fromTiming(id: string, timing: Timing): Measurement {
  return { id, status: 'ok', medianMs: timing.medianMs, minMs: timing.minMs, repeats: timing.samplesMs.length, warmup: timing.warmup };
}
