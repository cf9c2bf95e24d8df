import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composed } from './kernel-scope';

/**
 * `BatchMatMul` and `_FusedMatMul` for wasm: with transposeA or transposeB, wasm's kernels
 * take a path 10–25× slower than the plain product (measured: 512³ TN 670 ms vs NN 25 ms).
 * Matmul gradients always transpose (dA = dy·Bᵀ, dB = Aᵀ·dy), so these wrappers transpose
 * the operand explicitly (wasm `Transpose`; free when it only moves a size-1 axis) and call
 * wasm's own kernel untransposed. Wrapping needs wasm's kernel to be registered.
 */
export function untransposedMatMulConfig(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    // Pre-transpose only real matrices: for a vector the transposed path is cheap, and the
    // "free" transpose would be a reshape sharing the buffer (see guardWeightsBuffer).
    const swapA = Boolean(transposeA) && isMatrix(a);
    const swapB = Boolean(transposeB) && isMatrix(b);
    const reshapedWeights = isReshapedView(b);
    if (!swapA && !swapB && !reshapedWeights) return inner(args);
    return composed(args.backend, (scope) => {
      const a2 = swapA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      let b2 = swapB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      if (isReshapedView(b2)) b2 = scope.copy(b2);
      const out = inner({
        inputs: { ...args.inputs, a: a2, b: b2 },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: Boolean(transposeA) && !swapA, transposeB: Boolean(transposeB) && !swapB },
      }) as TensorInfo;
      return scope.adopt(out);
    });
  };
  return { ...original, kernelFunc, [WRAPPED]: true } as KernelConfig;
}

/**
 * tfjs-backend-wasm caches XNNPACK matmul operators (with packed weights) per weights
 * buffer id, so one buffer seen under two shapes — `tf.reshape(w, …)` shares the buffer —
 * reuses an operator of the wrong shape and aborts the wasm heap (stock tfjs 4.22 too:
 * `matMul(ones([1,1]), w=ones([1,32]))` then `matMul(ones([1,32]), reshape(w,[32,1]))`).
 * We remember the first shape each buffer is multiplied with and copy any other view.
 */
const shapeByBuffer = new WeakMap<object, string>();

function isReshapedView(t: TensorInfo): boolean {
  const key = t.shape.join(',');
  const seen = shapeByBuffer.get(t.dataId);
  if (seen === undefined) {
    shapeByBuffer.set(t.dataId, key);
    return false;
  }
  return seen !== key;
}

function isMatrix(t: TensorInfo): boolean {
  const rank = t.shape.length;
  return t.shape[rank - 1] > 1 && t.shape[rank - 2] > 1;
}

const WRAPPED = Symbol.for('@gen/core:untransposedMatMul');

/** Whether `config` is already one of these wrappers. */
export function isUntransposedMatMul(config: KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul];
