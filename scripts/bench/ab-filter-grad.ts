// Interleaved A/B of conv2d filter-gradient formulations on wasm, at the DCGAN's and the
// bench UNet's shapes (batch 64):
//   kernel   — @gen/core's Conv2DBackpropFilter (what tf.grad uses on wasm): one XNNPACK
//              conv of x as [ci, H, W, B] with dy as a stride-dilated filter [oh, ow, B, co];
//   chunkN   — that conv on batch chunks of N images, partial results added
//              (shorter GEMM reductions, in case XNNPACK's unblocked K loop is the limit);
//   matmul   — one XNNPACK matmul per filter tap: dW[kh,kw]ᵀ = dyᵀ [co, N] · X_tap [N, ci];
//   fwd      — the forward conv of the same layer (same FLOPs), for scale.
//
//   nice -n 15 node scripts/run-ts.mjs scripts/bench/ab-filter-grad.ts [--rounds 3]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { initBackend } from '@gen/core';
import { composed, type KernelScope } from '../../packages/core/src/backend/wasm/kernel-scope';
import { filterGradientConv } from '../../packages/core/src/backend/wasm/conv2d-backprop-filter';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The current kernel's conv, on batch chunks of `bc` images. */
function chunked(scope: KernelScope, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo, bc: number): TensorInfo {
  const batch = x.shape[0];
  let acc: TensorInfo | null = null;
  for (let b0 = 0; b0 < batch; b0 += bc) {
    const n = Math.min(bc, batch - b0);
    const xt = scope.transpose(scope.slice(x, [b0, 0, 0, 0], [n, ...x.shape.slice(1)]), [3, 1, 2, 0]);
    const dyt = scope.transpose(scope.slice(dy, [b0, 0, 0, 0], [n, ...dy.shape.slice(1)]), [1, 2, 0, 3]);
    const part = filterGradientConv(scope, xt, dyt, info);
    acc = acc == null ? part : scope.run('Add', { a: acc, b: part });
  }
  return scope.transpose(acc as TensorInfo, [1, 2, 0, 3]);
}

/**
 * The conv2d filter gradient as one matmul per filter tap, NHWC:
 * dW[kh, kw]ᵀ [co, ci] = dyᵀ [co, N] · X_tap [N, ci], N = B·oh·ow, X_tap the input rows the
 * tap reads (zeros where it reads padding), gathered contiguously in JS.
 */
function filterGradientMatMul(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const wasm = scope.backend;
  const n = batchSize * outHeight * outWidth;
  // dyᵀ [1, co, N]
  const dyT = scope.transpose(scope.reshape(dy, [1, n, co]), [0, 2, 1]);
  const dw = scope.adopt(wasm.makeOutput([filterHeight, filterWidth, ci, co], 'float32'));
  const rowStride = inWidth * ci;
  const imageStride = inHeight * rowStride;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const col = scope.adopt(wasm.makeOutput([1, n, ci], 'float32'));
      // Heap views are re-read after every allocation (the heap may have grown).
      const dst = wasm.typedArrayFromHeap(col) as Float32Array;
      const src = wasm.typedArrayFromHeap(x) as Float32Array;
      gatherTap(src, dst, kh * dilationHeight - padInfo.top, kw * dilationWidth - padInfo.left);
      const part = scope.run('BatchMatMul', { a: dyT, b: col }, { transposeA: false, transposeB: false }); // [1, co, ci]
      const pv = wasm.typedArrayFromHeap(part) as Float32Array;
      const out = wasm.typedArrayFromHeap(dw) as Float32Array;
      const base = (kh * filterWidth + kw) * ci * co;
      for (let o = 0; o < co; o++) {
        for (let c = 0; c < ci; c++) out[base + c * co + o] = pv[o * ci + c];
      }
    }
  }
  return dw;

  /** dst[(b·oh + i)·ow + j, :] = x[b, i·s + r0, j·s + c0, :] (zeros outside x). */
  function gatherTap(src: Float32Array, dst: Float32Array, r0: number, c0: number): void {
    // Output columns whose input column is inside [0, inWidth).
    const jFirst = Math.max(0, Math.ceil(-c0 / strideWidth));
    const jEnd = Math.min(outWidth, Math.floor((inWidth - 1 - c0) / strideWidth) + 1);
    const rowLength = outWidth * ci;
    let d = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < outHeight; i++, d += rowLength) {
        const r = i * strideHeight + r0;
        if (r < 0 || r >= inHeight || jEnd <= jFirst) {
          dst.fill(0, d, d + rowLength);
          continue;
        }
        if (jFirst > 0) dst.fill(0, d, d + jFirst * ci);
        if (jEnd < outWidth) dst.fill(0, d + jEnd * ci, d + rowLength);
        const s0 = b * imageStride + r * rowStride + (jFirst * strideWidth + c0) * ci;
        if (strideWidth === 1) {
          dst.set(src.subarray(s0, s0 + (jEnd - jFirst) * ci), d + jFirst * ci);
        } else if (ci >= 16) {
          for (let j = jFirst, s = s0; j < jEnd; j++, s += strideWidth * ci) dst.set(src.subarray(s, s + ci), d + j * ci);
        } else {
          for (let j = jFirst, s = s0; j < jEnd; j++, s += strideWidth * ci) {
            const o = d + j * ci;
            for (let c = 0; c < ci; c++) dst[o + c] = src[s + c];
          }
        }
      }
    }
  }
}

await initBackend({ prefer: 'wasm' });
const backend = tf.backend();
const info4 = (t: tf.Tensor): TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
const cases = [
  { x: [64, 14, 14, 64], f: [5, 5, 64, 128], s: 2, what: 'DCGAN critic conv2' },
  { x: [64, 28, 28, 1], f: [5, 5, 1, 64], s: 2, what: 'DCGAN critic conv1' },
  { x: [64, 28, 28, 1], f: [5, 5, 1, 32], s: 2, what: 'DCGAN generator up2 (convT 32→1), as conv' },
  { x: [64, 28, 28, 3], f: [3, 3, 3, 32], s: 1, what: 'RGB input 3×3 conv' },
  { x: [64, 28, 28, 32], f: [3, 3, 32, 32], s: 1, what: 'UNet 28×28, 32→32' },
  { x: [64, 28, 28, 64], f: [3, 3, 64, 64], s: 1, what: 'UNet 28×28, 64→64' },
  { x: [64, 14, 14, 64], f: [3, 3, 64, 64], s: 1, what: 'UNet 14×14, 64→64' },
];
for (const c of cases) {
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.s, 1, 'same');
  const dy = tf.randomNormal(info.outShape);
  const w = tf.zeros(c.f) as tf.Tensor4D;
  const variants: Record<string, () => tf.Tensor> = {
    fwd: () => tf.conv2d(x, w, c.s, 'same'),
    kernel: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.s, pad: 'same', dataFormat: 'NHWC', filterShape: c.f }) as tf.Tensor,
    chunk32: () => tf.engine().makeTensorFromTensorInfo(composed(backend, (scope) => chunked(scope, info4(x), info4(dy), info, 32))),
    matmul: () => tf.engine().makeTensorFromTensorInfo(composed(backend, (scope) => filterGradientMatMul(scope, info4(x), info4(dy), info))),
  };
  const reference = await variants.kernel().data();
  const times: Record<string, number[]> = {};
  for (const [name, fn] of Object.entries(variants)) {
    const y = fn();
    if (name !== 'fwd') {
      const v = await y.data();
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < v.length; i++) {
        scale = Math.max(scale, Math.abs(reference[i]));
        worst = Math.max(worst, Math.abs(v[i] - reference[i]));
      }
      if (worst > 1e-4 * scale) throw new Error(`${name} disagrees with the kernel (${worst} vs scale ${scale})`);
    }
    y.dispose();
    times[name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = performance.now();
      const y = fn(); // synchronous on wasm
      times[name].push(performance.now() - t0);
      y.dispose();
    }
  }
  const fwd = median(times.fwd);
  console.log(`${c.what} ${c.x}⊛${c.f} s${c.s}: ` + Object.entries(times).map(([k, v]) => `${k} ${median(v).toFixed(1)} ms (${(median(v) / fwd).toFixed(2)}× fwd)`).join(', '));
  tf.dispose([x, dy, w]);
}
