import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { isUntransposedMatMul, MATMUL_KERNELS, untransposedMatMulConfig } from './wasm/batch-mat-mul';
import { conv2dBackpropFilterConfig } from './wasm/conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './wasm/conv2d-backprop-input';
import { depthwiseConv2dBackpropFilterConfig } from './wasm/depthwise-conv2d-backprop-filter';
import { depthwiseConv2dBackpropInputConfig } from './wasm/depthwise-conv2d-backprop-input';
import { einsumConfig } from './wasm/einsum';
import { aliasingCastConfig, aliasingIdentityConfig, isAliasing } from './wasm/identity';
import { isRankNWrapped, rankNSliceConfig, rankNSplitVConfig } from './wasm/slice';
import { registerLeakyReluGradient } from './wasm/leaky-relu-gradient';
import { unsortedSegmentSumConfig } from './wasm/unsorted-segment-sum';

/** Kernels tfjs-backend-wasm 4.22 lacks and training needs (conv/depthwise gradients, gather's gradient, einsum). */
const MISSING: KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  unsortedSegmentSumConfig,
  einsumConfig,
];

/**
 * Kernels wasm has but runs as scalar loops, replaced by faster compositions of its XNNPACK
 * kernels: `Conv2DBackpropInput` (conv2d's input gradient and conv2dTranspose) is ~10× faster
 * as s² sub-pixel convolutions. (`BatchMatMul` / `_FusedMatMul` are wrapped, see below.)
 */
const REPLACED: KernelConfig[] = [conv2dBackpropInputConfig];

/**
 * Registers, for the wasm backend, the kernels that training needs and tfjs-backend-wasm
 * 4.22 lacks, replaces its scalar-loop `Conv2DBackpropInput`, and wraps `BatchMatMul` /
 * `_FusedMatMul` so transposed operands take the fast path, and wraps `Slice` / `SplitV` so
 * rank ≥ 5 slices copy contiguous runs, and wraps `Identity` / same-dtype `Cast` so they share
 * the input's buffer instead of copying it, all composed from wasm's own
 * kernels (see ./wasm). Idempotent: returns the kernel names this call registered (empty
 * when everything is already in place). Kernels someone else registered first are kept;
 * replacements happen only once wasm's own kernels are registered (import
 * `@tensorflow/tfjs-backend-wasm` before calling), so a later import cannot undo them.
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of MISSING) {
    if (tf.getKernel(config.kernelName, 'wasm') == null) {
      tf.registerKernel(config);
      registered.push(config.kernelName);
    }
  }
  if (tf.getKernel(tf.Conv2D, 'wasm') != null) {
    for (const config of REPLACED) {
      const current = tf.getKernel(config.kernelName, 'wasm');
      if (current?.kernelFunc === config.kernelFunc) continue;
      if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
      registered.push(config.kernelName);
    }
  }
  // Matmuls with transposed operands: transpose explicitly, then wasm's own fast kernel.
  for (const name of MATMUL_KERNELS) {
    const current = tf.getKernel(name, 'wasm');
    if (current == null || isUntransposedMatMul(current)) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(untransposedMatMulConfig(current));
    registered.push(name);
  }
  // Slices of rank ≥ 5 (concat gradients): contiguous runs instead of a per-element loop.
  for (const [name, wrap] of [
    [tf.Slice, rankNSliceConfig],
    [tf.SplitV, rankNSplitVConfig],
  ] as const) {
    const current = tf.getKernel(name, 'wasm');
    if (current == null || isRankNWrapped(current)) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrap(current));
    registered.push(name);
  }
  // Identity / same-dtype Cast (every tensor saved for a gradient): share the buffer, no copy.
  for (const [name, wrap] of [
    [tf.Identity, aliasingIdentityConfig],
    [tf.Cast, aliasingCastConfig],
  ] as const) {
    const current = tf.getKernel(name, 'wasm');
    if (current == null || isAliasing(current)) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrap(current));
    registered.push(name);
  }
  // A gradient (global), not a kernel: LeakyRelu's backward without wasm's slow broadcast compare.
  registerLeakyReluGradient();
  return registered;
}
