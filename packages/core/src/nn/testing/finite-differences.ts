// Test helper (not exported): compares tf.grad with central finite differences.
import * as tf from '@tensorflow/tfjs-core';

export interface FiniteDifferenceOptions {
  /** Step of the central difference (default 1e-2; float32 forwards). */
  epsilon?: number;
  /** Allowed |numeric − analytic| relative to max(1, max|analytic|) (default 1e-2). */
  tolerance?: number;
  /** Coordinates checked one by one (evenly spread; default 16); two random directions cover the rest. */
  coordinates?: number;
}

/**
 * Asserts that the gradient of the scalar function `f` at `x` matches central finite
 * differences, coordinate by coordinate (a spread subset) and along two ±1 directions.
 */
export async function expectGradientMatchesFiniteDifferences(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  { epsilon = 1e-2, tolerance = 1e-2, coordinates = 16 }: FiniteDifferenceOptions = {},
): Promise<void> {
  const gradient = tf.tidy(() => tf.grad(f)(x));
  const analytic = Float64Array.from(await gradient.data());
  gradient.dispose();
  const base = Float32Array.from(await x.data());
  const scale = Math.max(1, ...Array.from(analytic, Math.abs));
  const evaluate = async (values: Float32Array): Promise<number> => {
    const shifted = tf.tensor(values, x.shape, 'float32');
    const y = tf.tidy(() => f(shifted));
    const [value] = await y.data();
    shifted.dispose();
    y.dispose();
    return value;
  };
  const along = async (direction: Float32Array): Promise<number> => {
    const plus = Float32Array.from(base, (v, i) => v + epsilon * direction[i]);
    const minus = Float32Array.from(base, (v, i) => v - epsilon * direction[i]);
    return ((await evaluate(plus)) - (await evaluate(minus))) / (2 * epsilon);
  };
  const count = Math.min(coordinates, base.length);
  for (let c = 0; c < count; c++) {
    const index = Math.floor((c * base.length) / count);
    const direction = new Float32Array(base.length);
    direction[index] = 1;
    const numeric = await along(direction);
    if (!(Math.abs(numeric - analytic[index]) <= tolerance * scale)) {
      throw new Error(`gradient at index ${index}: analytic ${analytic[index]} vs finite difference ${numeric}`);
    }
  }
  for (const seed of [1, 2]) {
    // A fixed ±1 direction (a small LCG: the check must not depend on Math.random).
    let state = seed;
    const direction = Float32Array.from(base, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state & 0x10000 ? 1 : -1;
    });
    const numeric = await along(direction);
    const predicted = analytic.reduce((sum, g, i) => sum + g * direction[i], 0);
    if (!(Math.abs(numeric - predicted) <= tolerance * scale * Math.sqrt(base.length))) {
      throw new Error(`directional derivative ${seed}: analytic ${predicted} vs finite difference ${numeric}`);
    }
  }
}
