import { InvalidArgumentError } from '../errors';
import type { GeneratorLike } from './generator-like';
import { subset } from './image-dataset';
import type { ImageDataset } from './image-dataset';
import { seededKey } from './seeded-order';

export interface SplitDatasetOptions {
  /** Share of images in the test split, in (0, 1); the test size is `round(testFraction · size)`. Give this or `testSize`. */
  testFraction?: number;
  /** Exact number of test images, in [1, size). Give this or `testFraction`. */
  testSize?: number;
  /**
   * Integer seed of a frozen hash ordering: the same seed gives the same split in every
   * version of @gen/core and on every platform. Give this or `generator`.
   */
  seed?: number;
  /** Draw the split from a `Generator` instead (one `permutation(size)` call). */
  generator?: GeneratorLike;
  /**
   * Keep each label's share equal in both splits (default true): label c gets
   * `testSize · count_c / size` test images, rounded by largest remainder so they sum to `testSize`.
   */
  stratify?: boolean;
}

export interface DatasetSplit {
  train: ImageDataset;
  test: ImageDataset;
  /** Indices into the input dataset, ascending. */
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/**
 * Splits `dataset` into disjoint train and test parts that together hold every image
 * once. Both keep the input's relative order. Deterministic given `seed` (or the
 * generator's state).
 */
export function splitDataset(dataset: ImageDataset, options: SplitDatasetOptions): DatasetSplit {
  const { testFraction, testSize: testSizeOption, seed, generator, stratify = true } = options;
  const n = dataset.size;
  if ((testFraction === undefined) === (testSizeOption === undefined)) {
    throw new InvalidArgumentError(
      'options',
      { testFraction, testSize: testSizeOption },
      'must give exactly one of testFraction and testSize',
    );
  }
  if (testFraction !== undefined && !(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError('testFraction', testFraction, 'must be in (0, 1)');
  }
  const testSize = testSizeOption ?? Math.round((testFraction as number) * n);
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= n) {
    throw new InvalidArgumentError(
      testSizeOption !== undefined ? 'testSize' : 'testFraction',
      testSizeOption ?? testFraction,
      `must leave at least one image in each split of a dataset of ${n} images`,
    );
  }
  if ((seed === undefined) === (generator === undefined)) {
    throw new InvalidArgumentError('options', { seed, generator: generator ? 'Generator' : undefined }, 'must give exactly one of seed and generator');
  }
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
    throw new InvalidArgumentError('seed', seed, 'must be an integer in [0, 2^32)');
  }

  // 1. A random rank for every image: frozen hash of (seed, index), or the generator's permutation.
  const rank = new Float64Array(n);
  if (generator) {
    const permutation = generator.permutation(n);
    for (let position = 0; position < n; position++) rank[permutation[position]] = position;
  } else {
    for (let i = 0; i < n; i++) rank[i] = seededKey(seed as number, 'splitDataset', i);
  }

  // 2. How many test images each group gets (one group unless stratified).
  const groupOf = (i: number): number => (stratify ? dataset.labels[i] : 0);
  const groups = stratify ? dataset.classNames.length : 1;
  const counts = new Array<number>(groups).fill(0);
  for (let i = 0; i < n; i++) counts[groupOf(i)]++;
  const quotas = largestRemainder(counts, testSize);

  // 3. Within each group the lowest-ranked images go to test.
  const byRank = Array.from({ length: n }, (_, i) => i).sort((a, b) => rank[a] - rank[b] || a - b);
  const isTest = new Uint8Array(n);
  const taken = new Array<number>(groups).fill(0);
  for (const i of byRank) {
    const group = groupOf(i);
    if (taken[group] < quotas[group]) {
      isTest[i] = 1;
      taken[group]++;
    }
  }
  const testIndices = new Int32Array(testSize);
  const trainIndices = new Int32Array(n - testSize);
  for (let i = 0, t = 0, r = 0; i < n; i++) {
    if (isTest[i]) testIndices[t++] = i;
    else trainIndices[r++] = i;
  }
  return {
    train: subset(dataset, trainIndices, { name: `${dataset.name}/train` }),
    test: subset(dataset, testIndices, { name: `${dataset.name}/test` }),
    trainIndices,
    testIndices,
  };
}

/** Integer quotas proportional to `counts` that sum to `total` (Hamilton's largest-remainder method; ties to the lower index). */
export function largestRemainder(counts: number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (total * c) / sum);
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (left === 0) break;
    quotas[index]++;
    left--;
  }
  return quotas;
}
