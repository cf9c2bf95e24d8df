import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '../errors';
import type { NamedTensors } from '../types';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_GENERATED_BY,
  CHECKPOINT_HEADER_KEY,
  assertJsonValue,
  type CheckpointContents,
  type CheckpointHeader,
} from './checkpoint-format';
import { describeCheckpointTarget, resolveCheckpointHandler } from './checkpoint-handlers';
import { crc32Hex } from './crc32';
import { float32ToFloat16Bits } from './float16';

/** What `saveCheckpoint` reports. */
export interface SaveCheckpointResult {
  /** The destination, for messages and logs (a path, URL or 'the given tf.io handler'). */
  location: string;
  /** Bytes of weights written. */
  weightBytes: number;
  /** Number of tensors written. */
  tensorCount: number;
}

function checkTensors(tensors: unknown): asserts tensors is NamedTensors {
  if (typeof tensors !== 'object' || tensors === null || Array.isArray(tensors)) {
    throw new InvalidArgumentError('saveCheckpoint tensors', tensors, 'must be an object of named tensors');
  }
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name.length === 0) throw new InvalidArgumentError('saveCheckpoint tensors', name, 'names must be non-empty');
    if (!(tensor instanceof tf.Tensor)) {
      throw new InvalidArgumentError(`saveCheckpoint tensors["${name}"]`, tensor, 'must be a tf.Tensor');
    }
    if (tensor.isDisposed) throw new InvalidArgumentError(`saveCheckpoint tensors["${name}"]`, tensor, 'is disposed');
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool') {
      throw new InvalidArgumentError(`saveCheckpoint tensors["${name}"].dtype`, tensor.dtype, 'must be float32, int32 or bool');
    }
  }
}

/**
 * Encodes checkpoint contents as tf.io ModelArtifacts: one weight buffer per tensor (tf.io
 * handlers join them), the weight specs, and our header (format version, config, metadata,
 * per-tensor CRC-32) under `userDefinedMetadata.genCheckpoint`. Reads tensors with the
 * async `data()`, so it never blocks a GPU backend.
 */
export async function encodeCheckpoint({ config, tensors, metadata = null, storage = 'float32' }: CheckpointContents): Promise<tf.io.ModelArtifacts> {
  assertJsonValue(config, 'saveCheckpoint config');
  assertJsonValue(metadata, 'saveCheckpoint metadata');
  checkTensors(tensors);
  if (storage !== 'float32' && storage !== 'float16') throw new InvalidArgumentError('saveCheckpoint storage', storage, "must be 'float32' or 'float16'");
  const entries = Object.entries(tensors);
  const values = await Promise.all(entries.map(([, tensor]) => tensor.data()));
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightData: ArrayBuffer[] = [];
  const checksums: Record<string, string> = {};
  entries.forEach(([name, tensor], i) => {
    const data = values[i] as Float32Array | Int32Array | Uint8Array;
    const half = storage === 'float16' && tensor.dtype === 'float32';
    // bool tensors read back as Uint8Array (one byte each), as tf.io.encodeWeights writes them.
    const stored = half ? float32ToFloat16Bits(data) : data;
    const source = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    const bytes = half ? source : source.slice(); // a copy: the checkpoint must not alias live tensor memory
    weightSpecs.push({ name, shape: [...tensor.shape], dtype: tensor.dtype as 'float32' | 'int32' | 'bool', ...(half ? { quantization: { dtype: 'float16' as const } } : {}) });
    weightData.push(bytes.buffer as ArrayBuffer);
    checksums[name] = crc32Hex(bytes);
  });
  const header: CheckpointHeader = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    config,
    metadata,
    checksums: { algorithm: 'crc32', tensors: checksums },
  };
  return {
    format: CHECKPOINT_FORMAT,
    generatedBy: CHECKPOINT_GENERATED_BY,
    convertedBy: null,
    modelTopology: {},
    weightSpecs,
    weightData,
    userDefinedMetadata: { [CHECKPOINT_HEADER_KEY]: header as unknown as {} },
  };
}

/**
 * Saves a checkpoint — `config` (JSON), named tensors and optional JSON `metadata` — to a
 * tf.io handler (`tf.io.browserIndexedDB('run1')`, `tf.io.http(url)`, `fileCheckpoint(dir)`),
 * a URL with a registered scheme (`'indexeddb://run1'`), or, once `@gen/core/node` is
 * imported, a folder path (written atomically: see `fileCheckpoint`). The tensors are read,
 * not disposed.
 */
export async function saveCheckpoint(
  destination: tf.io.IOHandler | string,
  contents: CheckpointContents,
): Promise<SaveCheckpointResult> {
  const handler = resolveCheckpointHandler(destination, 'save', 'saveCheckpoint destination');
  if (typeof contents !== 'object' || contents === null) {
    throw new InvalidArgumentError('saveCheckpoint contents', contents, 'must be { config, tensors, metadata? }');
  }
  const artifacts = await encodeCheckpoint(contents);
  // Counted before saving: handlers may replace weightData (tf.io's IndexedDB joins the buffers into one).
  const weightSpecs = artifacts.weightSpecs ?? [];
  const weightBytes = (artifacts.weightData as ArrayBuffer[]).reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const result = await handler.save!(artifacts);
  const location = describeCheckpointTarget(destination, handler);
  if (result?.errors && result.errors.length > 0) {
    throw new GenError(`saveCheckpoint: the tf.io handler reported errors saving to ${location}: ${String(result.errors[0])}`);
  }
  return { location, weightBytes, tensorCount: weightSpecs.length };
}
