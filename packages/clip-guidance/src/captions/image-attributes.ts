// Attributes measured from the pixels of one grayscale image: stroke width (ink / half the
// ink boundary), size (bounding box), slant (second-moment shear) and position (centroid).
import { InvalidArgumentError } from '@gen/core';

/** Pixels at or above this value count as ink for the mask-based measures (stroke width, bounding box). */
export const INK_THRESHOLD = 0.5;

/** What {@link measureImage} returns; every length is in pixels. `null` for an image without ink. */
export interface ImageAttributes {
  /**
   * Stroke width: 2·(ink pixels) / (ink-to-background edges, 4-neighbourhood, the border counting as
   * background). A w×L bar gives wL/(w+L) → w for long strokes; a skeleton-free proxy for
   * "ink mass per unit of stroke length".
   */
  strokeWidth: number;
  /** √(bounding-box height · width) of the ink mask. */
  size: number;
  /**
   * −μ₁₁/μ₀₂ of the intensity-weighted central moments (x right, y down): the horizontal shift
   * per pixel of height, positive when the top leans right. A line x = x₀ + s·(y₀ − y) gives s.
   */
  slant: number;
  /** Intensity centroid minus the image centre, x (positive: right of centre). */
  x: number;
  /** Intensity centroid minus the image centre, y (positive: below centre). */
  y: number;
}

/** The attribute names, in the order captions mention them. */
export const ATTRIBUTE_NAMES = ['size', 'strokeWidth', 'slant', 'x', 'y'] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

/**
 * Measures one image stored at `offset` of `pixels` (`height·width·channels` values in [0, 1],
 * channels last; channels are averaged). Returns `null` when no pixel reaches {@link INK_THRESHOLD}.
 */
export function measureImage(
  pixels: Float32Array,
  height: number,
  width: number,
  channels = 1,
  offset = 0,
): ImageAttributes | null {
  if (!(pixels instanceof Float32Array)) throw new InvalidArgumentError('pixels', pixels, 'must be a Float32Array');
  for (const [name, value] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(name, value, 'must be a positive integer');
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + height * width * channels > pixels.length) {
    throw new InvalidArgumentError('offset', offset, `must leave ${height * width * channels} values inside pixels (length ${pixels.length})`);
  }
  const value = (row: number, column: number): number => {
    let sum = 0;
    const base = offset + (row * width + column) * channels;
    for (let c = 0; c < channels; c++) sum += pixels[base + c];
    return sum / channels;
  };
  const ink = (row: number, column: number): boolean =>
    row >= 0 && row < height && column >= 0 && column < width && value(row, column) >= INK_THRESHOLD;

  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  let inkCount = 0;
  let edges = 0;
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const p = value(row, column);
      mass += p;
      sumX += p * column;
      sumY += p * row;
      if (p >= INK_THRESHOLD) {
        inkCount++;
        if (!ink(row - 1, column)) edges++;
        if (!ink(row + 1, column)) edges++;
        if (!ink(row, column - 1)) edges++;
        if (!ink(row, column + 1)) edges++;
        top = Math.min(top, row);
        bottom = Math.max(bottom, row);
        left = Math.min(left, column);
        right = Math.max(right, column);
      }
    }
  }
  if (inkCount === 0) return null;
  const cx = sumX / mass;
  const cy = sumY / mass;
  let mu11 = 0;
  let mu02 = 0;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const p = value(row, column);
      mu11 += p * (column - cx) * (row - cy);
      mu02 += p * (row - cy) * (row - cy);
    }
  }
  return {
    strokeWidth: (2 * inkCount) / edges,
    size: Math.sqrt((bottom - top + 1) * (right - left + 1)),
    slant: mu02 > 0 ? -mu11 / mu02 : 0,
    x: cx - (width - 1) / 2,
    y: cy - (height - 1) / 2,
  };
}
