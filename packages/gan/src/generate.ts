// Sampling: pure functions from a generator (and a seeded rng) to image tensors in [0, 1].
// The caller writes PNGs (makeGrid / writePng from @gen/core).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, interpolateLatents, type Generator } from '@gen/core';
import { checkTruncation, sampleLatents, truncateValues } from './truncation';
import type { GanGenerator } from './types';
import { checkPositiveInteger } from './validate';

/** Class labels: one class for every sample, or one per sample. */
export type LabelsInput = number | ArrayLike<number>;

export interface GenerateOptions {
  /** The generator model (e.g. from `loadGan`). */
  generator: GanGenerator;
  /** Number of images (≥ 1). */
  n: number;
  /**
   * Conditional generators: the class of every sample (a number) or of each sample (n
   * numbers), integers in [0, numClasses). Omitted: classes drawn uniformly from `rng`
   * (unconditional sampling). Unconditional generators take no labels.
   */
  labels?: LabelsInput;
  /** Truncation threshold τ > 0: latents are truncated to [−τ, τ] per component. Default Infinity (none). */
  truncation?: number;
  /** Draws latents (first) and omitted labels (second). */
  rng: Generator;
  /** Images per forward pass, to bound memory. Default 256. */
  batchSize?: number;
}

/** Checks and expands `labels` for `n` samples (drawing them from `rng` when omitted); null for an unconditional generator. */
export function resolveLabels(generator: GanGenerator, n: number, labels: LabelsInput | undefined, rng: Generator | null): Int32Array | null {
  const numClasses = generator.numClasses;
  if (numClasses === 0) {
    if (labels !== undefined) throw new InvalidArgumentError('labels', labels, 'must be omitted: the generator is unconditional');
    return null;
  }
  const checkClass = (argument: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= numClasses) {
      throw new InvalidArgumentError(argument, value, `must be an integer class in [0, ${numClasses})`);
    }
  };
  if (labels === undefined) {
    if (!rng) throw new InvalidArgumentError('labels', labels, 'are required here (no rng to draw them from)');
    const drawn = rng.randint([n], 0, numClasses);
    const values = drawn.dataSync() as Int32Array;
    drawn.dispose();
    return values;
  }
  if (typeof labels === 'number') {
    checkClass('labels', labels);
    return new Int32Array(n).fill(labels);
  }
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new InvalidArgumentError('labels', labels, `must be a class number or an array of ${n} class numbers`);
  }
  if (labels.length !== n) throw new InvalidArgumentError('labels', labels, `must hold n (${n}) classes, one per sample`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    checkClass(`labels[${i}]`, labels[i]);
    out[i] = labels[i];
  }
  return out;
}

function checkGenerator(generator: unknown): asserts generator is GanGenerator {
  const g = generator as GanGenerator;
  if (!g || typeof g.forward !== 'function' || typeof g.latentDim !== 'number' || typeof g.numClasses !== 'number') {
    throw new InvalidArgumentError('generator', generator, 'must be a GAN generator model (e.g. from loadGan)');
  }
}

function checkRng(rng: unknown): asserts rng is Generator {
  if (!rng || typeof (rng as Generator).normalArray !== 'function') {
    throw new InvalidArgumentError('rng', rng, 'must be a Generator from @gen/core (new Generator(seed))');
  }
}

/**
 * Runs the generator in evaluation mode (batch-norm running statistics, no spectral-norm
 * update) on `latents` and `labels`, restoring its mode afterwards; images mapped from
 * [-1, 1] to [0, 1]. Leaves the model's state untouched.
 */
export function renderLatents(generator: GanGenerator, latents: tf.Tensor2D, labels: Int32Array | null, batchSize = 256): tf.Tensor4D {
  const wasTraining = generator.training;
  generator.eval();
  try {
    return tf.tidy(() => {
      const n = latents.shape[0];
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const z = size === n ? latents : tf.slice(latents, [start, 0], [size, -1]);
        const y = labels ? tf.tensor1d(labels.subarray(start, start + size), 'int32') : undefined;
        parts.push(tf.clipByValue(tf.mul(tf.add(generator.forward(z, y), 1), 0.5), 0, 1));
      }
      return (parts.length === 1 ? parts[0] : tf.concat(parts)) as tf.Tensor4D;
    });
  } finally {
    generator.train(wasTraining);
  }
}

/**
 * `n` images `[n, H, W, C]` in [0, 1] from `generator`: latents N(0, I) (truncated when
 * `truncation` is finite) and labels as given or drawn. A pure function of its inputs and
 * the rng's state: the model is not changed.
 *
 * ```ts
 * const images = generate({ generator, n: 64, labels: 3, truncation: 0.7, rng: new Generator(1) });
 * ```
 */
export function generate(options: GenerateOptions): tf.Tensor4D {
  const { generator, n, labels, truncation = Infinity, rng, batchSize = 256 } = options ?? ({} as GenerateOptions);
  checkGenerator(generator);
  checkPositiveInteger('n', n);
  checkTruncation(truncation);
  checkRng(rng);
  checkPositiveInteger('batchSize', batchSize);
  const resolved = labels === undefined ? null : resolveLabels(generator, n, labels, null);
  const latents = sampleLatents({ n, latentDim: generator.latentDim, truncation, rng });
  try {
    const drawn = labels === undefined ? resolveLabels(generator, n, undefined, rng) : resolved;
    return renderLatents(generator, latents, drawn, batchSize);
  } finally {
    latents.dispose();
  }
}

export interface LatentInterpolationOptions {
  generator: GanGenerator;
  /** Number of walks (rows). Default 1. */
  rows?: number;
  /** Frames per walk, both ends included (≥ 2). Default 8. */
  steps?: number;
  /** Class of each row (a number for all rows, or one per row); omitted: drawn per row (conditional generators). */
  labels?: LabelsInput;
  /** Truncation of the two end points. Default Infinity. */
  truncation?: number;
  /** 'slerp' (default; keeps Gaussian latents at a typical norm) or 'linear'. */
  method?: 'slerp' | 'linear';
  rng: Generator;
}

/**
 * Latent walks: per row, two latents drawn from `rng` and `steps` points between them
 * (slerp by default), rendered with the row's class. Returns `[rows · steps, H, W, C]` in
 * [0, 1], row-major: `makeGrid(images, { columns: steps })` or `interpolationStrip` lays it out.
 */
export function latentInterpolation(options: LatentInterpolationOptions): tf.Tensor4D {
  const { generator, rows = 1, steps = 8, labels, truncation = Infinity, method = 'slerp', rng } = options ?? ({} as LatentInterpolationOptions);
  checkGenerator(generator);
  checkPositiveInteger('rows', rows);
  if (!Number.isInteger(steps) || steps < 2) throw new InvalidArgumentError('steps', steps, 'must be an integer ≥ 2');
  checkTruncation(truncation);
  checkRng(rng);
  const rowLabels = resolveLabels(generator, rows, labels, rng);
  const ends = sampleLatents({ n: 2 * rows, latentDim: generator.latentDim, truncation, rng });
  try {
    const latents = tf.tidy(() => {
      const walks: tf.Tensor[] = [];
      for (let r = 0; r < rows; r++) {
        const start = tf.reshape(tf.slice(ends, [2 * r, 0], [1, -1]), [-1]);
        const end = tf.reshape(tf.slice(ends, [2 * r + 1, 0], [1, -1]), [-1]);
        walks.push(interpolateLatents(start, end, { steps, method }));
      }
      return tf.concat(walks) as tf.Tensor2D;
    });
    const frameLabels = rowLabels ? Int32Array.from({ length: rows * steps }, (_, i) => rowLabels[Math.floor(i / steps)]) : null;
    try {
      return renderLatents(generator, latents, frameLabels);
    } finally {
      latents.dispose();
    }
  } finally {
    ends.dispose();
  }
}

export interface TruncationSweepOptions {
  generator: GanGenerator;
  /** Thresholds, one column each. Default [Infinity, 2, 1, 0.5, 0.25]. */
  truncations?: number[];
  /** Number of base latents (rows). Default 4. */
  rows?: number;
  /** Class of each row (number or one per row); omitted: drawn per row (conditional generators). */
  labels?: LabelsInput;
  rng: Generator;
}

/**
 * The truncation trick's trade-off on screen: per row one base draw z ~ N(0, I), mapped to
 * each threshold by the monotone transform of {@link truncateValues} (so a row changes
 * continuously). Returns `[rows · truncations.length, H, W, C]` in [0, 1], row-major.
 */
export function truncationSweep(options: TruncationSweepOptions): tf.Tensor4D {
  const { generator, truncations = [Infinity, 2, 1, 0.5, 0.25], rows = 4, labels, rng } = options ?? ({} as TruncationSweepOptions);
  checkGenerator(generator);
  checkPositiveInteger('rows', rows);
  if (!Array.isArray(truncations) || truncations.length === 0) {
    throw new InvalidArgumentError('truncations', truncations, 'must be a non-empty array of thresholds > 0');
  }
  truncations.forEach((value) => checkTruncation(value));
  checkRng(rng);
  const rowLabels = resolveLabels(generator, rows, labels, rng);
  const dim = generator.latentDim;
  const base = rng.normalArray(rows * dim);
  const columns = truncations.length;
  const values = new Float32Array(rows * columns * dim);
  truncations.forEach((threshold, c) => {
    const truncated = truncateValues(base, threshold);
    for (let r = 0; r < rows; r++) values.set(truncated.subarray(r * dim, (r + 1) * dim), (r * columns + c) * dim);
  });
  const latents = tf.tensor2d(values, [rows * columns, dim]);
  const frameLabels = rowLabels ? Int32Array.from({ length: rows * columns }, (_, i) => rowLabels[Math.floor(i / columns)]) : null;
  try {
    return renderLatents(generator, latents, frameLabels);
  } finally {
    latents.dispose();
  }
}
