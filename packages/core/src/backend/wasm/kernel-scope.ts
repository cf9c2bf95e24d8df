import * as tf from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` the composed kernels use. */
export interface WasmBackendLike extends KernelBackend {
  disposeData(dataId: DataId, force?: boolean): boolean;
  readSync(dataId: DataId): tf.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Calls wasm's own kernels from inside a composed kernel and frees every intermediate it
 * made (`backend.disposeData`) except the one returned. Reshapes in wasm share the input's
 * buffer with a reference count, so disposing each output exactly once is always right.
 */
export class KernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  run(kernelName: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel == null) throw new Error(`wasm kernel '${kernelName}' is not registered (import @tensorflow/tfjs-backend-wasm)`);
    const out = kernel.kernelFunc({
      inputs: inputs as unknown as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as NamedAttrMap,
    }) as TensorInfo;
    this.owned.push(out);
    return out;
  }

  /** Takes ownership of a tensor made directly on the backend (freed with the other intermediates). */
  adopt(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Reshape (free in wasm: shares the buffer). Returns `x` itself when the shape already matches. */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return tf.util.arraysEqual(x.shape, shape) ? x : this.run('Reshape', { x }, { shape });
  }

  /** Transpose; returns `x` itself for the identity permutation. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    if (perm.every((p, i) => p === i)) return x;
    // Moving only size-1 axes is a reshape.
    const moved = perm.map((p) => x.shape[p]);
    const nonUnit = perm.filter((p) => x.shape[p] !== 1);
    if (nonUnit.every((p, i) => i === 0 || p > nonUnit[i - 1])) return this.reshape(x, moved);
    return this.run('Transpose', { x }, { perm });
  }

  /** Slice; returns `x` itself when the slice is the whole tensor. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && tf.util.arraysEqual(size, x.shape)) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /** Zero padding; returns `x` itself when every padding is zero. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** float32 zeros, for gradients of empty outputs (XNNPACK would leave them unwritten). */
  /** A copy in a fresh buffer (x + 0): a view that must not share x's buffer id. */
  copy(x: TensorInfo): TensorInfo {
    const zero = this.run('Fill', {}, { shape: [], value: 0, dtype: x.dtype });
    return this.run('Add', { a: x, b: zero });
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** Frees every intermediate except `result`, and returns `result`. */
  finish(result: TensorInfo): TensorInfo {
    // A result that is one of the inputs gets its own reference (a free reshape).
    if (!this.owned.includes(result)) result = this.run('Reshape', { x: result }, { shape: result.shape });
    let kept = false;
    for (const t of this.owned) {
      if (t === result && !kept) {
        kept = true;
        continue;
      }
      this.backend.disposeData(t.dataId);
    }
    this.owned.length = 0;
    return result;
  }

  /** Frees every intermediate (on error paths). */
  disposeAll(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** Runs `body` in a fresh scope; intermediates are freed whether it returns or throws. */
export function composed(backend: object, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as WasmBackendLike);
  let result: TensorInfo;
  try {
    result = body(scope);
  } catch (error) {
    scope.disposeAll();
    throw error;
  }
  return scope.finish(result);
}

/** `[[0,0],[top,bottom],[left,right],[0,0]]`, the explicit-padding form tfjs conv kernels accept. */
export function explicitPad(top: number, bottom: number, left: number, right: number): number[][] {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}
