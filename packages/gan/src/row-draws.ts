// The draws of a whole batch, kept for some of its rows: a data-parallel replica that computes
// rows [start, end) of a batch must draw what one thread draws for the whole batch (so its rng
// stream stays where one thread's is) and use row i's share of it (so row i gets the same
// augmentation or interpolation weight with any number of replicas).
import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@gen/core';

/** What DiffAugment (`uniformArray`) and the WGAN-GP penalty (`uniform`) draw from. */
export type RowDraws = Pick<Generator, 'uniformArray' | 'uniform'>;

/**
 * Draws from `rng` for a batch of `total` rows and returns the values of the rows in `rows`
 * (`[start, end)` ranges, in order). A call asks for the kept rows' share: `uniformArray(n)`
 * with n a multiple of the kept row count (n / rows values per row), `uniform(shape)` with
 * shape[0] the kept row count.
 */
export function rowDraws(rng: Generator, total: number, rows: Array<[number, number]>): RowDraws {
  const kept = rows.reduce((sum, [start, end]) => sum + end - start, 0);
  return {
    uniformArray(n: number): Float32Array {
      const perRow = n / kept;
      const all = rng.uniformArray(perRow * total);
      const out = new Float32Array(n);
      let offset = 0;
      for (const [start, end] of rows) {
        out.set(all.subarray(start * perRow, end * perRow), offset);
        offset += (end - start) * perRow;
      }
      return out;
    },
    uniform(shape: number[], range: { low: number; high: number }): tf.Tensor {
      return tf.tidy(() => {
        const all = rng.uniform([total, ...shape.slice(1)], range);
        const begin = (start: number) => [start, ...shape.slice(1).map(() => 0)];
        return tf.concat(rows.map(([start, end]) => tf.slice(all, begin(start), [end - start, ...shape.slice(1)])));
      });
    },
  };
}
