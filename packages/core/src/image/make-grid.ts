import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

export interface GridOptions {
  /** Images per row; default `ceil(sqrt(N))`. A value above N gives one row of N (as torchvision's make_grid). */
  columns?: number;
  /** Pixels between images and around the border (default 2). */
  padding?: number;
  /** Value of the padding and of empty cells (default 0). */
  padValue?: number;
}

/** Where `makeGrid` puts things. */
export interface GridLayout {
  rows: number;
  columns: number;
  /** Grid size: `rows·(H + padding) + padding` by `columns·(W + padding) + padding`. */
  height: number;
  width: number;
  /** Top-left pixel of image k: `[padding + row·(H + padding), padding + column·(W + padding)]`, row-major. */
  cellOrigin(index: number): [number, number];
}

/** The layout `makeGrid` uses for `count` images of `imageHeight × imageWidth`. */
export function gridLayout(count: number, imageHeight: number, imageWidth: number, options: GridOptions = {}): GridLayout {
  const { padding = 2 } = options;
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('images', count, 'must hold at least one image');
  const requested = options.columns ?? Math.ceil(Math.sqrt(count));
  if (!Number.isInteger(requested) || requested < 1) {
    throw new InvalidArgumentError('columns', options.columns, 'must be a positive integer');
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new InvalidArgumentError('padding', padding, 'must be a non-negative integer');
  }
  const columns = Math.min(requested, count);
  const rows = Math.ceil(count / columns);
  return {
    rows,
    columns,
    height: rows * (imageHeight + padding) + padding,
    width: columns * (imageWidth + padding) + padding,
    cellOrigin: (index) => [
      padding + Math.floor(index / columns) * (imageHeight + padding),
      padding + (index % columns) * (imageWidth + padding),
    ],
  };
}

/**
 * Tiles a batch `[N, H, W, C]` into one image `[rows·(H+p)+p, columns·(W+p)+p, C]`,
 * row-major (image k at row `floor(k / columns)`, column `k % columns`), with `padding`
 * pixels of `padValue` between images and around the border; empty cells are `padValue`.
 */
export function makeGrid(images: tf.Tensor4D, options: GridOptions = {}): tf.Tensor3D {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw new InvalidArgumentError('images', images, 'must be a rank-4 tensor [count, height, width, channels]');
  }
  const { padValue = 0, padding = 2 } = options;
  if (!Number.isFinite(padValue)) throw new InvalidArgumentError('padValue', padValue, 'must be a finite number');
  const [count, height, width, channels] = images.shape;
  const { rows, columns } = gridLayout(count, height, width, options);
  return tf.tidy(() => {
    // 1. Fill the last row with blank cells.
    let cells: tf.Tensor4D = tf.cast(images, 'float32');
    const blanks = rows * columns - count;
    if (blanks > 0) cells = tf.concat([cells, tf.fill([blanks, height, width, channels], padValue)]);
    // 2. Pad each cell below and right, then [rows, columns, H+p, W+p, C] → [rows, H+p, columns, W+p, C].
    if (padding > 0) cells = tf.pad(cells, [[0, 0], [0, padding], [0, padding], [0, 0]], padValue);
    const grouped = tf.reshape(cells, [rows, columns, height + padding, width + padding, channels]);
    const tiled = tf.reshape(tf.transpose(grouped, [0, 2, 1, 3, 4]), [
      rows * (height + padding),
      columns * (width + padding),
      channels,
    ]) as tf.Tensor3D;
    // 3. The top and left border.
    return padding > 0 ? tf.pad(tiled, [[padding, 0], [padding, 0], [0, 0]], padValue) : tiled;
  });
}
