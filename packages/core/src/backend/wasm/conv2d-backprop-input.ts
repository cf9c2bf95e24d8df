import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composed, explicitPad, type KernelScope } from './kernel-scope';

type Shape4 = [number, number, number, number];

/**
 * `Conv2DBackpropInput` (the input gradient of conv2d, and the forward of conv2dTranspose)
 * for wasm. wasm ships a scalar C++ loop for it (~10× slower than its XNNPACK `Conv2D` for
 * the same FLOPs), so this replaces it with a sub-pixel decomposition: for stride s, the
 * rows/columns of dx with the same phase (i + pad) mod s form a stride-1 correlation of dy
 * with the flipped sub-filter W[phase::s] — s² XNNPACK convolutions whose taps add up to
 * exactly the filter's (no multiplications by inserted zeros, no padding taps), interleaved
 * into dx. The sub-filters and the interleave are plain copies on wasm's heap.
 */
export const conv2dBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, format,
  );
  return composed(backend, (scope) => {
    if (tf.util.sizeFromShape(dy.shape) === 0) return scope.zeros(inputShape.slice());
    if (info.dataFormat === 'channelsLast') return inputGradientNHWC(scope, dy, filter, info);
    const dx = inputGradientNHWC(scope, scope.transpose(dy, [0, 2, 3, 1]), filter, info);
    return scope.transpose(dx, [0, 3, 1, 2]);
  });
};

/** dx [B, H, W, ci] from dy [B, oh, ow, co] (NHWC) and the forward filter [fh, fw, ci, co]. */
function inputGradientNHWC(scope: KernelScope, dy: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const rowPhases = axisPhases(inHeight, outHeight, filterHeight, strideHeight, padInfo.top);
  const colPhases = axisPhases(inWidth, outWidth, filterWidth, strideWidth, padInfo.left);
  const dxShape = [batchSize, inHeight, inWidth, inChannels];

  const parts: Array<{ out: TensorInfo; row: AxisPhase; col: AxisPhase }> = [];
  let complete = true;
  for (const row of rowPhases) {
    for (const col of colPhases) {
      if (row.count === 0 || col.count === 0) continue;
      if (row.taps === 0 || col.taps === 0 || row.keep <= 0 || col.keep <= 0) {
        complete = false; // these dx entries get no contribution: zeros
        continue;
      }
      const subFilter = flippedSubFilter(scope, filter, row, col, strideHeight, strideWidth);
      const input = scope.slice(dy, [0, row.cropTop, col.cropTop, 0], [batchSize, row.keep, col.keep, outChannels]);
      const out = scope.run('Conv2D', { x: input, filter: subFilter }, {
        strides: [1, 1],
        pad: explicitPad(row.padTop, row.padBottom, col.padTop, col.padBottom),
        dilations: [1, 1],
        dataFormat: 'NHWC',
      });
      if (out.shape[1] !== row.count || out.shape[2] !== col.count) {
        throw new Error(`conv2dBackpropInput: phase conv gave [${out.shape}], expected ${row.count}×${col.count}`);
      }
      parts.push({ out, row, col });
    }
  }
  if (parts.length === 1 && complete && strideHeight === 1 && strideWidth === 1) return parts[0].out;

  const wasm = scope.backend;
  const dx = scope.adopt(wasm.makeOutput(dxShape, 'float32'));
  const dst = wasm.typedArrayFromHeap(dx) as Float32Array;
  if (!complete) dst.fill(0);
  const rowStride = inWidth * inChannels;
  const imageStride = inHeight * rowStride;
  for (const { out, row, col } of parts) {
    const src = wasm.typedArrayFromHeap(out) as Float32Array;
    let s = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let k = 0; k < row.count; k++) {
        const rowBase = b * imageStride + (row.first + k * strideHeight) * rowStride;
        for (let l = 0; l < col.count; l++) {
          let d = rowBase + (col.first + l * strideWidth) * inChannels;
          for (let c = 0; c < inChannels; c++) dst[d++] = src[s++];
        }
      }
    }
  }
  return dx;
}

/** F[t', u', co, ci] = W[row.phase + sh·(Tr−1−t'), col.phase + sw·(Tc−1−u'), ci, co]. */
function flippedSubFilter(scope: KernelScope, filter: TensorInfo, row: AxisPhase, col: AxisPhase, sh: number, sw: number): TensorInfo {
  const [, fw, ci, co] = filter.shape;
  const wasm = scope.backend;
  const out = scope.adopt(wasm.makeOutput([row.taps, col.taps, co, ci], 'float32'));
  const dst = wasm.typedArrayFromHeap(out) as Float32Array;
  const src = wasm.typedArrayFromHeap(filter) as Float32Array;
  let d = 0;
  for (let t = 0; t < row.taps; t++) {
    const kh = row.phase + sh * (row.taps - 1 - t);
    for (let u = 0; u < col.taps; u++) {
      const kw = col.phase + sw * (col.taps - 1 - u);
      const base = (kh * fw + kw) * ci * co;
      for (let o = 0; o < co; o++) {
        for (let c = 0; c < ci; c++) dst[d++] = src[base + c * co + o];
      }
    }
  }
  return out;
}

export interface AxisPhase {
  /** Filter offset r of this phase: dx index i has i + pad = s·q + r. */
  phase: number;
  /** First dx index of the phase, and how many (every s-th). */
  first: number;
  count: number;
  /** Taps of the sub-filter W[r::s]. */
  taps: number;
  /** dy rows dropped at the start, and kept. */
  cropTop: number;
  keep: number;
  /** Zero padding of the phase's stride-1 correlation. */
  padTop: number;
  padBottom: number;
}

/**
 * One spatial axis of the decomposition. For i + pad = s·q + r, dx[i] = Σ_t dy[q − t]·W[r + s·t]
 * (t < taps): a correlation of dy with the flipped sub-filter, output q from q0.
 */
export function axisPhases(inSize: number, outSize: number, filterSize: number, stride: number, padBefore: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let phase = 0; phase < stride; phase++) {
    const first = (((phase - padBefore) % stride) + stride) % stride;
    const count = first < inSize ? Math.ceil((inSize - first) / stride) : 0;
    const taps = Math.max(0, Math.ceil((filterSize - phase) / stride));
    const q0 = (first + padBefore - phase) / stride;
    let padTop = taps - 1 - q0;
    let cropTop = 0;
    if (padTop < 0) {
      cropTop = -padTop;
      padTop = 0;
    }
    let keep = outSize - cropTop;
    let padBottom = count + taps - 1 - padTop - keep;
    if (padBottom < 0) {
      keep += padBottom;
      padBottom = 0;
    }
    phases.push({ phase, first, count, taps, cropTop, keep, padTop, padBottom });
  }
  return phases;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm,
};
