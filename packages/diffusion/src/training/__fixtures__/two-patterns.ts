// A tiny synthetic dataset for training tests: 8×8 grey images of two fixed patterns
// (class 0: the left half lit, class 1: the top half lit), values in {0, 1}.
import type { ImageDataset } from '@gen/core';

export const PATTERN_SIZE = 8;

/** Pattern `label` as 64 values in [0, 1]. */
export function pattern(label: 0 | 1): Float32Array {
  const values = new Float32Array(PATTERN_SIZE * PATTERN_SIZE);
  for (let y = 0; y < PATTERN_SIZE; y++) {
    for (let x = 0; x < PATTERN_SIZE; x++) {
      values[y * PATTERN_SIZE + x] = (label === 0 ? x < PATTERN_SIZE / 2 : y < PATTERN_SIZE / 2) ? 1 : 0;
    }
  }
  return values;
}

/** `size` images alternating between the two patterns, labelled 0 and 1. */
export function twoPatternDataset(size = 64): ImageDataset {
  const imageSize = PATTERN_SIZE * PATTERN_SIZE;
  const images = new Float32Array(size * imageSize);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    labels[i] = i % 2;
    images.set(pattern((i % 2) as 0 | 1), i * imageSize);
  }
  return { name: 'two-patterns', images, labels, size, height: PATTERN_SIZE, width: PATTERN_SIZE, channels: 1, classNames: ['left', 'top'], skipped: 0 };
}
