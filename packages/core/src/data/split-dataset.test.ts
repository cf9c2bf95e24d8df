import { classCounts } from './image-dataset';
import { largestRemainder, splitDataset } from './split-dataset';
import { FakeGenerator, syntheticDataset } from './__fixtures__/fake-generator';

describe('splitDataset', () => {
  const dataset = syntheticDataset(103, { classes: 4 });

  it('makes disjoint splits that together hold every image once', () => {
    const { train, test, trainIndices, testIndices } = splitDataset(dataset, { testFraction: 0.2, seed: 7 });
    expect(test.size).toBe(21); // round(0.2 · 103)
    expect(train.size).toBe(82);
    const all = [...trainIndices, ...testIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(new Set(testIndices).size).toBe(21);
    // The split datasets hold exactly the images at those indices (pixel 0 = index / size).
    testIndices.forEach((index, k) => expect(test.images[k * 12]).toBeCloseTo(index / 103, 6));
    expect(train.name).toBe('synthetic/train');
    expect(test.name).toBe('synthetic/test');
  });

  it('is stratified: each label gets its largest-remainder share', () => {
    const { test } = splitDataset(dataset, { testSize: 20, seed: 1 });
    const counts = classCounts(dataset); // [26, 26, 26, 25]
    expect(classCounts(test)).toEqual(largestRemainder(counts, 20));
    expect(classCounts(test).reduce((a, b) => a + b)).toBe(20);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = splitDataset(dataset, { testFraction: 0.25, seed: 3 }).testIndices;
    const b = splitDataset(dataset, { testFraction: 0.25, seed: 3 }).testIndices;
    const c = splitDataset(dataset, { testFraction: 0.25, seed: 4 }).testIndices;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('draws from a generator when given one', () => {
    const a = splitDataset(dataset, { testSize: 10, generator: new FakeGenerator(5), stratify: false }).testIndices;
    const b = splitDataset(dataset, { testSize: 10, generator: new FakeGenerator(5), stratify: false }).testIndices;
    expect(a).toEqual(b);
    expect(a).toHaveLength(10);
  });

  it('rejects bad arguments with one-line messages', () => {
    expect(() => splitDataset(dataset, { seed: 1 })).toThrow(
      'options ({}) must give exactly one of testFraction and testSize',
    );
    expect(() => splitDataset(dataset, { testFraction: 0.2, testSize: 3, seed: 1 })).toThrow(
      'options ({"testFraction":0.2,"testSize":3}) must give exactly one of testFraction and testSize',
    );
    expect(() => splitDataset(dataset, { testFraction: 1, seed: 1 })).toThrow('testFraction (1) must be in (0, 1)');
    expect(() => splitDataset(dataset, { testSize: 103, seed: 1 })).toThrow(
      'testSize (103) must leave at least one image in each split of a dataset of 103 images',
    );
    expect(() => splitDataset(dataset, { testSize: 10 })).toThrow('options ({}) must give exactly one of seed and generator');
    expect(() => splitDataset(dataset, { testSize: 10, seed: -1 })).toThrow('seed (-1) must be an integer in [0, 2^32)');
  });
});

describe('largestRemainder', () => {
  it('gives proportional integer quotas that sum to the total', () => {
    expect(largestRemainder([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 2000)).toEqual([
      200, 225, 198, 206, 196, 173, 203, 214, 189, 196,
    ]);
    expect(largestRemainder([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(largestRemainder([0, 0], 0)).toEqual([0, 0]);
  });
});
