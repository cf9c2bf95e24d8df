import { ImageDatasetBuilder, classCounts, subset } from './image-dataset';
import { syntheticDataset } from './__fixtures__/fake-generator';

describe('ImageDatasetBuilder', () => {
  const options = { name: 't', height: 2, width: 2, channels: 1, classNames: ['a', 'b'] };

  it('keeps well-formed records and counts each kind of malformed record as skipped', () => {
    const builder = new ImageDatasetBuilder({ ...options, pixelMax: 255, capacity: 1 });
    expect(builder.add([0, 51, 102, 255], 1)).toBe(0);
    expect(builder.add([0, 1, 2], 0)).toBe(-1); // wrong pixel count
    expect(builder.add([0, 1, 2, 3, 4], 0)).toBe(-1); // wrong pixel count
    expect(builder.add([0, Number.NaN, 2, 3], 0)).toBe(-1); // NaN
    expect(builder.add([0, 1, 2, 256], 0)).toBe(-1); // out of range
    expect(builder.add([0, -1, 2, 3], 0)).toBe(-1); // negative
    expect(builder.add([0, '1', 2, 3], 0)).toBe(-1); // not a number
    expect(builder.add([0, null, 2, 3], 0)).toBe(-1); // null
    expect(builder.add([0, 1, 2, 3], 2)).toBe(-1); // label out of range
    expect(builder.add([0, 1, 2, 3], -1)).toBe(-1); // label out of range
    expect(builder.add([0, 1, 2, 3], 0.5)).toBe(-1); // non-integer label
    expect(builder.add([0, 1, 2, 3], Number.NaN)).toBe(-1); // NaN label
    expect(builder.add('pixels', 0)).toBe(-1); // not an array
    expect(builder.add([], 0)).toBe(-1); // empty record (the fashion-mnist package has two)
    expect(builder.add(new Uint8Array([255, 0, 0, 255]), 0)).toBe(1); // typed arrays work, buffer grows
    const dataset = builder.build();
    expect(dataset.size).toBe(2);
    expect(dataset.skipped).toBe(13);
    expect(Array.from(dataset.labels)).toEqual([1, 0]);
    expect(dataset.images).toEqual(Float32Array.from([0, 0.2, 0.4, 1, 1, 0, 0, 1]));
    expect(dataset.images.length).toBe(dataset.size * 4);
  });

  it('reads images out of one flat array with addRange', () => {
    const builder = new ImageDatasetBuilder(options);
    const flat = [0, 0.5, 1, 0.25, 1, 1, Number.NaN, 0, 0.1, 0.2, 0.3, 0.4];
    expect(builder.addRange(flat, 0, 0)).toBe(0);
    expect(builder.addRange(flat, 4, 1)).toBe(-1);
    expect(builder.addRange(flat, 8, 1)).toBe(1);
    expect(builder.addRange(flat, 10, 1)).toBe(-1); // runs past the end
    const dataset = builder.build();
    expect(dataset.size).toBe(2);
    expect(dataset.skipped).toBe(2);
    expect(Array.from(dataset.images)).toEqual(Array.from(new Float32Array([0, 0.5, 1, 0.25, 0.1, 0.2, 0.3, 0.4])));
  });

  it('rejects bad shapes with one-line messages', () => {
    expect(() => new ImageDatasetBuilder({ ...options, height: 0 })).toThrow('height (0) must be a positive integer');
    expect(() => new ImageDatasetBuilder({ ...options, pixelMax: 0 })).toThrow('pixelMax (0) must be a positive number');
  });
});

describe('subset', () => {
  it('copies the images and labels at the indices, in order, repeats allowed', () => {
    const dataset = syntheticDataset(10);
    const picked = subset(dataset, [7, 2, 2]);
    expect(picked.size).toBe(3);
    expect(Array.from(picked.labels)).toEqual([1, 2, 2]);
    expect(picked.images.subarray(0, 12)).toEqual(dataset.images.subarray(7 * 12, 8 * 12));
    expect(picked.images.subarray(24, 36)).toEqual(dataset.images.subarray(2 * 12, 3 * 12));
    picked.images[0] = 42;
    expect(dataset.images[7 * 12]).not.toBe(42);
  });

  it('rejects indices outside the dataset', () => {
    const dataset = syntheticDataset(10);
    expect(() => subset(dataset, [0, 10])).toThrow('indices[1] (10) must be an integer in [0, 10)');
    expect(() => subset(dataset, [1.5])).toThrow('indices[0] (1.5) must be an integer in [0, 10)');
  });

  it('classCounts counts labels', () => {
    expect(classCounts(syntheticDataset(10))).toEqual([4, 3, 3]);
  });
});
