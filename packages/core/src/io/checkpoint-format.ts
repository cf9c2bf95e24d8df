// The checkpoint format: tfjs ModelArtifacts / model.json (so every tf.io handler can carry
// it) whose `format` is "gen-checkpoint" and whose `userDefinedMetadata.genCheckpoint`
// holds our header (format version, config, metadata, per-tensor CRC-32). Everything here
// treats its input as untrusted: shapes, dtypes, sizes and names are checked against each
// other and against limits before any weight byte is read or any buffer is allocated.
import { GenError, InvalidArgumentError, describeValue } from '../errors';
import type { JsonValue, NamedTensors } from '../types';

/** `format` of every checkpoint's artifacts / config.json. */
export const CHECKPOINT_FORMAT = 'gen-checkpoint';
/** The version this code writes and the only one it reads. Bump on any incompatible change. */
export const CHECKPOINT_FORMAT_VERSION = 1;
export const CHECKPOINT_GENERATED_BY = '@gen/core';
/** Key of our header inside `userDefinedMetadata`. */
export const CHECKPOINT_HEADER_KEY = 'genCheckpoint';

export type CheckpointDtype = 'float32' | 'int32' | 'bool';
export const CHECKPOINT_BYTES_PER_ELEMENT: Readonly<Record<CheckpointDtype, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
};

/** What `saveCheckpoint` writes. */
export interface CheckpointContents {
  /** The model / run configuration (JSON), e.g. `{ family: 'vae', model: vae.config }`. */
  config: JsonValue;
  /** Named tensors, typically `Stateful.stateDict()` outputs under 'model/…', 'optimizer/…', 'ema/…'. */
  tensors: NamedTensors;
  /** Free-form JSON (step, RNG state, data position, metrics…). Defaults to null. */
  metadata?: JsonValue;
  /**
   * How float32 tensors are stored: 'float32' (default, exact), or 'float16' — IEEE half
   * precision, half the bytes, ~3 significant digits, loaded back as float32. For shipping
   * sampling weights (measure the model after the conversion); never for training state.
   */
  storage?: 'float32' | 'float16';
}

/** What `loadCheckpoint` returns. The caller owns (and disposes) `tensors`. */
export interface LoadedCheckpoint {
  config: JsonValue;
  tensors: NamedTensors;
  metadata: JsonValue;
  formatVersion: number;
}

/** Caps applied to untrusted checkpoints before anything is allocated. */
export interface CheckpointLimits {
  /** Most bytes of weights a checkpoint may declare (default 2 GiB). */
  maxBytes?: number;
  /** Most elements one tensor may declare (default 2^29 = 536,870,912). */
  maxTensorElements?: number;
  /** Most tensors a checkpoint may declare (default 100,000). */
  maxTensors?: number;
  /** Largest config.json accepted, in bytes (default 64 MiB). */
  maxConfigBytes?: number;
}

export const DEFAULT_CHECKPOINT_LIMITS: Readonly<Required<CheckpointLimits>> = {
  maxBytes: 2 * 1024 ** 3,
  maxTensorElements: 2 ** 29,
  maxTensors: 100_000,
  maxConfigBytes: 64 * 1024 ** 2,
};
const MAX_RANK = 16;

/** Our header inside `userDefinedMetadata.genCheckpoint`. */
export interface CheckpointHeader {
  formatVersion: number;
  config: JsonValue;
  metadata: JsonValue;
  checksums: { algorithm: 'crc32'; tensors: Record<string, string> };
}

/** A validated weight entry with its place in the concatenated weight data. */
export interface CheckedWeightSpec {
  name: string;
  shape: number[];
  dtype: CheckpointDtype;
  size: number;
  byteOffset: number;
  byteLength: number;
  /** float32 stored as IEEE half floats (`quantization: { dtype: 'float16' }`). */
  float16: boolean;
}

/** `1234567` → `1,234,567` (byte counts in messages). */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

export function resolveLimits(limits: CheckpointLimits = {}, context = 'loadCheckpoint'): Required<CheckpointLimits> {
  const resolved = { ...DEFAULT_CHECKPOINT_LIMITS };
  for (const key of Object.keys(DEFAULT_CHECKPOINT_LIMITS) as (keyof CheckpointLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`${context} options.${key}`, value, 'must be a positive integer');
    }
    resolved[key] = value;
  }
  return resolved;
}

function corrupt(where: string, what: string): GenError {
  return new GenError(`loadCheckpoint: ${what} (corrupted checkpoint at ${where})`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks `format` and `userDefinedMetadata.genCheckpoint` of a loaded config.json / artifacts
 * and returns the header. Wrong or future versions give one line naming both versions.
 */
export function parseCheckpointHeader(
  artifacts: { format?: unknown; userDefinedMetadata?: unknown },
  where: string,
): CheckpointHeader {
  if (artifacts.format !== CHECKPOINT_FORMAT) {
    throw new GenError(
      `loadCheckpoint: not a @gen checkpoint (format ${describeValue(artifacts.format)}, expected "${CHECKPOINT_FORMAT}") at ${where}`,
    );
  }
  const header = isPlainObject(artifacts.userDefinedMetadata)
    ? artifacts.userDefinedMetadata[CHECKPOINT_HEADER_KEY]
    : undefined;
  if (!isPlainObject(header)) {
    throw corrupt(where, `userDefinedMetadata.${CHECKPOINT_HEADER_KEY} is missing`);
  }
  const version = header.formatVersion;
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    const newer = typeof version === 'number' && version > CHECKPOINT_FORMAT_VERSION;
    throw new GenError(
      `loadCheckpoint: checkpoint format version ${describeValue(version)} is not supported ` +
        `(this @gen/core reads version ${CHECKPOINT_FORMAT_VERSION}${newer ? '; upgrade @gen/core' : ''}) at ${where}`,
    );
  }
  const checksums = header.checksums;
  if (
    !isPlainObject(checksums) ||
    checksums.algorithm !== 'crc32' ||
    !isPlainObject(checksums.tensors) ||
    !Object.values(checksums.tensors).every((v) => typeof v === 'string' && /^[0-9a-f]{8}$/.test(v))
  ) {
    throw corrupt(where, 'the checksums block is missing or malformed (expected crc32 hex per tensor)');
  }
  return {
    formatVersion: version,
    config: (header.config ?? null) as JsonValue,
    metadata: (header.metadata ?? null) as JsonValue,
    checksums: { algorithm: 'crc32', tensors: checksums.tensors as Record<string, string> },
  };
}

/**
 * Validates untrusted weight specs (names, dtypes, shapes, element and byte caps) and lays
 * them out back to back. Pure arithmetic on the manifest: nothing is allocated.
 */
export function checkWeightSpecs(
  specs: unknown,
  where: string,
  limits: Required<CheckpointLimits>,
  checksums?: Record<string, string>,
): { specs: CheckedWeightSpec[]; totalBytes: number } {
  if (!Array.isArray(specs)) throw corrupt(where, 'the weight manifest is not a list');
  if (specs.length > limits.maxTensors) {
    throw new GenError(
      `loadCheckpoint: the manifest declares ${formatCount(specs.length)} tensors, above maxTensors ` +
        `(${formatCount(limits.maxTensors)}) (checkpoint at ${where}); pass a larger maxTensors if you trust it`,
    );
  }
  const seen = new Set<string>();
  const checked: CheckedWeightSpec[] = [];
  let offset = 0;
  for (const spec of specs as unknown[]) {
    if (!isPlainObject(spec) || typeof spec.name !== 'string' || spec.name.length === 0) {
      throw corrupt(where, `weight entry ${describeValue(spec)} has no name`);
    }
    const name = spec.name;
    if (seen.has(name)) throw corrupt(where, `tensor "${name}" appears twice in the manifest`);
    seen.add(name);
    const dtype = spec.dtype;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw corrupt(where, `tensor "${name}" has dtype ${describeValue(dtype)}; checkpoints hold float32, int32 or bool`);
    }
    // The one quantization we write: float32 stored as half floats.
    const float16 = spec.quantization !== undefined;
    if (float16 && !(dtype === 'float32' && isPlainObject(spec.quantization) && spec.quantization.dtype === 'float16' && Object.keys(spec.quantization).length === 1)) {
      throw new GenError(
        `loadCheckpoint: tensor "${name}" has quantization ${describeValue(spec.quantization)}; checkpoints hold float32 stored as { dtype: 'float16' } or unquantized weights (checkpoint at ${where})`,
      );
    }
    const shape = spec.shape;
    if (
      !Array.isArray(shape) ||
      shape.length > MAX_RANK ||
      !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
    ) {
      throw corrupt(where, `tensor "${name}" has shape ${describeValue(shape)}; dims must be non-negative integers, rank ≤ ${MAX_RANK}`);
    }
    let size = 1;
    for (const dim of shape as number[]) {
      size *= dim;
      if (size > limits.maxTensorElements) break; // stop before the product overflows
    }
    if (size > limits.maxTensorElements) {
      throw new GenError(
        `loadCheckpoint: tensor "${name}" declares shape [${shape.join(', ')}], above maxTensorElements ` +
          `(${formatCount(limits.maxTensorElements)}) (checkpoint at ${where}); pass a larger maxTensorElements if you trust it`,
      );
    }
    const byteLength = size * (float16 ? 2 : CHECKPOINT_BYTES_PER_ELEMENT[dtype]);
    if (offset + byteLength > limits.maxBytes) {
      throw new GenError(
        `loadCheckpoint: the manifest declares more than ${formatCount(limits.maxBytes)} bytes of weights ` +
          `(maxBytes, reached at tensor "${name}") (checkpoint at ${where}); pass a larger maxBytes if you trust it`,
      );
    }
    checked.push({ name, shape: [...(shape as number[])], dtype, size, byteOffset: offset, byteLength, float16 });
    offset += byteLength;
  }
  if (checksums) {
    const unchecked = checked.find((spec) => checksums[spec.name] === undefined);
    if (unchecked !== undefined) throw corrupt(where, `tensor "${unchecked.name}" has no checksum`);
    const extra = Object.keys(checksums).find((name) => !seen.has(name));
    if (extra !== undefined) throw corrupt(where, `a checksum names tensor "${extra}", which the manifest lacks`);
  }
  return { specs: checked, totalBytes: offset };
}

/** The message for weight bytes that disagree with the manifest (the file-size check). */
export function byteMismatchError(label: string, actual: number, needed: number, where: string): GenError {
  const cause = actual < needed ? 'truncated or corrupted' : 'corrupted';
  return new GenError(
    `loadCheckpoint: ${label} is ${formatCount(actual)} bytes but the manifest needs ${formatCount(needed)} (${cause} checkpoint at ${where})`,
  );
}

export function checksumMismatchError(name: string, stored: string, computed: string, where: string): GenError {
  return corrupt(where, `tensor "${name}" fails its crc32 check (stored ${stored}, computed ${computed})`);
}

/**
 * Throws InvalidArgumentError unless `value` is plain JSON (finite numbers, no undefined,
 * functions, cycles or class instances), so what is saved is what is loaded.
 */
export function assertJsonValue(value: unknown, argument: string, seen: Set<unknown> = new Set()): asserts value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(argument, value, 'must be JSON: numbers must be finite');
    return;
  }
  if (typeof value === 'object') {
    if (seen.has(value)) throw new InvalidArgumentError(argument, '[cycle]', 'must be JSON: it refers to itself');
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, i) => assertJsonValue(item, `${argument}[${i}]`, seen));
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidArgumentError(argument, value, 'must be JSON: plain objects, arrays, strings, finite numbers, booleans, null');
      }
      for (const [key, item] of Object.entries(value)) assertJsonValue(item, `${argument}.${key}`, seen);
    }
    seen.delete(value);
    return;
  }
  throw new InvalidArgumentError(argument, value, 'must be JSON: plain objects, arrays, strings, finite numbers, booleans, null');
}
