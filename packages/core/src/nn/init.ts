// Weight initialisers (PyTorch defaults), drawing from a Generator so the same seed gives
// bit-identical weights on every backend.
import type * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../random';

/**
 * Kaiming (He) uniform: U(−b, b) with b = gain·√(3 / fanIn), gain = √(2 / (1 + a²)).
 * With PyTorch's default `a = √5` for Linear / Conv weights this is b = 1/√fanIn.
 */
export function kaimingUniform(generator: Generator, shape: number[], fanIn: number, a = Math.sqrt(5)): tf.Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  return generator.uniform(shape, { low: -bound, high: bound });
}

/** Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(
  generator: Generator,
  shape: number[],
  fanIn: number,
  fanOut: number,
  gain = 1,
): tf.Tensor {
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return generator.uniform(shape, { low: -bound, high: bound });
}

/** PyTorch's default bias of Linear / Conv layers: U(−1/√fanIn, 1/√fanIn). */
export function uniformBias(generator: Generator, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return generator.uniform(shape, { low: -bound, high: bound });
}
