// A tiny counter-based stand-in for `Generator` (packages/core/src/random) used by the
// data tests: deterministic per seed, `fork` a pure function of (seed, label).
import type { GeneratorLike } from '../generator-like';
import { seededKey } from '../seeded-order';

export class FakeGenerator implements GeneratorLike {
  private counter = 0;
  constructor(private readonly seed: number) {}

  uniformArray(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = seededKey(this.seed, 'uniform', this.counter++) / 2 ** 32;
    return out;
  }

  permutation(n: number): Int32Array {
    const keys = this.uniformArray(n);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => keys[a] - keys[b] || a - b);
  }

  fork(label: string): FakeGenerator {
    return new FakeGenerator(seededKey(this.seed, `fork:${label}`, 0));
  }
}

/** A small synthetic dataset: image i is filled with value (i % 10) / 10 except pixel 0 = i / size. */
export function syntheticDataset(size: number, { height = 4, width = 3, channels = 1, classes = 3 } = {}) {
  const imageSize = height * width * channels;
  const images = new Float32Array(size * imageSize);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    images.fill((i % 10) / 10, i * imageSize, (i + 1) * imageSize);
    images[i * imageSize] = i / size;
    labels[i] = i % classes;
  }
  return {
    name: 'synthetic',
    images,
    labels,
    size,
    height,
    width,
    channels,
    classNames: Array.from({ length: classes }, (_, c) => `class ${c}`),
    skipped: 0,
  };
}
