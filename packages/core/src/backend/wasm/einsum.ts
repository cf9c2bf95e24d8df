import * as tf from '@tensorflow/tfjs-core';
import type { EinsumAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composed } from './kernel-scope';

/**
 * `Einsum` for wasm, the cpu kernel's algorithm (transpose each operand to the common axis
 * order, broadcast-multiply, sum out contracted axes along tfjs's compute path) on wasm's
 * `Transpose`, `Multiply` and `Sum`.
 */
export const einsumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const tensors = inputs as unknown as TensorInfo[];
  const { equation } = attrs as unknown as EinsumAttrs;
  const bu = tf.backend_util;
  const { allDims, summedDims, idDims } = bu.decodeEinsumEquation(equation, tensors.length);
  bu.checkEinsumDimSizes(allDims.length, idDims, tensors as unknown as tf.Tensor[]);
  const { path, steps } = bu.getEinsumComputePath(summedDims, idDims);
  return composed(backend, (scope) => {
    let out: TensorInfo | null = null;
    let remaining = allDims.length;
    for (let i = 0; i < steps.length; ++i) {
      for (const term of steps[i]) {
        const { permutationIndices, expandDims } = bu.getEinsumPermutation(remaining, idDims[term]);
        let x = scope.transpose(tensors[term], permutationIndices);
        const shape = x.shape.slice();
        for (const d of expandDims) shape.splice(d, 0, 1);
        x = scope.reshape(x, shape);
        out = out === null ? x : scope.run('Multiply', { a: x, b: out });
      }
      if (i < steps.length - 1) {
        if (path[i] >= 0 && out !== null) {
          out = scope.run('Sum', { x: out }, { axis: path[i] - (allDims.length - remaining), keepDims: false });
        }
        remaining--;
      }
    }
    if (out === null) throw new Error(`einsum: nothing to compute for '${equation}'`);
    return out;
  });
};

export const einsumConfig: KernelConfig = {
  kernelName: tf.Einsum,
  backendName: 'wasm',
  kernelFunc: einsumWasm,
};
