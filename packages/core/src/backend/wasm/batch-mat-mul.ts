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
    if (!transposeA && !transposeB) return inner(args);
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    return composed(args.backend, (scope) => {
      const a2 = transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      const b2 = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      const out = inner({
        inputs: { ...args.inputs, a: a2, b: b2 },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
      return scope.adopt(out);
    });
  };
  return { ...original, kernelFunc, [WRAPPED]: true } as KernelConfig;
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
