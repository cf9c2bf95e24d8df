// Test helpers shared by the external-CLIP tests (browser-safe: no node: modules).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';

/** `n` 28×28 grey images, each bright (with texture) in one quadrant (image i: quadrant i % 4), dim elsewhere. */
export function quadrantImages(n: number, seed = 0): tf.Tensor4D {
  const noise = new Generator(seed).uniformArray(n * 28 * 28);
  const data = new Float32Array(n * 28 * 28);
  for (let i = 0; i < n; i++) {
    const q = i % 4;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const inside = (r < 14) === (q < 2) && (c < 14) === (q % 2 === 0);
        data[(i * 28 + r) * 28 + c] = inside ? 0.7 + 0.3 * noise[(i * 28 + r) * 28 + c] : 0.1 * noise[(i * 28 + r) * 28 + c];
      }
    }
  }
  return tf.tensor4d(data, [n, 28, 28, 1]);
}

export function oneLine(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error');
}

export async function oneLineAsync(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error');
}
