// Node-only: a tf.io handler that keeps a checkpoint in a folder — `config.json` (tfjs
// model.json layout + our header) and `weights.bin` — written atomically and read as
// untrusted input.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '../errors';
import {
  DEFAULT_CHECKPOINT_LIMITS,
  byteMismatchError,
  checkWeightSpecs,
  formatCount,
  parseCheckpointHeader,
  resolveLimits,
  type CheckpointContents,
  type CheckpointLimits,
  type LoadedCheckpoint,
} from './checkpoint-format';
import type { CheckpointIOHandler } from './checkpoint-handlers';
import { loadCheckpoint } from './load-checkpoint';
import { saveCheckpoint, type SaveCheckpointResult } from './save-checkpoint';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'weights.bin';

/** The points of an atomic save, in order, as reported to `onSaveStage`. */
export type SaveStage =
  | 'weights-written'
  | 'config-written'
  | 'synced'
  | 'previous-moved-aside'
  | 'renamed'
  | 'done';

export interface FileCheckpointOptions {
  /**
   * Fault-injection hook for tests: called after each stage of a save with the paths
   * involved. Throw to fail the save there, or return a promise that never settles to
   * freeze it there (what a crash leaves on disk).
   */
  onSaveStage?: (stage: SaveStage, paths: { dir: string; temp: string; previous: string }) => void | Promise<void>;
}

let nonce = 0;

/** Sibling paths used by an atomic save of `dir`. */
function siblings(dir: string): { parent: string; previous: string; temp: () => string } {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  return {
    parent,
    previous: path.join(parent, `.${base}.previous`),
    temp: () => path.join(parent, `.${base}.partial-${process.pid}-${Date.now().toString(36)}-${nonce++}`),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function writeSynced(file: string, chunks: Uint8Array[]): Promise<void> {
  const handle = await fs.promises.open(file, 'wx');
  try {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so renames inside it are durable (a no-op where the OS refuses, e.g. Windows). */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Undoes a swap a crash interrupted: if `dir` is missing but `.dir.previous` holds the
 * previous checkpoint, move it back; if both exist, the previous one is stale.
 */
async function recoverInterruptedSwap(dir: string): Promise<void> {
  const { previous, parent } = siblings(dir);
  if (!(await exists(previous))) return;
  if (await exists(dir)) {
    await fs.promises.rm(previous, { recursive: true, force: true });
  } else {
    await fs.promises.rename(previous, dir);
    await syncDir(parent);
  }
}

/** Refuses to replace a folder that is not a checkpoint (replacing deletes what it holds). */
async function assertReplaceable(dir: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stat.isDirectory()) {
    throw new InvalidArgumentError('saveCheckpoint destination', dir, 'exists and is not a folder; refusing to replace it');
  }
  const foreign = (await fs.promises.readdir(dir)).find((entry) => entry !== CONFIG_FILE && !/^[\w.-]+\.bin$/.test(entry));
  if (foreign !== undefined) {
    throw new InvalidArgumentError(
      'saveCheckpoint destination',
      dir,
      `holds "${foreign}", so it is not a checkpoint folder (config.json + *.bin only); refusing to replace it`,
    );
  }
}

function toBytes(data: tf.io.WeightData | undefined): Uint8Array[] {
  if (data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map((buffer) => new Uint8Array(buffer));
}

/**
 * Writes `artifacts` into `dir` atomically: everything goes to a fresh hidden sibling
 * folder (`.name.partial-…`), is fsync-ed, then the old folder is renamed aside
 * (`.name.previous`), the new one renamed into place, and the old one deleted. A crash at
 * any point leaves either the previous or the new checkpoint loadable: `load` (and the next
 * save) move `.name.previous` back when `dir` itself is missing.
 */
async function saveAtomically(
  dir: string,
  artifacts: tf.io.ModelArtifacts,
  onSaveStage: FileCheckpointOptions['onSaveStage'],
): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new InvalidArgumentError('fileCheckpoint artifacts.modelTopology', 'ArrayBuffer', 'must be JSON');
  }
  const { parent, previous, temp: makeTemp } = siblings(dir);
  await fs.promises.mkdir(parent, { recursive: true });
  await recoverInterruptedSwap(dir);
  await assertReplaceable(dir);
  const temp = makeTemp();
  const stage = async (name: SaveStage) => onSaveStage?.(name, { dir, temp, previous });
  const chunks = toBytes(artifacts.weightData);
  const weightDataBytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const modelJson: tf.io.ModelJSON & Record<string, unknown> = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  let movedAside = false;
  try {
    await fs.promises.mkdir(temp);
    await writeSynced(path.join(temp, WEIGHTS_FILE), chunks);
    await stage('weights-written');
    await writeSynced(path.join(temp, CONFIG_FILE), [new TextEncoder().encode(`${JSON.stringify(modelJson, null, 1)}\n`)]);
    await stage('config-written');
    await syncDir(temp);
    await stage('synced');
    if (await exists(dir)) {
      await fs.promises.rename(dir, previous);
      movedAside = true;
      await stage('previous-moved-aside');
    }
    await fs.promises.rename(temp, dir);
    movedAside = false;
    await syncDir(parent);
    await stage('renamed');
  } catch (error) {
    // A failed (not crashed) save: put things back as they were, best effort.
    await fs.promises.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (movedAside && !(await exists(dir))) await fs.promises.rename(previous, dir).catch(() => undefined);
    throw error;
  }
  await fs.promises.rm(previous, { recursive: true, force: true });
  await stage('done');
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      weightDataBytes,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
    },
  };
}

function corrupt(where: string, what: string): GenError {
  return new GenError(`loadCheckpoint: ${what} (corrupted checkpoint at ${where})`);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/** Resolves an untrusted weight path: relative, inside the folder (also after symlinks), a regular file. */
async function resolveWeightPath(root: string, realRoot: string, weightPath: unknown, where: string): Promise<{ file: string; size: number }> {
  if (typeof weightPath !== 'string' || weightPath.length === 0 || weightPath.includes('\0')) {
    throw corrupt(where, `weight path ${JSON.stringify(weightPath) ?? String(weightPath)} is not a file name`);
  }
  const escapes =
    path.isAbsolute(weightPath) ||
    path.win32.isAbsolute(weightPath) ||
    /^[a-z][a-z0-9+.-]*:/i.test(weightPath) ||
    weightPath.split(/[\\/]/).includes('..') ||
    !isInside(root, path.resolve(root, weightPath));
  if (escapes) {
    throw new GenError(`loadCheckpoint: weight path ${JSON.stringify(weightPath)} escapes the checkpoint folder (refused; checkpoint at ${where})`);
  }
  let real: string;
  try {
    real = await fs.promises.realpath(path.resolve(root, weightPath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new GenError(`loadCheckpoint: weight file ${weightPath} is missing (incomplete checkpoint at ${where})`);
    }
    throw error;
  }
  if (!isInside(realRoot, real)) {
    throw new GenError(
      `loadCheckpoint: weight path ${JSON.stringify(weightPath)} is a link to ${real}, outside the checkpoint folder (refused; checkpoint at ${where})`,
    );
  }
  const stat = await fs.promises.stat(real);
  if (!stat.isFile()) throw corrupt(where, `weight path ${JSON.stringify(weightPath)} is not a regular file`);
  return { file: real, size: stat.size };
}

/** Reads exactly `size` bytes of `file` into a fresh buffer (a shorter file means it changed under us). */
async function readExactly(file: string, size: number, label: string, where: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  const handle = await fs.promises.open(file, 'r');
  try {
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) throw byteMismatchError(label, offset, size, where);
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return bytes;
}

/** Reads a checkpoint folder as untrusted input; checks everything it can before reading weights. */
async function loadFromFolder(dir: string, limits: Required<CheckpointLimits>): Promise<tf.io.ModelArtifacts> {
  // Loading never writes: if a crash (or a concurrent save) left `dir` moved aside, read the aside copy.
  const { previous } = siblings(dir);
  const root = !(await exists(dir)) && (await exists(path.join(previous, CONFIG_FILE))) ? previous : dir;
  const where = dir;
  let realRoot: string;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new GenError(`loadCheckpoint: no checkpoint at ${dir} (the folder does not exist)`);
    throw error;
  }
  // config.json: a regular file inside the folder, of bounded size.
  let config: { file: string; size: number };
  try {
    config = await resolveWeightPath(root, realRoot, CONFIG_FILE, where);
  } catch (error) {
    if (GenError.isInstance(error) && error.message.includes('is missing')) {
      throw new GenError(`loadCheckpoint: no checkpoint at ${dir} (${CONFIG_FILE} not found)`);
    }
    throw error;
  }
  if (config.size > limits.maxConfigBytes) {
    throw new GenError(
      `loadCheckpoint: ${CONFIG_FILE} is ${formatCount(config.size)} bytes, above maxConfigBytes (${formatCount(limits.maxConfigBytes)}) (checkpoint at ${where})`,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(await readExactly(config.file, config.size, CONFIG_FILE, where)));
  } catch (error) {
    if (GenError.isInstance(error)) throw error;
    throw corrupt(where, `${CONFIG_FILE} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt(where, `${CONFIG_FILE} is not a JSON object`);
  const header = parseCheckpointHeader(json, where);
  const manifest = json.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    !manifest.every(
      (group) =>
        typeof group === 'object' && group !== null && Array.isArray(group.paths) && Array.isArray(group.weights),
    )
  ) {
    throw corrupt(where, 'weightsManifest is not a list of { paths, weights } groups');
  }
  // 1. Shapes, dtypes, names, caps and checksum coverage: pure arithmetic, nothing read yet.
  const allSpecs = manifest.flatMap((group) => group.weights as unknown[]);
  const { specs } = checkWeightSpecs(allSpecs, where, limits, header.checksums.tensors);
  // 2. Every path stays inside the folder, and each group's files hold exactly its bytes.
  const groups: { files: { file: string; size: number }[]; label: string }[] = [];
  let index = 0;
  for (const group of manifest) {
    const needed = (group.weights as unknown[]).reduce<number>((sum) => sum + specs[index++].byteLength, 0);
    const files = [];
    for (const weightPath of group.paths as unknown[]) files.push(await resolveWeightPath(root, realRoot, weightPath, where));
    const label = group.paths.length === 0 ? 'the weight data (no files listed)' : (group.paths as string[]).join(' + ');
    const actual = files.reduce((sum, file) => sum + file.size, 0);
    if (actual !== needed) throw byteMismatchError(label, actual, needed, where);
    groups.push({ files, label });
  }
  // 3. Only now read (and allocate) the bytes the manifest was checked to need.
  const weightData: ArrayBuffer[] = [];
  for (const group of groups) {
    for (const file of group.files) {
      weightData.push((await readExactly(file.file, file.size, group.label, where)).buffer as ArrayBuffer);
    }
  }
  return {
    format: json.format as string,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: (json.convertedBy ?? null) as string | null,
    modelTopology: (json.modelTopology ?? {}) as {},
    weightSpecs: allSpecs as tf.io.WeightsManifestEntry[],
    weightData,
    userDefinedMetadata: json.userDefinedMetadata as { [key: string]: {} },
  };
}

/**
 * A tf.io handler for a checkpoint folder: `dir/config.json` (the tfjs model.json layout:
 * `weightsManifest` with paths relative to `dir`, plus our header with format version,
 * config, metadata and CRC-32s) and `dir/weights.bin`. Saves are atomic (see
 * `saveAtomically`); loads treat the folder as untrusted and check paths, sizes and caps
 * before reading weights. Use with `saveCheckpoint` / `loadCheckpoint`.
 */
export function fileCheckpoint(dir: string, options: FileCheckpointOptions = {}): CheckpointIOHandler {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError('fileCheckpoint dir', dir, 'must be a non-empty folder path');
  }
  const resolved = path.resolve(dir);
  return {
    location: resolved,
    save: (artifacts: tf.io.ModelArtifacts) => saveAtomically(resolved, artifacts, options.onSaveStage),
    load: () => loadFromFolder(resolved, { ...DEFAULT_CHECKPOINT_LIMITS }),
    loadWithLimits: (limits: CheckpointLimits) => loadFromFolder(resolved, resolveLimits(limits)),
  };
}

/** `saveCheckpoint` into a folder (atomic; see `fileCheckpoint`). */
export function saveCheckpointToDir(
  dir: string,
  contents: CheckpointContents,
  options: FileCheckpointOptions = {},
): Promise<SaveCheckpointResult> {
  return saveCheckpoint(fileCheckpoint(dir, options), contents);
}

/** `loadCheckpoint` from a folder, with the untrusted-input caps of `options`. */
export function loadCheckpointFromDir(dir: string, options: CheckpointLimits = {}): Promise<LoadedCheckpoint> {
  return loadCheckpoint(fileCheckpoint(dir), options);
}
