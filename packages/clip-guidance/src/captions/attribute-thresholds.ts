// Dataset quantiles that turn measured attributes into words: below the `low` quantile an
// image is thin / small / left-slanted / left / top, above the `high` quantile bold / large /
// right-slanted / right / bottom, and in between the attribute is not mentioned.
import { InvalidArgumentError, type ImageDataset } from '@gen/core';
import { ATTRIBUTE_NAMES, measureImage, type AttributeName, type ImageAttributes } from './image-attributes';

/** Per attribute, the values at the `low` and `high` quantiles of a dataset. */
export type AttributeThresholds = Record<AttributeName, { low: number; high: number }>;

export interface AttributeThresholdOptions {
  /** Quantile below which the low word applies (default 0.2). */
  low?: number;
  /** Quantile above which the high word applies (default 0.8). */
  high?: number;
}

/** Measures every image of a dataset (`null` where an image has no ink). */
export function measureDataset(dataset: ImageDataset): Array<ImageAttributes | null> {
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const out: Array<ImageAttributes | null> = new Array(dataset.size);
  for (let i = 0; i < dataset.size; i++) out[i] = measureImage(dataset.images, dataset.height, dataset.width, dataset.channels, i * imageSize);
  return out;
}

/** The `q`-quantile of sorted values, linearly interpolated (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new InvalidArgumentError('values', [], 'must not be empty');
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** The low and high quantiles of every attribute over the measured images (images without ink are ignored). */
export function attributeThresholds(
  measured: ReadonlyArray<ImageAttributes | null>,
  options: AttributeThresholdOptions = {},
): AttributeThresholds {
  const { low = 0.2, high = 0.8 } = options;
  if (!(typeof low === 'number' && low > 0 && low < 0.5)) throw new InvalidArgumentError('low', low, 'must be a quantile in (0, 0.5)');
  if (!(typeof high === 'number' && high > 0.5 && high < 1)) throw new InvalidArgumentError('high', high, 'must be a quantile in (0.5, 1)');
  const present = measured.filter((a): a is ImageAttributes => a !== null);
  if (present.length === 0) throw new InvalidArgumentError('measured', measured.length, 'must contain at least one image with ink');
  const out = {} as AttributeThresholds;
  for (const name of ATTRIBUTE_NAMES) {
    const sorted = Float64Array.from(present, (a) => a[name]).sort();
    out[name] = { low: quantile(sorted, low), high: quantile(sorted, high) };
  }
  return out;
}

/** Which end of each attribute's range an image is at; absent where it is in the middle. */
export interface AttributeClasses {
  size?: 'small' | 'large';
  weight?: 'thin' | 'bold';
  /** Left needs slant below the low quantile and below 0; right above the high quantile and above 0. */
  slant?: 'left' | 'right';
  horizontal?: 'left' | 'right';
  vertical?: 'top' | 'bottom';
}

/** Classifies measured attributes against dataset thresholds (values at a threshold are in the middle). */
export function classifyAttributes(attributes: ImageAttributes | null, thresholds: AttributeThresholds): AttributeClasses {
  if (attributes === null) return {};
  const side = <L, H>(name: AttributeName, lowWord: L, highWord: H): L | H | undefined => {
    const value = attributes[name];
    if (value < thresholds[name].low) return lowWord;
    if (value > thresholds[name].high) return highWord;
    return undefined;
  };
  const out: AttributeClasses = {};
  const size = side('size', 'small' as const, 'large' as const);
  if (size) out.size = size;
  const weight = side('strokeWidth', 'thin' as const, 'bold' as const);
  if (weight) out.weight = weight;
  const slant = side('slant', 'left' as const, 'right' as const);
  if ((slant === 'left' && attributes.slant < 0) || (slant === 'right' && attributes.slant > 0)) out.slant = slant;
  const horizontal = side('x', 'left' as const, 'right' as const);
  if (horizontal) out.horizontal = horizontal;
  const vertical = side('y', 'top' as const, 'bottom' as const);
  if (vertical) out.vertical = vertical;
  return out;
}
