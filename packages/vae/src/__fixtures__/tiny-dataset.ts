// A tiny in-memory ImageDataset for training tests (browser-safe): 8×8 grey blobs whose
// position depends on the label, values in [0, 1].
import type { ImageDataset } from '@gen/core';

export function tinyDataset(size = 32, side = 8): ImageDataset {
  const images = new Float32Array(size * side * side);
  const labels = new Int32Array(size);
  for (let n = 0; n < size; n++) {
    const label = n % 2;
    labels[n] = label;
    const cx = label === 0 ? 2 + (n % 3) : 5 - (n % 3);
    const cy = 2 + ((n >> 1) % 4);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        images[n * side * side + y * side + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 3);
      }
    }
  }
  return { name: 'tiny', images, labels, size, height: side, width: side, channels: 1, classNames: ['left', 'right'], skipped: 0 };
}

/** An in-memory tf.io handler (save, then load). */
export { memoryIOHandler as memoryHandler } from '@gen/core/testing';
