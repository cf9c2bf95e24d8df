import * as tf from '@tensorflow/tfjs-core';
import { imagesPerRun, isThroughput, measurementIds, type BenchConfig } from './config';
import { BenchDcgan } from './dcgan';
import { measure, type Timing } from './timing';
import { BenchUnet } from './unet';
import { BenchShippedUnet } from './unet2d';

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
  /** Sampling only: images of one run / median time in seconds. */
  imagesPerSecond?: number;
  /** Most bytes held by live tensors at any moment of the cell (tfjs: `tf.memory().numBytes`; absent for torch). */
  peakTensorBytes?: number;
  /**
   * Peak resident set size of the process that ran the cell, in bytes (Node: `process.resourceUsage().maxRSS`,
   * Python: `ru_maxrss`). Each cell runs in a fresh process, so it is that cell's peak; absent in the browser.
   */
  peakRssBytes?: number;
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
  const peak = trackPeakTensorBytes();
  tf.engine().startScope();
  try {
    const timing = await timeMeasurement(id, config, options);
    if (timing === undefined) return { id, status: 'skipped', detail: 'unknown measurement' };
    const measurement = fromTiming(id, timing);
    if (id.startsWith('matmul-')) {
      const n = Number(id.slice('matmul-'.length));
      measurement.gflops = (2 * n ** 3) / (timing.medianMs * 1e6);
    }
    if (isThroughput(id)) measurement.imagesPerSecond = throughput(imagesPerRun(id, config), timing.medianMs);
    measurement.peakTensorBytes = peak.peak();
    const rss = peakRssBytes();
    if (rss !== undefined) measurement.peakRssBytes = rss;
    return measurement;
  } catch (error) {
    const missing = missingKernel(error);
    if (missing) return { id, status: 'unsupported', detail: `missing kernel ${missing}` };
    return { id, status: 'failed', detail: String((error as Error)?.message ?? error).split('\n')[0] };
  } finally {
    tf.engine().endScope();
    peak.stop();
  }
}

async function timeMeasurement(id: string, config: BenchConfig, options: Options): Promise<Timing | undefined> {
  if (id.startsWith('matmul-')) return benchMatmul(Number(id.slice('matmul-'.length)), config.seed, options);
  if (id === 'dcgan-train') return benchDcgan(config, options);
  if (id === 'unet-forward') return benchUnet(config, options, false);
  if (id === 'unet-train') return benchUnet(config, options, true);
  if (id === 'unet2d-train') return benchShippedUnetTrain(config, options);
  if (id === 'sample-unet') return benchShippedUnetSample(config, options);
  if (id === 'sample-gan') return benchGanSample(config, options);
  return undefined;
}

/** Images per second of a run producing `images` in `medianMs`. */
export function throughput(images: number, medianMs: number): number {
  return images / (medianMs / 1000);
}

/**
 * Follows the engine's count of bytes held by live tensors (`tf.memory().numBytes`) and keeps
 * its maximum. The engine updates `state.numBytes` on every tensor it makes or frees, so a
 * setter on that field sees every peak at no cost to the kernels (tf.profile would read every
 * kernel's output back, which changes the timing).
 */
export function trackPeakTensorBytes(): { peak(): number; stop(): void } {
  const state = (tf.engine() as unknown as { state: { numBytes: number } }).state;
  let value = state.numBytes;
  let max = value;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (next: number) => {
      value = next;
      if (next > max) max = next;
    },
  });
  return {
    peak: () => max,
    stop: () => {
      Object.defineProperty(state, 'numBytes', { configurable: true, enumerable: true, writable: true, value });
    },
  };
}

/** The process's peak resident set size in bytes (Node only; undefined in the browser). */
function peakRssBytes(): number | undefined {
  const usage = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number } } }).process?.resourceUsage;
  return typeof usage === 'function' ? usage().maxRSS * 1024 : undefined;
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

async function benchShippedUnetTrain(config: BenchConfig, options: Options): Promise<Timing> {
  const model = new BenchShippedUnet(config);
  const inputs = model.trainingInputs(config.unet2dBatch);
  try {
    return await measure(async () => {
      const loss = model.trainStep(inputs);
      await loss.data();
      loss.dispose();
    }, options);
  } finally {
    model.dispose();
    tf.dispose(Object.values(inputs));
  }
}

async function benchShippedUnetSample(config: BenchConfig, options: Options): Promise<Timing> {
  const model = new BenchShippedUnet(config);
  try {
    return await measure(async () => {
      const images = await model.sample();
      await images.data();
      images.dispose();
    }, options);
  } finally {
    model.dispose();
  }
}

async function benchGanSample(config: BenchConfig, options: Options): Promise<Timing> {
  const { samplingBatch: batch, dcganChannels: channels, seed } = config;
  const model = new BenchDcgan({ batch, channels, seed });
  const z = tf.randomNormal([batch, model.latent], 0, 1, 'float32', seed + 12) as tf.Tensor2D;
  try {
    return await measure(async () => {
      const images = model.generate(z);
      await images.data();
      images.dispose();
    }, options);
  } finally {
    model.dispose();
    z.dispose();
  }
}

function fromTiming(id: string, timing: Timing): Measurement {
  return { id, status: 'ok', medianMs: timing.medianMs, minMs: timing.minMs, repeats: timing.samplesMs.length, warmup: timing.warmup };
}
