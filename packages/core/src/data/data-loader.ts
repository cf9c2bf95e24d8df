import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { augment as augmentBatch } from './augment';
import type { AugmentOptions } from './augment';
import { binarize as binarizeValues } from './binarize';
import type { BinarizeMode } from './binarize';
import type { GeneratorLike } from './generator-like';
import type { ImageDataset } from './image-dataset';

/** Value range of the batches: [0, 1] as stored, or [-1, 1] (`2x − 1`, what GANs and diffusion models expect). */
export type PixelRange = readonly [0, 1] | readonly [-1, 1];

export interface DataLoaderOptions {
  /** Images per batch (a positive integer). */
  batchSize: number;
  /** Visit the images in a fresh random order each epoch (default true). Needs `generator`. */
  shuffle?: boolean;
  /**
   * Source of all randomness. The loader only ever calls `generator.fork(label)` with
   * labels derived from the epoch or step, so batches are a pure function of
   * (generator seed, step): a run resumed at step s sees exactly the batches it would have.
   */
  generator?: GeneratorLike;
  /** Drop each epoch's last, smaller batch (default false). */
  dropLast?: boolean;
  /** Value range of `images` (default [0, 1]). */
  range?: PixelRange;
  /** Random shifts / flips applied per batch (see `augment`); off by default. */
  augment?: Omit<AugmentOptions, 'generator' | 'padValue'> | false;
  /** Binarize each batch before range mapping: `'threshold'` or `'dynamic'` (fresh Bernoulli draws per step). Off by default. */
  binarize?: BinarizeMode | false;
}

/** One batch. The caller owns the tensors: `tf.dispose(batch)` (or dispose both) when done. */
export interface ImageBatch {
  /** `[B, H, W, C]` float32 in `range`. */
  images: tf.Tensor4D;
  /** `[B]` int32 labels. */
  labels: tf.Tensor1D;
  /** Which dataset images these are. */
  indices: Int32Array;
  /** Global step (batch number since epoch 0). */
  step: number;
  epoch: number;
  /** Batch number within the epoch. */
  batchInEpoch: number;
}

/**
 * Deterministic, resumable batches of an `ImageDataset`.
 *
 * Step s belongs to epoch `floor(s / batchesPerEpoch)`; the epoch's order is
 * `generator.fork('data-loader/epoch/<epoch>').permutation(size)`, and per-step draws
 * (augmentation, dynamic binarization) come from `generator.fork('data-loader/…/step/<s>')`.
 * Nothing depends on which steps were produced before, so `batchAt(s)` after a restart
 * equals what the original run saw at step s.
 *
 * ```ts
 * const loader = new DataLoader(train, { batchSize: 64, generator: new Generator(0), range: [-1, 1] });
 * for (let step = resumeStep; step < totalSteps; step++) {
 *   const batch = loader.batchAt(step);
 *   // ... train on batch.images, batch.labels
 *   tf.dispose([batch.images, batch.labels]);
 * }
 * ```
 */
export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly range: PixelRange;
  /** Batches in one epoch: `floor(size / batchSize)` with `dropLast`, else `ceil(size / batchSize)`. */
  readonly batchesPerEpoch: number;
  private readonly generator: GeneratorLike | undefined;
  private readonly augmentOptions: Omit<AugmentOptions, 'generator' | 'padValue'> | false;
  private readonly binarizeMode: BinarizeMode | false;
  private readonly imageSize: number;
  private cachedEpoch = -1;
  private cachedOrder: Int32Array | undefined;

  constructor(dataset: ImageDataset, options: DataLoaderOptions) {
    const {
      batchSize,
      shuffle = true,
      generator,
      dropLast = false,
      range = [0, 1] as const,
      augment = false,
      binarize = false,
    } = options;
    if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array)) {
      throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (Float32Array images, Int32Array labels)');
    }
    if (!Number.isInteger(dataset.size) || dataset.size < 1) {
      throw new InvalidArgumentError('dataset.size', dataset.size, 'must be at least 1');
    }
    const imageSize = dataset.height * dataset.width * dataset.channels;
    if (dataset.images.length !== dataset.size * imageSize || dataset.labels.length !== dataset.size) {
      throw new InvalidArgumentError(
        'dataset',
        { size: dataset.size, images: dataset.images.length, labels: dataset.labels.length },
        `must hold size·height·width·channels = ${dataset.size * imageSize} values and size labels`,
      );
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidArgumentError('batchSize', batchSize, 'must be a positive integer');
    }
    if (dropLast && batchSize > dataset.size) {
      throw new InvalidArgumentError('batchSize', batchSize, `must not exceed the dataset size (${dataset.size}) when dropLast is true`);
    }
    if (!Array.isArray(range) || range.length !== 2 || range[1] !== 1 || (range[0] !== 0 && range[0] !== -1)) {
      throw new InvalidArgumentError('range', range, 'must be [0, 1] or [-1, 1]');
    }
    if (binarize !== false && binarize !== 'threshold' && binarize !== 'dynamic') {
      throw new InvalidArgumentError('binarize', binarize, "must be false, 'threshold' or 'dynamic'");
    }
    if (!generator && (shuffle || augment || binarize === 'dynamic')) {
      throw new InvalidArgumentError(
        'generator',
        generator,
        'is required when shuffle, augment or dynamic binarization is on (pass a Generator from @gen/core)',
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.range = range;
    this.generator = generator;
    this.augmentOptions = augment;
    this.binarizeMode = binarize;
    this.imageSize = imageSize;
    this.batchesPerEpoch = dropLast ? Math.floor(dataset.size / batchSize) : Math.ceil(dataset.size / batchSize);
  }

  /** The epoch and in-epoch batch number of global step `step`. */
  locate(step: number): { epoch: number; batchInEpoch: number } {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidArgumentError('step', step, 'must be a non-negative integer');
    }
    return { epoch: Math.floor(step / this.batchesPerEpoch), batchInEpoch: step % this.batchesPerEpoch };
  }

  /** The order in which epoch `epoch` visits the dataset (identity when not shuffling). */
  epochOrder(epoch: number): Int32Array {
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      throw new InvalidArgumentError('epoch', epoch, 'must be a non-negative integer');
    }
    if (epoch !== this.cachedEpoch || !this.cachedOrder) {
      const n = this.dataset.size;
      let order: Int32Array;
      if (this.shuffle) {
        order = (this.generator as GeneratorLike).fork(`data-loader/epoch/${epoch}`).permutation(n);
        if (order.length !== n) throw new Error(`generator.permutation(${n}) returned ${order.length} indices`);
      } else {
        order = new Int32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
      }
      this.cachedEpoch = epoch;
      this.cachedOrder = order;
    }
    return this.cachedOrder;
  }

  /** Dataset indices of the batch at global step `step`. */
  batchIndices(step: number): Int32Array {
    const { epoch, batchInEpoch } = this.locate(step);
    const start = batchInEpoch * this.batchSize;
    return this.epochOrder(epoch).slice(start, Math.min(start + this.batchSize, this.dataset.size));
  }

  /** The batch at global step `step` (a pure function of the generator's seed and `step`). */
  batchAt(step: number): ImageBatch {
    const { epoch, batchInEpoch } = this.locate(step);
    const indices = this.batchIndices(step);
    const { imageSize } = this;
    const { images: source, labels: sourceLabels, height, width, channels } = this.dataset;
    const count = indices.length;

    // 1. Gather the images (values in [0, 1]) and labels.
    let values: Float32Array = new Float32Array(count * imageSize);
    const labels = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const index = indices[k];
      values.set(source.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
      labels[k] = sourceLabels[index];
    }
    // 2. Optional binarization (dynamic: fresh draws for this step).
    if (this.binarizeMode) {
      values = binarizeValues(values, {
        mode: this.binarizeMode,
        generator: this.binarizeMode === 'dynamic' ? this.stepGenerator('binarize', step) : undefined,
      });
    }
    // 3. Range mapping: x ↦ 2x − 1 for [-1, 1].
    if (this.range[0] === -1) {
      for (let i = 0; i < values.length; i++) values[i] = 2 * values[i] - 1;
    }
    // 4. Tensors, and the optional augmentation as tensor ops (background = range minimum).
    const images = tf.tidy(() => {
      const batch = tf.tensor4d(values, [count, height, width, channels], 'float32');
      if (!this.augmentOptions) return batch;
      return augmentBatch(batch, {
        ...this.augmentOptions,
        generator: this.stepGenerator('augment', step),
        padValue: this.range[0],
      });
    });
    return { images, labels: tf.tensor1d(labels, 'int32'), indices, step, epoch, batchInEpoch };
  }

  /** The batches of epoch `epoch`, in order. Dispose each batch when done with it. */
  *epoch(epoch: number): IterableIterator<ImageBatch> {
    const first = epoch * this.batchesPerEpoch;
    this.epochOrder(epoch);
    for (let b = 0; b < this.batchesPerEpoch; b++) yield this.batchAt(first + b);
  }

  /** Batches from global step `start` on, crossing epochs; `count` of them (default: endless). */
  *steps(start = 0, count = Infinity): IterableIterator<ImageBatch> {
    this.locate(start);
    for (let step = start; step < start + count; step++) yield this.batchAt(step);
  }

  private stepGenerator(purpose: string, step: number): GeneratorLike {
    return (this.generator as GeneratorLike).fork(`data-loader/${purpose}/step/${step}`);
  }
}

/** One epoch of batches of `dataset`: `new DataLoader(dataset, options).epoch(options.epoch ?? 0)`. */
export function batches(dataset: ImageDataset, options: DataLoaderOptions & { epoch?: number }): IterableIterator<ImageBatch> {
  const { epoch = 0, ...loaderOptions } = options;
  return new DataLoader(dataset, loaderOptions).epoch(epoch);
}
