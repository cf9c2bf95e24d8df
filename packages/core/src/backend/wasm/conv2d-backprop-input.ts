import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composed, explicitPad, type KernelScope } from './kernel-scope';

type Shape4 = [number, number, number, number];

/**
 * `Conv2DBackpropInput` (the input gradient of conv2d, and the forward of conv2dTranspose)
 * for wasm. wasm ships a scalar C++ loop for it (~10× slower than its XNNPACK `Conv2D` for the
 * same FLOPs), so this replaces it with a sub-pixel convolution: for stride s, the s×s output
 * phases are the s² output-channel groups of ONE stride-1 XNNPACK convolution of dy with the
 * rearranged, flipped filter ([⌈fh/s⌉, ⌈fw/s⌉, co, s·s·ci]), interleaved by `DepthToSpace`.
 * Unlike zero-insertion, no multiplications by inserted zeros (s² fewer FLOPs).
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
  const { filterHeight, filterWidth, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const rows = phaseLayout(inHeight, outHeight, filterHeight, sh, padInfo.top);
  const cols = phaseLayout(inWidth, outWidth, filterWidth, sw, padInfo.left);
  if (rows == null || cols == null) {
    return scope.run('Fill', {}, { shape: [batchSize, inHeight, inWidth, inChannels], value: 0, dtype: 'float32' });
  }

  // filter [fh, fw, ci, co] → F[t', u', co, (ra, rb, ci)] = W[ra + s(T−1−t'), rb + s(T−1−u'), ci, co]
  const padded = scope.pad(filter, [[0, rows.taps * sh - filterHeight], [0, cols.taps * sw - filterWidth], [0, 0], [0, 0]]);
  const split = scope.reshape(padded, [rows.taps, sh, cols.taps, sw, inChannels, outChannels]);
  const flipped = scope.run('Reverse', { x: split }, { dims: [0, 2] });
  const arranged = scope.transpose(flipped, [0, 2, 5, 1, 3, 4]);
  const phaseFilter = scope.reshape(arranged, [rows.taps, cols.taps, outChannels, sh * sw * inChannels]);

  const cropped = scope.slice(dy, [0, rows.cropTop, cols.cropTop, 0], [batchSize, rows.keep, cols.keep, outChannels]);
  const phases = scope.run('Conv2D', { x: cropped, filter: phaseFilter }, {
    strides: [1, 1],
    pad: explicitPad(rows.padTop, rows.padBottom, cols.padTop, cols.padBottom),
    dilations: [1, 1],
    dataFormat: 'NHWC',
  });
  const [, qh, qw] = phases.shape;
  let interleaved: TensorInfo;
  if (sh === 1 && sw === 1) {
    interleaved = phases;
  } else if (sh === sw) {
    interleaved = scope.run('DepthToSpace', { x: phases }, { blockSize: sh, dataFormat: 'NHWC' });
  } else {
    const six = scope.reshape(phases, [batchSize, qh, qw, sh, sw, inChannels]);
    const moved = scope.transpose(six, [0, 1, 3, 2, 4, 5]);
    interleaved = scope.reshape(moved, [batchSize, qh * sh, qw * sw, inChannels]);
  }
  return scope.slice(interleaved, [0, rows.offset, cols.offset, 0], [batchSize, inHeight, inWidth, inChannels]);
}

interface PhaseLayout {
  /** Taps per phase: ⌈f/s⌉. */
  taps: number;
  /** dy rows dropped at the start and kept. */
  cropTop: number;
  keep: number;
  /** Zero padding of the phase convolution. */
  padTop: number;
  padBottom: number;
  /** Where dx row 0 sits in the interleaved result. */
  offset: number;
}

/**
 * One spatial axis of the sub-pixel layout. With i + pad = s·q + r, dx[i] = Σ_t dy[q − t]·W[r + s·t]:
 * phase r is a correlation of dy with its flipped sub-filter, conv output row q' = q − q0.
 */
export function phaseLayout(inSize: number, outSize: number, filterSize: number, stride: number, padBefore: number): PhaseLayout | null {
  const taps = Math.ceil(filterSize / stride);
  const q0 = Math.floor(padBefore / stride);
  const needed = Math.ceil((padBefore + inSize) / stride) - q0;
  let padTop = taps - 1 - q0;
  let cropTop = 0;
  if (padTop < 0) {
    cropTop = -padTop;
    padTop = 0;
  }
  let keep = outSize - cropTop;
  if (keep <= 0) return null;
  let padBottom = needed + taps - 1 - padTop - keep;
  if (padBottom < 0) {
    keep -= Math.min(-padBottom, keep - 1);
    padBottom = Math.max(0, needed + taps - 1 - padTop - keep);
  }
  return { taps, cropTop, keep, padTop, padBottom, offset: padBefore - stride * q0 };
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm,
};
