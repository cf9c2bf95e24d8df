import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { composed, type WasmBackendLike } from './kernel-scope';

/**
 * `UnsortedSegmentSum` for wasm (the gradient of `gather`, i.e. of embeddings): wasm's
 * `ScatterNd`, which adds duplicate indices, over x flattened to [ids, rest]. Ids outside
 * [0, numSegments) are dropped, as on cpu (they go to a spare segment that is sliced off).
 */
export const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const rest = x.shape.slice(segmentIds.shape.length);
  const width = tf.util.sizeFromShape(rest);
  const wasm = backend as unknown as WasmBackendLike;
  return composed(backend, (scope) => {
    const ids = wasm.readSync(segmentIds.dataId) as Int32Array;
    let valid = true;
    for (let i = 0; i < count; i++) {
      if (!(ids[i] >= 0 && ids[i] < numSegments)) {
        valid = false;
        break;
      }
    }
    let indices: TensorInfo;
    if (valid) {
      indices = scope.reshape(segmentIds, [count, 1]);
    } else {
      indices = scope.adopt(wasm.makeOutput([count, 1], 'int32'));
      const remapped = wasm.typedArrayFromHeap(indices);
      for (let i = 0; i < count; i++) remapped[i] = ids[i] >= 0 && ids[i] < numSegments ? ids[i] : numSegments;
    }
    const rows = numSegments + (valid ? 0 : 1);
    const updates = scope.reshape(x, [count, width]);
    let summed = scope.run('ScatterNd', { indices, updates }, { shape: [rows, width] });
    if (!valid) summed = scope.slice(summed, [0, 0], [numSegments, width]);
    return scope.reshape(summed, [numSegments, ...rest]);
  });
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
