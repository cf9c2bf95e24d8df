import * as tf from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composed, explicitPad } from './kernel-scope';

type Shape4 = [number, number, number, number];

/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm: dy with zeros inserted between rows/columns
 * (stride > 1), depthwise-convolved (wasm's XNNPACK `DepthwiseConv2dNative`) with the spatially
 * flipped filter at the forward dilation, then summed over the channel multiplier.
 * Dilations are honoured (the adjoint of the dilated forward op).
 */
export const depthwiseConv2dBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padInfo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const [fh, fw, , multiplier] = filter.shape;
  return composed(backend, (scope) => {
    if (tf.util.sizeFromShape(dy.shape) === 0) return scope.zeros(inputShape.slice());
    let zeroed = dy;
    if (sh > 1 || sw > 1) {
      const six = scope.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
      const spread = scope.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      zeroed = scope.reshape(spread, [batchSize, outHeight * sh, outWidth * sw, outChannels]);
    }
    // Correlate with the flipped filter: pad (f−1)·d − pad before, and enough after for H rows out.
    let top = (fh - 1) * dh - padInfo.top;
    let left = (fw - 1) * dw - padInfo.left;
    let bottom = inHeight + (fh - 1) * dh - top - outHeight * sh;
    let right = inWidth + (fw - 1) * dw - left - outWidth * sw;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const [, zh, zw] = zeroed.shape;
      const t0 = Math.max(-top, 0);
      const l0 = Math.max(-left, 0);
      zeroed = scope.slice(zeroed, [0, t0, l0, 0], [batchSize, zh - t0 - Math.max(-bottom, 0), zw - l0 - Math.max(-right, 0), outChannels]);
      [top, left, bottom, right] = [top, left, bottom, right].map((p) => Math.max(p, 0));
    }
    const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
    const perChannel = scope.run('DepthwiseConv2dNative', { x: zeroed, filter: scope.reshape(flipped, [fh, fw, outChannels, 1]) }, {
      strides: [1, 1],
      pad: explicitPad(top, bottom, left, right),
      dilations: [dh, dw],
    });
    if (multiplier === 1) return perChannel;
    const grouped = scope.reshape(perChannel, [batchSize, inHeight, inWidth, inChannels, multiplier]);
    return scope.run('Sum', { x: grouped }, { axis: [4], keepDims: false });
  });
};

export const depthwiseConv2dBackpropInputConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInputWasm,
};
