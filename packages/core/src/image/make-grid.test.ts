import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { gridLayout, makeGrid } from './make-grid';

describe('gridLayout', () => {
  it('computes rows, columns, size and cell origins', () => {
    const layout = gridLayout(10, 28, 28, { columns: 4, padding: 2 });
    expect([layout.rows, layout.columns]).toEqual([3, 4]);
    expect([layout.height, layout.width]).toEqual([3 * 30 + 2, 4 * 30 + 2]);
    expect(layout.cellOrigin(0)).toEqual([2, 2]);
    expect(layout.cellOrigin(5)).toEqual([32, 32]);
    expect(layout.cellOrigin(9)).toEqual([62, 32]);
    expect(gridLayout(10, 5, 5).columns).toBe(4); // ceil(sqrt(10))
    expect(gridLayout(3, 5, 5, { columns: 8 }).columns).toBe(3); // one row of N
  });

  it('rejects bad options', () => {
    expect(() => gridLayout(4, 2, 2, { columns: 0 })).toThrow('columns (0) must be a positive integer');
    expect(() => gridLayout(4, 2, 2, { padding: -1 })).toThrow('padding (-1) must be a non-negative integer');
    expect(() => gridLayout(0, 2, 2)).toThrow('images (0) must hold at least one image');
  });
});

describeWithBackends('makeGrid', () => {
  it('places image k at its cell origin and pads with padValue', async () => {
    const [n, h, w, c] = [5, 2, 3, 2];
    // Image k, pixel (i, j), channel ch holds 100k + 10i + j + ch/2: every value identifies its source.
    const values: number[] = [];
    for (let k = 0; k < n; k++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let ch = 0; ch < c; ch++) values.push(100 * k + 10 * i + j + ch / 2);
    const images = tf.tensor4d(values, [n, h, w, c]);
    const options = { columns: 3, padding: 1, padValue: -1 };
    const grid = makeGrid(images, options);
    const layout = gridLayout(n, h, w, options);
    expect(grid.shape).toEqual([layout.height, layout.width, c]);
    expect(grid.shape).toEqual([2 * 3 + 1, 3 * 4 + 1, 2]);
    const pixels = (await grid.array()) as number[][][];
    const expected = Array.from({ length: layout.height }, () => Array.from({ length: layout.width }, () => [-1, -1]));
    for (let k = 0; k < n; k++) {
      const [y, x] = layout.cellOrigin(k);
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) expected[y + i][x + j] = [0, 1].map((ch) => 100 * k + 10 * i + j + ch / 2);
    }
    expect(pixels).toEqual(expected); // includes the blank sixth cell and every padding pixel
  });

  it('handles padding 0 and a single image', async () => {
    const grid = makeGrid(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, { padding: 0 });
    expect(grid.shape).toEqual([2, 2, 1]);
    expect(Array.from(await grid.data())).toEqual([1, 1, 1, 1]);
  });

  it('rejects non-batches', () => {
    expect(() => makeGrid(tf.zeros([2, 2, 1]) as never)).toThrow(
      'images (Tensor<float32>[2, 2, 1]) must be a rank-4 tensor [count, height, width, channels]',
    );
  });
});
