import * as tf from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { filterGradientConv } from './conv2d-backprop-filter';
import { composed } from './kernel-scope';

type Shape4 = [number, number, number, number];

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm: the input seen as one image with B·C
 * channels [1, H, W, B·C], depthwise-convolved with the output gradient seen as a filter
 * [oh, ow, B·C, m] dilated by the stride (strided by the dilation), then summed over the batch.
 */
export const depthwiseConv2dBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true,
  );
  const [fh, fw, channels, multiplier] = filterShape;
  const batch = info.batchSize;
  return composed(backend, (scope) => {
    if (tf.util.sizeFromShape(dy.shape) === 0) return scope.zeros(filterShape.slice());
    const xt = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, info.inHeight, info.inWidth, batch * channels]);
    const dyt = scope.reshape(scope.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, batch * channels, multiplier]);
    const perImage = filterGradientConv(scope, xt, dyt, info, true);
    const summed =
      batch === 1
        ? perImage
        : scope.run('Sum', { x: scope.reshape(perImage, [fh, fw, batch, channels * multiplier]) }, { axis: [2], keepDims: false });
    return scope.reshape(summed, [fh, fw, channels, multiplier]);
  });
};

export const depthwiseConv2dBackpropFilterConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilterWasm,
};
