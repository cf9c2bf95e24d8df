import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** A feature matrix, one row per sample: a rank-2 tensor, or values with their [rows, columns] shape. */
export type FeatureInput =
  | tf.Tensor2D
  | { values: Float32Array | Float64Array | readonly number[]; shape: readonly [number, number] };

/** A feature matrix read into float64, row-major. */
export interface FeatureMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/** Reads a {@link FeatureInput} into float64 (one download for a tensor). */
export async function readFeatures(input: FeatureInput, argument: string): Promise<FeatureMatrix> {
  if (input instanceof tf.Tensor) {
    if (input.rank !== 2) throw new InvalidArgumentError(argument, input, 'must be a rank-2 tensor [samples, features]');
    const [rows, cols] = input.shape;
    return checked({ values: Float64Array.from(await input.data()), rows, cols }, argument);
  }
  if (input == null || input.values == null || !Array.isArray(input.shape) || input.shape.length !== 2) {
    throw new InvalidArgumentError(argument, input, 'must be a Tensor2D or { values, shape: [rows, columns] }');
  }
  const [rows, cols] = input.shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1 || input.values.length !== rows * cols) {
    throw new InvalidArgumentError(`${argument}.shape`, [...input.shape], `must be [rows, columns] with rows · columns = values.length (${input.values.length})`);
  }
  const values = input.values instanceof Float64Array ? input.values : Float64Array.from(input.values);
  return checked({ values, rows, cols }, argument);
}

function checked(matrix: FeatureMatrix, argument: string): FeatureMatrix {
  const bad = matrix.values.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new InvalidArgumentError(`${argument}[${Math.floor(bad / matrix.cols)}][${bad % matrix.cols}]`, matrix.values[bad], 'must be finite');
  }
  return matrix;
}

/** The rows of `matrix` listed in `indices`, as a new matrix. */
export function selectRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const { cols } = matrix;
  const values = new Float64Array(indices.length * cols);
  for (let r = 0; r < indices.length; r++) values.set(matrix.values.subarray(indices[r] * cols, (indices[r] + 1) * cols), r * cols);
  return { values, rows: indices.length, cols };
}
