import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, SliceAttrs, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './kernel-scope';

/**
 * `Slice` for wasm at rank ≥ 5: wasm's kernel copies rows for ranks 2–4 but hands higher
 * ranks to a generic per-element loop (`sliceImplCPU`), ~1,000× slower. Rank-5 slices come
 * from the gradient of concatenating rank-5 tensors (nearest-neighbour upsampling by concat
 * and reshape: 6 s of a 16 s AutoencoderKL step at batch 64, measured). This wrapper copies
 * whole contiguous runs instead — the trailing axes taken whole plus the innermost cut axis —
 * and leaves ranks ≤ 4 and strings to wasm's own kernel. Wrapping needs wasm's kernel.
 */
export function rankNSliceConfig(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.shape.length <= 4 || x.dtype === 'string') return inner(args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    return sliceRuns(args.backend as unknown as WasmBackendLike, x, begin_, size_) ?? inner(args);
  };
  return { ...original, kernelFunc, [WRAPPED]: true } as KernelConfig;
}

/** `SplitV` for wasm: wasm's calls its own `Slice` function directly, so it is wrapped too (rank ≥ 5). */
export function rankNSplitVConfig(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.shape.length <= 4 || x.dtype === 'string') return inner(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const along = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, along);
    const backend = args.backend as unknown as WasmBackendLike;
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((part) => {
      const size = [...x.shape];
      size[along] = part;
      const out = sliceRuns(backend, x, [...begin], size);
      begin[along] += part;
      return out ?? backend.makeOutput(size, x.dtype); // null only for a whole-tensor slice, impossible with ≥ 2 parts
    });
  };
  return { ...original, kernelFunc, [WRAPPED]: true } as KernelConfig;
}

/** The slice as copies of contiguous runs, or null when it is the whole tensor (wasm's kernel copies that in one go). */
function sliceRuns(backend: WasmBackendLike, x: TensorInfo, begin: number[], size: number[]): TensorInfo | null {
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // The run: trailing axes taken whole, times the innermost axis that is cut.
  let cut = rank - 1;
  let run = 1;
  while (cut >= 0 && begin[cut] === 0 && size[cut] === x.shape[cut]) run *= x.shape[cut--];
  if (cut < 0) return null;
  run *= size[cut];
  const source = backend.readSync(x.dataId) as Float32Array | Int32Array | Uint8Array; // a copy: safe across heap growth
  const out = backend.makeOutput(size, x.dtype);
  const target = backend.typedArrayFromHeap(out);
  const runs = tf.util.sizeFromShape(size.slice(0, cut));
  const index = new Array<number>(cut).fill(0); // odometer over the axes before `cut`
  let offset = 0;
  for (let axis = 0; axis <= cut; axis++) offset += begin[axis] * strides[axis];
  for (let r = 0; r < runs; r++) {
    target.set(source.subarray(offset, offset + run), r * run);
    for (let axis = cut - 1; axis >= 0; axis--) {
      offset += strides[axis];
      if (++index[axis] < size[axis]) break;
      offset -= size[axis] * strides[axis];
      index[axis] = 0;
    }
  }
  return out;
}

const WRAPPED = Symbol.for('@gen/core:rankNSlice');

/** Whether `config` is already one of these wrappers. */
export function isRankNWrapped(config: KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}
