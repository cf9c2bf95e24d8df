import * as tf from '@tensorflow/tfjs-core';
import { GenError } from '../errors';
import type { NamedTensors } from '../types';
import {
  byteMismatchError,
  checkWeightSpecs,
  checksumMismatchError,
  parseCheckpointHeader,
  resolveLimits,
  type CheckedWeightSpec,
  type CheckpointLimits,
  type LoadedCheckpoint,
} from './checkpoint-format';
import { describeCheckpointTarget, resolveCheckpointHandler } from './checkpoint-handlers';
import { crc32Hex } from './crc32';
import { float16BitsToFloat32 } from './float16';

/** Options of `loadCheckpoint`: the caps an untrusted checkpoint must stay under. */
export type LoadCheckpointOptions = CheckpointLimits;

/** Bytes [start, end) of weight data that may be split over several buffers (a copy, 4-byte aligned). */
function readRange(buffers: ArrayBuffer[], start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let bufferStart = 0;
  for (const buffer of buffers) {
    const bufferEnd = bufferStart + buffer.byteLength;
    if (bufferEnd > start && bufferStart < end) {
      const from = Math.max(start, bufferStart);
      const to = Math.min(end, bufferEnd);
      out.set(new Uint8Array(buffer, from - bufferStart, to - from), from - start);
    }
    if (bufferEnd >= end) break;
    bufferStart = bufferEnd;
  }
  return out;
}

function makeTensor(spec: CheckedWeightSpec, bytes: Uint8Array): tf.Tensor {
  if (spec.float16) return tf.tensor(float16BitsToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, spec.size)), spec.shape, 'float32');
  const values =
    spec.dtype === 'float32'
      ? new Float32Array(bytes.buffer, bytes.byteOffset, spec.size)
      : spec.dtype === 'int32'
        ? new Int32Array(bytes.buffer, bytes.byteOffset, spec.size)
        : bytes;
  return tf.tensor(values, spec.shape, spec.dtype);
}

/**
 * Decodes (untrusted) ModelArtifacts into a checkpoint: checks the format marker and
 * version, validates the weight specs against the limits and against the byte count of the
 * weight data, verifies every tensor's CRC-32, then creates the tensors. Nothing in a
 * checkpoint is executed; all errors are one line.
 */
export function decodeCheckpoint(
  artifacts: tf.io.ModelArtifacts,
  where: string,
  options: LoadCheckpointOptions = {},
): LoadedCheckpoint {
  const limits = resolveLimits(options);
  const header = parseCheckpointHeader(artifacts, where);
  const { specs, totalBytes } = checkWeightSpecs(artifacts.weightSpecs ?? [], where, limits, header.checksums.tensors);
  const data = artifacts.weightData;
  const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
  // By tag, not instanceof: buffers made in another realm (an iframe, a worker, jest's sandbox) are ArrayBuffers too.
  if (!buffers.every((buffer) => Object.prototype.toString.call(buffer) === '[object ArrayBuffer]')) {
    throw new GenError(`loadCheckpoint: the weight data is not an ArrayBuffer (corrupted checkpoint at ${where})`);
  }
  const actualBytes = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  if (actualBytes !== totalBytes) throw byteMismatchError('the weight data', actualBytes, totalBytes, where);

  // Verify every checksum before creating any tensor, so a bad checkpoint allocates nothing on device.
  const slices = specs.map((spec) => {
    const bytes = readRange(buffers, spec.byteOffset, spec.byteOffset + spec.byteLength);
    const computed = crc32Hex(bytes);
    const stored = header.checksums.tensors[spec.name];
    if (computed !== stored) throw checksumMismatchError(spec.name, stored, computed, where);
    return bytes;
  });
  const tensors: NamedTensors = {};
  specs.forEach((spec, i) => {
    tensors[spec.name] = makeTensor(spec, slices[i]);
  });
  return { config: header.config, tensors, metadata: header.metadata, formatVersion: header.formatVersion };
}

/**
 * Loads a checkpoint written by `saveCheckpoint` from a tf.io handler, a URL with a
 * registered scheme, or (with `@gen/core/node` imported) a folder path. The checkpoint is
 * treated as untrusted (see `decodeCheckpoint`); the folder handler also refuses weight
 * paths outside the folder and checks file sizes before reading. The caller owns the
 * returned tensors.
 */
export async function loadCheckpoint(
  source: tf.io.IOHandler | string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const limits = resolveLimits(options);
  const handler = resolveCheckpointHandler(source, 'load', 'loadCheckpoint source');
  const artifacts = handler.loadWithLimits ? await handler.loadWithLimits(limits) : await handler.load!();
  return decodeCheckpoint(artifacts, describeCheckpointTarget(source, handler), limits);
}
