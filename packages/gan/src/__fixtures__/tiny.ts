// Tiny models and a synthetic dataset for tests (browser-safe).
import type { ImageDataset } from '@gen/core';
import { Generator } from '@gen/core';
import { ganConfig, type GanArchitecture } from '../presets';
import type { GanConfig } from '../types';

export const TINY = { height: 8, width: 8, channels: 1 } as const;

/** A named architecture at 8×8×1 with a few channels (G: 2×2 → 4×4 → 8×8; D: 8 → 4 → 2). */
export function tinyConfig(architecture: GanArchitecture, numClasses = 0): GanConfig {
  return ganConfig({
    ...TINY,
    architecture,
    numClasses,
    latentDim: architecture === 'biggan' ? 12 : 8,
    generatorWidths: [16, 8, 4],
    discriminatorWidths: [4, 8],
  });
}

/**
 * 8×8 images of one Gaussian blob (σ = 0.9 px) each, centred in the quadrant of its class
 * (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) with ±0.5 px jitter, on a zero
 * background: what a conditional generator must learn is where to put the blob.
 */
export function blobDataset(size: number, seed = 0, numClasses = 4): ImageDataset {
  const rng = new Generator(seed);
  const u = rng.uniformArray(3 * size);
  const images = new Float32Array(size * 64);
  const labels = new Int32Array(size);
  for (let n = 0; n < size; n++) {
    const label = Math.min(numClasses - 1, Math.floor(u[3 * n] * numClasses));
    labels[n] = label;
    const cy = (label >= 2 ? 5.5 : 1.5) + (u[3 * n + 1] - 0.5);
    const cx = (label % 2 === 1 ? 5.5 : 1.5) + (u[3 * n + 2] - 0.5);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        images[n * 64 + i * 8 + j] = Math.exp(-((i - cy) ** 2 + (j - cx) ** 2) / (2 * 0.9 * 0.9));
      }
    }
  }
  return {
    name: 'blobs',
    images,
    labels,
    size,
    height: 8,
    width: 8,
    channels: 1,
    classNames: Array.from({ length: numClasses }, (_, k) => `quadrant ${k}`),
    skipped: 0,
  };
}

/** Centre of mass (row, column) of each 8×8 image of `values` (values ≥ 0). */
export function centresOfMass(values: Float32Array | Int32Array | Uint8Array, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let n = 0; n < count; n++) {
    let total = 0;
    let row = 0;
    let column = 0;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const v = values[n * 64 + i * 8 + j];
        total += v;
        row += v * i;
        column += v * j;
      }
    }
    out.push(total > 0 ? [row / total, column / total] : [3.5, 3.5]);
  }
  return out;
}

/** The quadrant (0–3) a centre of mass lies in. */
export function quadrantOf([row, column]: [number, number]): number {
  return (row >= 3.5 ? 2 : 0) + (column >= 3.5 ? 1 : 0);
}
