import { InvalidArgumentError } from '../errors';

/**
 * A labelled image dataset held in memory as flat typed arrays (channels last).
 * Produced by the loaders (`loadMnist`, `loadFashionMnist`, `loadPngFolder` in
 * @gen/core/node) and consumed by `DataLoader`, `splitDataset` and `subset`.
 */
export interface ImageDataset {
  /** Where the images came from, e.g. `'mnist/train'`. */
  name: string;
  /** `size · height · width · channels` values in [0, 1], image-major, channels last (NHWC). */
  images: Float32Array;
  /** One label per image, in `[0, classNames.length)`. */
  labels: Int32Array;
  /** Number of images. */
  size: number;
  height: number;
  width: number;
  channels: number;
  /** `classNames[label]` names a label. */
  classNames: string[];
  /** Malformed source records dropped while loading (wrong pixel count, NaN, out-of-range values or labels). */
  skipped: number;
}

export interface ImageDatasetBuilderOptions {
  name: string;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  /** Largest valid raw pixel value: 1 for data already in [0, 1], 255 for bytes. Values are divided by it. */
  pixelMax?: number;
  /** Expected number of images (sizes the first allocation; the builder grows as needed). */
  capacity?: number;
}

/**
 * Validates and packs raw records into an `ImageDataset`. A record is kept only when it
 * has exactly `height·width·channels` values, each a number in `[0, pixelMax]`, and an
 * integer label in `[0, classNames.length)`; anything else is counted in `skipped`.
 */
export class ImageDatasetBuilder {
  readonly imageSize: number;
  private readonly options: Required<ImageDatasetBuilderOptions>;
  private images: Float32Array;
  private labels: Int32Array;
  private count = 0;
  private skippedCount = 0;

  constructor(options: ImageDatasetBuilderOptions) {
    const { pixelMax = 1, capacity = 1024 } = options;
    for (const key of ['height', 'width', 'channels'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) {
        throw new InvalidArgumentError(key, options[key], 'must be a positive integer');
      }
    }
    if (!(pixelMax > 0)) throw new InvalidArgumentError('pixelMax', pixelMax, 'must be a positive number');
    this.options = { ...options, pixelMax, capacity };
    this.imageSize = options.height * options.width * options.channels;
    this.images = new Float32Array(Math.max(1, capacity) * this.imageSize);
    this.labels = new Int32Array(Math.max(1, capacity));
  }

  /** Images accepted so far. */
  get size(): number {
    return this.count;
  }

  /** Records rejected so far. */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Counts a record that could not even be read (e.g. an undecodable file) as skipped. */
  skip(): void {
    this.skippedCount++;
  }

  /**
   * Adds `pixels` (an array of `imageSize` values) with `label`. Returns the new image's
   * index, or -1 when the record is malformed (and counted as skipped).
   */
  add(pixels: unknown, label: unknown): number {
    if (!isArrayLike(pixels) || pixels.length !== this.imageSize) {
      this.skippedCount++;
      return -1;
    }
    return this.addRange(pixels, 0, label);
  }

  /**
   * Adds the `imageSize` values of `source` starting at `offset` (for datasets stored as
   * one flat array). Returns the new index, or -1 when malformed (counted as skipped).
   */
  addRange(source: ArrayLike<unknown>, offset: number, label: unknown): number {
    const { imageSize } = this;
    const { pixelMax, classNames } = this.options;
    if (
      typeof label !== 'number' ||
      !Number.isInteger(label) ||
      label < 0 ||
      label >= classNames.length ||
      offset < 0 ||
      offset + imageSize > source.length
    ) {
      this.skippedCount++;
      return -1;
    }
    this.ensureCapacity(this.count + 1);
    const base = this.count * imageSize;
    const images = this.images;
    for (let i = 0; i < imageSize; i++) {
      const value = source[offset + i];
      // `!(value >= 0 && value <= pixelMax)` also rejects NaN; typeof rejects strings, null, arrays.
      if (typeof value !== 'number' || !(value >= 0 && value <= pixelMax)) {
        this.skippedCount++;
        return -1;
      }
      images[base + i] = pixelMax === 1 ? value : value / pixelMax;
    }
    this.labels[this.count] = label;
    return this.count++;
  }

  /** Forgets everything added after the builder had `size` images and `skipped` rejects (undoes a partial read). */
  rollback(size: number, skipped: number): void {
    if (size > this.count || skipped > this.skippedCount) throw new Error('rollback can only go back');
    this.count = size;
    this.skippedCount = skipped;
  }

  /** The finished dataset (arrays trimmed to size). The builder must not be used afterwards. */
  build(): ImageDataset {
    const { name, height, width, channels, classNames } = this.options;
    return {
      name,
      images: this.images.slice(0, this.count * this.imageSize),
      labels: this.labels.slice(0, this.count),
      size: this.count,
      height,
      width,
      channels,
      classNames: [...classNames],
      skipped: this.skippedCount,
    };
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.labels.length) return;
    const capacity = Math.max(needed, this.labels.length * 2);
    const images = new Float32Array(capacity * this.imageSize);
    images.set(this.images);
    const labels = new Int32Array(capacity);
    labels.set(this.labels);
    this.images = images;
    this.labels = labels;
  }
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView))
  );
}

/**
 * The images of `dataset` at `indices`, in that order (copied). Indices must be integers
 * in `[0, dataset.size)`; repeats are allowed.
 */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>, options: { name?: string } = {}): ImageDataset {
  const { name = dataset.name } = options;
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const images = new Float32Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    if (!Number.isInteger(index) || index < 0 || index >= dataset.size) {
      throw new InvalidArgumentError(`indices[${k}]`, index, `must be an integer in [0, ${dataset.size})`);
    }
    images.set(dataset.images.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
    labels[k] = dataset.labels[index];
  }
  return {
    name,
    images,
    labels,
    size: indices.length,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: [...dataset.classNames],
    skipped: dataset.skipped,
  };
}

/** Number of images of each label: `counts[label]`. */
export function classCounts(dataset: Pick<ImageDataset, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (const label of dataset.labels) counts[label]++;
  return counts;
}
