import * as tf from '@tensorflow/tfjs-core';
import { countLeakedTensors, describeWithBackends } from '@gen/core/testing';
import { Generator } from '../random';
import { DataLoader, batches } from './data-loader';
import { syntheticDataset } from './__fixtures__/fake-generator';

describeWithBackends('DataLoader', () => {
  const dataset = syntheticDataset(10); // image i: pixel 0 = i/10, the rest (i % 10)/10; label i % 3

  it('yields [B, H, W, C] float32 images and int32 labels covering every image once per epoch', async () => {
    const loader = new DataLoader(dataset, { batchSize: 4, generator: new Generator(1) });
    expect(loader.batchesPerEpoch).toBe(3);
    const seen: number[] = [];
    for (const batch of loader.epoch(0)) {
      expect(batch.images.dtype).toBe('float32');
      expect(batch.labels.dtype).toBe('int32');
      expect(batch.images.shape).toEqual([batch.indices.length, 4, 3, 1]);
      expect(batch.labels.shape).toEqual([batch.indices.length]);
      const pixels = await batch.images.data();
      const labels = await batch.labels.data();
      batch.indices.forEach((index, k) => {
        expect(pixels[k * 12]).toBeCloseTo(index / 10, 6);
        expect(labels[k]).toBe(index % 3);
      });
      seen.push(...batch.indices);
      tf.dispose([batch.images, batch.labels]);
    }
    expect(seen.length).toBe(10);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('maps values to [-1, 1] as 2x − 1', async () => {
    const loader = new DataLoader(dataset, { batchSize: 10, shuffle: false, range: [-1, 1] });
    const batch = loader.batchAt(0);
    const values = await batch.images.data();
    expect(Math.min(...values)).toBeCloseTo(-1, 6);
    expect(values[3 * 12 + 5]).toBeCloseTo(2 * 0.3 - 1, 6);
    expect(Array.from(batch.indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is a pure function of (seed, step): a resumed run sees the same batches', () => {
    const original = new DataLoader(dataset, { batchSize: 3, generator: new Generator(42), dropLast: true });
    const run: Int32Array[] = [];
    for (let step = 0; step < 9; step++) run.push(original.batchIndices(step));
    // A fresh process resuming at step 5 (mid-epoch 1), and steps visited out of order.
    const resumed = new DataLoader(dataset, { batchSize: 3, generator: new Generator(42), dropLast: true });
    expect(resumed.batchIndices(7)).toEqual(run[7]);
    for (let step = 5; step < 9; step++) expect(resumed.batchIndices(step)).toEqual(run[step]);
    expect(resumed.batchIndices(0)).toEqual(run[0]);
    // Epochs are reshuffled, seeds differ.
    expect(original.epochOrder(1)).not.toEqual(original.epochOrder(0));
    const other = new DataLoader(dataset, { batchSize: 3, generator: new Generator(43), dropLast: true });
    expect(other.epochOrder(0)).not.toEqual(original.epochOrder(0));
  });

  it('resumes augmented, dynamically binarized batches bit for bit', async () => {
    const options = {
      batchSize: 4,
      range: [-1, 1] as const,
      augment: { maxShift: 1, horizontalFlip: true },
      binarize: 'dynamic' as const,
    };
    const a = new DataLoader(dataset, { ...options, generator: new Generator(9) });
    const b = new DataLoader(dataset, { ...options, generator: new Generator(9) });
    for (const step of [4, 1]) {
      const first = a.batchAt(step);
      const second = b.batchAt(step);
      expect(Array.from(await second.images.data())).toEqual(Array.from(await first.images.data()));
      expect(new Set(await first.images.data())).toEqual(new Set([-1, 1]));
    }
  });

  it('dropLast and batch counts', () => {
    const keep = new DataLoader(dataset, { batchSize: 4, shuffle: false });
    const drop = new DataLoader(dataset, { batchSize: 4, shuffle: false, dropLast: true });
    expect(keep.batchesPerEpoch).toBe(3);
    expect(drop.batchesPerEpoch).toBe(2);
    expect(keep.batchIndices(2)).toEqual(Int32Array.from([8, 9]));
    expect(drop.locate(2)).toEqual({ epoch: 1, batchInEpoch: 0 });
    expect(drop.batchIndices(2)).toEqual(Int32Array.from([0, 1, 2, 3]));
    expect([...batches(dataset, { batchSize: 4, shuffle: false, epoch: 3 })].map((batch) => batch.step)).toEqual([9, 10, 11]);
  });

  it('leaks no tensors across a loop of batches', async () => {
    const loader = new DataLoader(dataset, {
      batchSize: 3,
      generator: new Generator(0),
      augment: { maxShift: 1 },
      binarize: 'dynamic',
    });
    const leaked = await countLeakedTensors(async () => {
      for (const batch of loader.steps(0, 8)) {
        await batch.images.data();
        tf.dispose(batch as unknown as tf.TensorContainer);
      }
    });
    expect(leaked).toBe(0);
  });

  it('rejects bad arguments with one-line messages', () => {
    const generator = new Generator(0);
    expect(() => new DataLoader(dataset, { batchSize: 0, generator })).toThrow('batchSize (0) must be a positive integer');
    expect(() => new DataLoader(dataset, { batchSize: 11, generator, dropLast: true })).toThrow(
      'batchSize (11) must not exceed the dataset size (10) when dropLast is true',
    );
    expect(() => new DataLoader(dataset, { batchSize: 2 })).toThrow(
      'generator (undefined) is required when shuffle, augment or dynamic binarization is on (pass a Generator from @gen/core)',
    );
    expect(() => new DataLoader(dataset, { batchSize: 2, generator, range: [0, 255] as never })).toThrow(
      'range ([0, 255]) must be [0, 1] or [-1, 1]',
    );
    expect(() => new DataLoader(dataset, { batchSize: 2, generator, binarize: 'yes' as never })).toThrow(
      `binarize ("yes") must be false, 'threshold' or 'dynamic'`,
    );
    expect(() => new DataLoader({ ...dataset, size: 0 }, { batchSize: 2, generator })).toThrow('dataset.size (0) must be at least 1');
    expect(() => new DataLoader(dataset, { batchSize: 2, generator }).batchAt(-1)).toThrow('step (-1) must be a non-negative integer');
  });
});
