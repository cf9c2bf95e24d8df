// What gen train | sample | eval share across model families: options, run folders,
// checkpoint lookup, the progress bar, Ctrl-C, sample files and the FID classifier.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { backendOption, outOption, seedOption } from '../common-options';
import { choiceOption, integerOption, nonEmptyOption, type OptionSpec, type OptionSpecs } from '../options';
import type { CliIO } from '../output';
import { ProgressBar } from '../progress-bar';
import { UsageError } from '../usage-error';

export const DATASETS = ['mnist', 'fashion'] as const;
export type DatasetChoice = (typeof DATASETS)[number];

/** Name of the file `gen train` writes into its --out folder to describe the run. */
export const RUN_FILE = 'run.json';

// ---- option specs ----

export function datasetOption(description = 'training data: mnist or fashion (Fashion-MNIST)'): OptionSpec<DatasetChoice> {
  return { type: 'string', valueName: 'name', description, default: 'mnist', parse: choiceOption(DATASETS) };
}

/** A positive number (floats allowed); `Infinity` when `allowInfinity`. */
export function positiveNumberOption(what: string, allowInfinity = false): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const value = raw.trim() === 'Infinity' || raw.trim() === 'inf' ? Infinity : Number(raw);
    if (raw.trim() === '' || Number.isNaN(value) || !(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
      throw new UsageError(flag, raw, `must be a number > 0${allowInfinity ? ' (Infinity: no truncation)' : ''}${what ? ` (${what})` : ''}`);
    }
    return value;
  };
}

/** A number ≥ 0. */
export function nonNegativeNumberOption(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(flag, raw, 'must be a number ≥ 0');
  return value;
}

/** `--config`: inline JSON (`'{"latentDim":8}'`) or the path of a JSON file; must be an object. */
export function configOption(fields: string): OptionSpec<Record<string, unknown> | undefined> {
  return {
    type: 'string',
    valueName: 'json|file',
    description: `JSON object (inline or a file) overriding model fields: ${fields}`,
    defaultLabel: 'none',
    parse: (raw, flag) => {
      let text = raw;
      if (!raw.trim().startsWith('{')) {
        if (!existsSync(raw)) throw new UsageError(flag, raw, 'must be a JSON object or the path of a JSON file (no such file)');
        text = readFileSync(raw, 'utf8');
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new UsageError(flag, raw, `must be a JSON object or the path of a JSON file (${(error as Error).message.split('\n')[0]})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(flag, raw, 'must be a JSON object');
      return value as Record<string, unknown>;
    },
  };
}

/** Checks `--config` keys against the allowed ones (exit 2 naming the first unknown key). */
export function checkConfigKeys(config: Record<string, unknown> | undefined, allowed: readonly string[]): Record<string, unknown> {
  if (!config) return {};
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) throw new UsageError('--config', JSON.stringify(config), `has an unknown field "${key}"; fields: ${allowed.join(', ')}`);
  }
  return config;
}

/** Options every `gen train <family>` takes. */
export function trainOptions(family: string): OptionSpecs {
  return {
    dataset: datasetOption(),
    conditional: { type: 'boolean', description: 'condition on the class labels (sample with --label)', default: false },
    steps: { type: 'string', valueName: 'n', description: 'total training steps (with --resume: continue up to this step)', default: 1000, parse: integerOption(1, 1e9) },
    'batch-size': { type: 'string', valueName: 'n', description: 'images per step', default: 64, parse: integerOption(1, 65536) },
    out: outOption(`./runs/${family}`),
    resume: { type: 'boolean', description: 'continue from the newest checkpoint in <out>/checkpoints', default: false },
    every: { type: 'string', valueName: 'n', description: 'write a sample grid <out>/samples/step-NNNNNN.png every n steps (0: never)', defaultLabel: 'steps/10', parse: integerOption(0, 1e9) },
    'checkpoint-every': { type: 'string', valueName: 'n', description: 'write a checkpoint every n steps (and at the end)', defaultLabel: 'steps/10', parse: integerOption(1, 1e9) },
    keep: { type: 'string', valueName: 'n', description: 'newest step checkpoints kept', default: 3, parse: integerOption(1, 1e6) },
    'limit-data': { type: 'string', valueName: 'n', description: 'train on the first n images of the train split only (quick runs, tests)', defaultLabel: 'all', parse: integerOption(1, 1e9) },
    'max-minutes': {
      type: 'string',
      valueName: 'm',
      description: 'wall-clock budget of this invocation: stop after the step that passes it, with a final checkpoint (exit 0; --resume continues)',
      defaultLabel: 'none',
      parse: positiveNumberOption(''),
    },
    backend: backendOption(),
    seed: seedOption(),
  };
}

/**
 * `--workers auto|N`: data-parallel training over worker threads (docs/parallel-training.md).
 * `auto` (default): one replica per core on the wasm / cpu backends when every replica gets at
 * least 8 images of a batch, else 1; `1` trains in one thread.
 */
export function workersOption(): OptionSpec<number | 'auto'> {
  return {
    type: 'string',
    valueName: 'auto|n',
    description: 'data-parallel training over worker threads: auto = one per core on wasm/cpu when each gets ≥ 8 images of a batch; 1 = one thread',
    default: 'auto',
    parse: (raw, flag) => {
      if (raw === 'auto') return 'auto';
      const value = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1 || value > 256) throw new UsageError(flag, raw, 'must be auto or an integer from 1 to 256');
      return value;
    },
  };
}

/** `--checkpoint pretrained:<name>` selects a checkpoint the family package ships. */
export const PRETRAINED_PREFIX = 'pretrained:';

/** A family's shipped checkpoints: their names and where each one is. */
export interface PretrainedLookup {
  names: readonly string[];
  dir(name: string): string;
}

export function checkpointOption(family: string): OptionSpec<string | undefined> {
  return {
    type: 'string',
    valueName: 'dir',
    description: `a run folder of gen train ${family}, its checkpoints/ folder or one checkpoint folder; pretrained:<name> for a shipped one`,
    defaultLabel: 'required',
    parse: nonEmptyOption,
  };
}

/** Options every `gen sample <family>` takes. */
export function sampleOptions(family: string): OptionSpecs {
  return {
    checkpoint: checkpointOption(family),
    n: { type: 'string', valueName: 'n', description: 'images to sample', default: 64, parse: integerOption(1, 100000) },
    out: outOption(`./samples/${family}`),
    label: { type: 'string', valueName: 'class', description: 'class of every image (conditional checkpoints); default: classes in turn', defaultLabel: 'cycle', parse: integerOption(0, 1e6) },
    backend: backendOption(),
    seed: seedOption(),
  };
}

/** Options every `gen eval <family>` takes. */
export function evalOptions(family: string): OptionSpecs {
  return {
    checkpoint: checkpointOption(family),
    n: { type: 'string', valueName: 'n', description: 'samples compared with n real test images (FID, floor, KID)', default: 1000, parse: integerOption(1, 1e7) },
    out: outOption(`./eval/${family}`),
    dataset: { ...datasetOption('real data to compare with; default: the dataset the checkpoint was trained on'), default: undefined, defaultLabel: 'from the run' },
    backend: backendOption(),
    seed: seedOption(),
  };
}

// ---- training data ----

export async function loadTrainingData(name: DatasetChoice, limit: number | undefined): Promise<core.ImageDataset> {
  const dataset = await coreNode.loadDataset(name, { split: 'train' });
  if (limit === undefined || limit >= dataset.size) return dataset;
  return core.subset(dataset, Array.from({ length: limit }, (_, i) => i), { name: `${dataset.name}[:${limit}]` });
}

// ---- run folders ----

export interface RunFolders {
  out: string;
  checkpoints: string;
  samples: string;
  metricsFile: string;
  evalFile: string;
  /** The newest checkpoint step already in checkpoints/ (0 when none). */
  startStep: number;
}

/** Steps of the complete checkpoints (`step-NNNNNNNN/config.json`) in `dir`, ascending. */
export function checkpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const steps: number[] = [];
  for (const entry of readdirSync(dir)) {
    const match = /^step-(\d+)$/.exec(entry);
    if (match && existsSync(join(dir, entry, 'config.json'))) steps.push(Number(match[1]));
  }
  return steps.sort((a, b) => a - b);
}

/**
 * The folders of a training run. Without --resume an --out that already holds checkpoints
 * is refused (exit 2), so two runs never mix their checkpoints.
 */
export function prepareRun(outOptionValue: string, resume: boolean, steps: number): RunFolders {
  const out = resolve(outOptionValue);
  const checkpoints = join(out, 'checkpoints');
  const existing = checkpointSteps(checkpoints);
  const startStep = existing.at(-1) ?? 0;
  if (!resume && existing.length > 0) {
    throw new UsageError('--out', outOptionValue, `already holds checkpoints up to step ${startStep}: add --resume to continue that run, or choose another --out`);
  }
  if (resume && startStep > steps) {
    throw new UsageError('--steps', String(steps), `must be at least ${startStep}, the step of the newest checkpoint in ${checkpoints} (--steps is the run's total)`);
  }
  mkdirSync(checkpoints, { recursive: true });
  return { out, checkpoints, samples: join(out, 'samples'), metricsFile: join(out, 'metrics.jsonl'), evalFile: join(out, 'eval.jsonl'), startStep };
}

/** What `gen train` records in `<out>/run.json`: enough for sample / eval to find the dataset and the classes. */
export interface RunRecord {
  family: string;
  dataset: DatasetChoice;
  conditional: boolean;
  numClasses: number;
  classNames: string[];
  argv: string[];
  /** The command of each --resume, with the step it continued from. */
  resumes?: { fromStep: number; argv: string[]; at: string }[];
  [key: string]: unknown;
}

/** Writes run.json, or on --resume checks that the run's family and dataset match. */
export function writeRunRecord(folders: RunFolders, record: RunRecord, resume: boolean): void {
  const path = join(folders.out, RUN_FILE);
  if (resume && existsSync(path)) {
    const previous = readRunRecord(path);
    for (const key of ['family', 'dataset', 'conditional'] as const) {
      if (previous && previous[key] !== record[key]) {
        throw new UsageError(`--${key === 'family' ? 'out' : key}`, String(record[key]), `does not match the run being resumed in ${folders.out} (${key}: ${String(previous[key])})`);
      }
    }
    // Provenance: a resume may change options (a fine-tune), so each one's command is kept.
    if (previous && folders.startStep > 0) {
      const resumes = Array.isArray(previous.resumes) ? previous.resumes : [];
      const updated = { ...previous, resumes: [...resumes, { fromStep: folders.startStep, argv: record.argv, at: new Date().toISOString() }] };
      writeFileSync(path, `${JSON.stringify(updated, null, 2)}\n`);
    }
    return;
  }
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
}

function readRunRecord(path: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

/** `samples/step-000120.png`. */
export function sampleGridPath(folders: RunFolders, step: number): string {
  return join(folders.samples, `step-${String(step).padStart(6, '0')}.png`);
}

export function appendJsonLine(file: string, record: unknown): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

// ---- checkpoints for sample / eval ----

export interface ResolvedCheckpoint {
  /** The folder holding config.json and weights.bin. */
  location: string;
  /** Its training step, when it is a `step-…` folder. */
  step: number | null;
  /** run.json of the training run, when found above it. */
  run: RunRecord | null;
}

/**
 * `--checkpoint` may name a checkpoint folder (config.json), a folder of `step-…` checkpoints
 * (the newest is used) or a run folder of `gen train` (its checkpoints/). Missing: exit 2; a
 * folder without any checkpoint: exit 1.
 */
export function resolveCheckpoint(given: string | undefined, commandPath: string, pretrained?: PretrainedLookup): ResolvedCheckpoint {
  if (given === undefined) {
    throw new UsageError('--checkpoint', undefined, `is required: ${commandPath} --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)`);
  }
  if (given.startsWith(PRETRAINED_PREFIX)) {
    const name = given.slice(PRETRAINED_PREFIX.length);
    if (!pretrained || !pretrained.names.includes(name)) {
      const names = pretrained?.names ?? [];
      throw new UsageError('--checkpoint', given, names.length > 0 ? `names no shipped checkpoint (shipped: ${names.map((n) => PRETRAINED_PREFIX + n).join(', ')})` : 'names no shipped checkpoint (this family ships none)');
    }
    return { location: pretrained.dir(name), step: null, run: null };
  }
  const path = resolve(given);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new UsageError('--checkpoint', given, 'is not a folder');
  let location: string | null = null;
  let step: number | null = null;
  if (existsSync(join(path, 'config.json'))) {
    location = path;
    const match = /^step-(\d+)$/.exec(path.split(/[\\/]/).at(-1) ?? '');
    step = match ? Number(match[1]) : null;
  } else {
    for (const dir of [join(path, 'checkpoints'), path]) {
      const steps = checkpointSteps(dir);
      if (steps.length > 0) {
        step = steps.at(-1)!;
        location = join(dir, `step-${String(step).padStart(8, '0')}`);
        break;
      }
    }
  }
  if (location === null) {
    throw new core.GenError(`no checkpoint in ${path} (expected config.json, step-… checkpoint folders, or a checkpoints/ folder of gen train)`);
  }
  let run: RunRecord | null = null;
  for (let dir = location, depth = 0; depth < 3; depth++, dir = dirname(dir)) {
    if (existsSync(join(dir, RUN_FILE))) {
      run = readRunRecord(join(dir, RUN_FILE));
      break;
    }
  }
  return { location, step, run };
}

/**
 * The `config` saved in a checkpoint folder (config.json's genCheckpoint.config), after checking
 * that it belongs to `family`: a corrupted config.json or another family's checkpoint is one
 * line (exit 1).
 */
export function checkpointConfig(family: string, location: string): Record<string, unknown> {
  let config: unknown;
  try {
    const json = JSON.parse(readFileSync(join(location, 'config.json'), 'utf8')) as { userDefinedMetadata?: { genCheckpoint?: { config?: unknown } } };
    config = json?.userDefinedMetadata?.genCheckpoint?.config;
  } catch (error) {
    const why = error instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(error as Error).message.split('\n')[0]})`;
    throw new core.GenError(`${location} is not a readable ${family} checkpoint: its config.json ${why}`);
  }
  if (typeof config !== 'object' || config === null) {
    throw new core.GenError(`${location} is not a readable ${family} checkpoint: config.json holds no @gen/core checkpoint config`);
  }
  const found = (config as { family?: unknown }).family;
  if (found !== family) {
    throw new core.GenError(`${location} is ${typeof found === 'string' ? `a ${found} checkpoint` : 'not a @gen model checkpoint'}, not a ${family} checkpoint`);
  }
  return config as Record<string, unknown>;
}

/** The dataset name a checkpoint's training config records (`training.dataset`, e.g. 'mnist/train'). */
export function trainingDatasetOf(config: Record<string, unknown>): string | undefined {
  const dataset = (config.training as { dataset?: unknown } | undefined)?.dataset;
  return typeof dataset === 'string' ? dataset : undefined;
}

/** Turns any failure to read a checkpoint into one line (exit 1) naming it and the family expected. */
export async function loadCheckpointOrFail<T>(family: string, location: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new core.GenError(`${location} is not a readable ${family} checkpoint: ${message}`);
  }
}

/** Checks `--label` against the checkpoint's classes (exit 2). */
export function checkLabel(label: number | undefined, numClasses: number): void {
  if (label === undefined) return;
  if (numClasses === 0) throw new UsageError('--label', String(label), 'must be omitted: the checkpoint is unconditional');
  if (label >= numClasses) throw new UsageError('--label', String(label), `must be a class from 0 to ${numClasses - 1} (the checkpoint has ${numClasses} classes)`);
}

/** Labels of n samples: --label for all, else classes in turn (0, 1, …, K−1, 0, …); null when unconditional. */
export function sampleLabels(n: number, numClasses: number, label: number | undefined): Int32Array | null {
  if (numClasses === 0) return null;
  return Int32Array.from({ length: n }, (_, i) => (label !== undefined ? label : i % numClasses));
}

/** The per-image seed of sample i: `--seed` + i (mod 2³²), so `--n 1 --seed <that>` redraws it. */
export function sampleSeed(seed: number, index: number): number {
  return (seed + index) % 2 ** 32;
}

/** Dataset of an eval: --dataset, else the run's, else the checkpoint's training config. */
export function evalDataset(given: DatasetChoice | undefined, checkpoint: ResolvedCheckpoint, trainingDataset: unknown): DatasetChoice {
  if (given !== undefined) return given;
  if (checkpoint.run && (DATASETS as readonly string[]).includes(checkpoint.run.dataset)) return checkpoint.run.dataset;
  if (typeof trainingDataset === 'string') {
    const name = trainingDataset.split('/')[0];
    if ((DATASETS as readonly string[]).includes(name)) return name as DatasetChoice;
  }
  throw new UsageError('--dataset', undefined, `is needed: the checkpoint does not say which dataset it was trained on (--dataset ${DATASETS.join('|')})`);
}

// ---- writing samples ----

/** Grid columns: the classes for class-cycled conditional samples, else ⌈√n⌉. */
export function gridColumns(n: number, numClasses: number, cycled: boolean): number {
  if (cycled && numClasses > 0 && n >= numClasses) return numClasses;
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

/**
 * Writes `<out>/grid.png`, `<out>/samples/NNNN.png` (one PNG per image) and
 * `<out>/samples.json` (`{ samples: [{ file, seed, label? }] }` plus `extra`).
 */
export async function writeSampleSet(options: {
  out: string;
  images: tf.Tensor4D;
  seeds: number[];
  labels: Int32Array | null;
  columns: number;
  extra?: Record<string, unknown>;
}): Promise<{ grid: string; files: string[]; json: string }> {
  const { out, images, seeds, labels, columns, extra = {} } = options;
  mkdirSync(join(out, 'samples'), { recursive: true });
  const [n, height, width, channels] = images.shape;
  const grid = tf.tidy(() => core.makeGrid(images, { columns, padding: 2 }));
  const gridPath = join(out, 'grid.png');
  try {
    await coreNode.writePng(gridPath, grid);
  } finally {
    grid.dispose();
  }
  const values = await images.data();
  const size = height * width * channels;
  const files: string[] = [];
  const records: Array<{ file: string; seed: number; label?: number }> = [];
  const digits = Math.max(4, String(n - 1).length);
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j++) data[j] = Math.round(Math.min(1, Math.max(0, values[i * size + j])) * 255);
    const file = `samples/${String(i).padStart(digits, '0')}.png`;
    await coreNode.writePng(join(out, file), { data, height, width, channels });
    files.push(join(out, file));
    records.push(labels ? { file, seed: seeds[i], label: labels[i] } : { file, seed: seeds[i] });
  }
  const json = join(out, 'samples.json');
  writeFileSync(json, `${JSON.stringify({ ...extra, samples: records }, null, 2)}\n`);
  return { grid: gridPath, files, json };
}

/** Writes a tensor of frames laid out `columns` wide as one PNG. */
export async function writeFrames(path: string, frames: tf.Tensor4D, columns: number): Promise<void> {
  const grid = tf.tidy(() => core.makeGrid(frames, { columns, padding: 2 }));
  try {
    await coreNode.writePng(path, grid);
  } finally {
    grid.dispose();
  }
}

/** Maps images from the model's pixel range to [0, 1] (clipped by ≤ float error only). */
export function toUnitRange(images: tf.Tensor, range: readonly [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [low, high] = range;
    const unit = low === 0 && high === 1 ? images : tf.div(tf.sub(images, low), high - low);
    return tf.clipByValue(unit, 0, 1) as tf.Tensor4D;
  });
}

// ---- progress and Ctrl-C ----

/** A progress bar over the remaining steps of a run: losses, steps/s and ETA. */
export class TrainingProgress {
  private readonly bar: ProgressBar;
  constructor(
    io: CliIO,
    label: string,
    private readonly startStep: number,
    private readonly totalSteps: number,
  ) {
    this.bar = new ProgressBar({ total: Math.max(0, totalSteps - startStep), label, stream: io.stderr });
  }

  update(event: { step: number; losses: Record<string, number>; stepsPerSecond: number }): void {
    const losses = Object.entries(event.losses)
      .map(([name, value]) => `${name} ${formatLoss(value)}`)
      .join(' ');
    this.bar.update(event.step - this.startStep, `step ${event.step}/${this.totalSteps} ${losses} ${event.stepsPerSecond.toFixed(2)} steps/s`);
  }

  log(message: string): void {
    this.bar.log(message);
  }

  /** Ends the bar at the step the run reached (an interrupted run does not show 100%). */
  done(summary?: { steps: number }): void {
    this.bar.done(undefined, summary ? summary.steps - this.startStep : undefined);
  }
}

function formatLoss(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
}

/** Ctrl-C (SIGINT) → AbortSignal: the run stops after the current step with a final checkpoint; a second Ctrl-C exits at once. */
export function interruptSignal(io: CliIO, maxMinutes?: unknown): { signal: AbortSignal; interrupted(): boolean; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const onSigint = () => {
    if (controller.signal.aborted) {
      io.stderr.write('\ninterrupted again: exiting without a final checkpoint\n');
      process.exit(130);
    }
    io.stderr.write('\nstopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  // --max-minutes: the same stop as Ctrl-C (after the current step, with a final checkpoint) once the budget is spent.
  const timer =
    typeof maxMinutes === 'number'
      ? setTimeout(() => {
          timedOut = !controller.signal.aborted;
          controller.abort();
        }, maxMinutes * 60_000)
      : null;
  timer?.unref();
  return {
    signal: controller.signal,
    interrupted: () => controller.signal.aborted,
    timedOut: () => timedOut,
    dispose: () => {
      process.off('SIGINT', onSigint);
      if (timer) clearTimeout(timer);
    },
  };
}

/** Default interval of `--every` / `--checkpoint-every`: a tenth of the run. */
export function tenth(steps: number): number {
  return Math.max(1, Math.round(steps / 10));
}

/** Greatest common divisor (loss reads must land on the sample steps). */
export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The one-line ending of a training run; exit 0 done or at the --max-minutes budget, 130 Ctrl-C, 1 NaN / diverged. */
export function reportTrainingEnd(
  io: CliIO,
  commandPath: string,
  summary: { steps: number; stoppedBy: string; message?: string; lastCheckpoint: { step: number; location: string } | null },
  out: string,
  interrupt?: { timedOut(): boolean },
): number {
  const where = summary.lastCheckpoint ? `${summary.lastCheckpoint.location} (step ${summary.lastCheckpoint.step})` : 'none written';
  if (summary.stoppedBy === 'done') {
    io.stdout.write(`trained to step ${summary.steps}; checkpoint: ${where}\n${out}\n`);
    return 0;
  }
  if (summary.stoppedBy === 'aborted' && interrupt?.timedOut()) {
    io.stdout.write(`stopped at step ${summary.steps} (--max-minutes budget spent); checkpoint: ${where}; continue with --resume\n${out}\n`);
    return 0;
  }
  if (summary.stoppedBy === 'aborted') {
    io.stdout.write(`stopped at step ${summary.steps} (interrupted); checkpoint: ${where}; continue with --resume\n${out}\n`);
    return 130;
  }
  io.stderr.write(`${commandPath}: ${summary.message ?? `stopped by ${summary.stoppedBy} at step ${summary.steps}`}\n`);
  return 1;
}

// ---- the feature classifier (FID / KID / accuracy) ----

/**
 * `--image ref.png`: a PNG of `shape` (`[H, W, C]`; gray or colour as C), read as `[H, W, C]` in
 * [0, 1]; anything else is one line (exit 2). `sizeOf` names whose size it must be in the error.
 * Every command with a reference image reads it here (gen sample unclip | diffusion | gan | vae).
 */
export async function readReferenceImage(path: string, shape: readonly [number, number, number] | readonly number[], sizeOf = "the CLIP's", flag = '--image'): Promise<tf.Tensor3D> {
  const [height, width, channels] = shape;
  if (!existsSync(resolve(path)) || !statSync(resolve(path)).isFile()) throw new UsageError(flag, path, 'is not a file');
  let pixels: core.PixelImage;
  try {
    pixels = await coreNode.readPng(resolve(path), { channels: channels as 1 | 3 | 4 });
  } catch (error) {
    throw new UsageError(flag, path, `is not a readable PNG (${(error as Error).message.split('\n')[0]})`);
  }
  if (pixels.height !== height || pixels.width !== width) {
    throw new UsageError(flag, path, `is ${pixels.width}×${pixels.height}, not ${sizeOf} ${width}×${height} image size`);
  }
  return tf.tidy(() => tf.div(tf.tensor3d(Float32Array.from(pixels.data), [height, width, channels]), 255) as tf.Tensor3D);
}

/**
 * The shipped feature classifier of `dataset` (packages/core/assets/feature-classifiers/…),
 * or null when it is not there. @gen/core/node's `loadFeatureClassifier('mnist')` is used
 * when @gen/core/node exports it; otherwise the folder is found from where @gen/core resolves.
 */
export async function loadClassifier(dataset: DatasetChoice): Promise<core.metrics.FeatureClassifier | null> {
  const named = Reflect.get(coreNode, 'loadFeatureClassifier') as ((name: string) => Promise<core.metrics.FeatureClassifier>) | undefined;
  if (typeof named === 'function') {
    try {
      return await named(dataset);
    } catch {
      return null;
    }
  }
  const dir = classifierDir(dataset);
  if (dir === null) return null;
  return core.metrics.loadFeatureClassifier({ handler: coreNode.fileCheckpoint(dir) });
}

function classifierDir(dataset: DatasetChoice): string | null {
  const relative = join('assets', 'feature-classifiers', dataset);
  const roots: string[] = [];
  for (const from of [join(process.cwd(), 'package.json'), process.argv[1], typeof __filename === 'string' ? __filename : undefined]) {
    if (!from) continue;
    try {
      roots.push(dirname(createRequire(from).resolve('@gen/core/package.json')));
    } catch {
      // not resolvable from there
    }
  }
  roots.push(join(process.cwd(), 'packages', 'core'));
  for (const root of roots) {
    if (existsSync(join(root, relative, 'config.json'))) return join(root, relative);
  }
  return null;
}

/** Real test images of `dataset` for FID and KID; n must leave room for the floor's two disjoint subsets. */
export async function realTestImages(dataset: DatasetChoice): Promise<core.ImageDataset> {
  return coreNode.loadDataset(dataset, { split: 'test' });
}

/** `--n` of eval: at least 2 and at most half the real test split (exit 2 otherwise). */
export function checkEvalN(n: number, dataset: DatasetChoice, realSize: number, flag = '--n'): void {
  const most = Math.floor(realSize / 2);
  if (n < 2 || n > most) {
    throw new UsageError(flag, String(n), `must be an integer from 2 to ${most} for ${dataset} (FID's floor needs two disjoint subsets of n real test images out of ${realSize})`);
  }
}

export interface SampleMetrics {
  n: number;
  fid: number;
  floor: number;
  ratio: number;
  kid: number;
  kidStd: number;
  classAccuracy?: number;
  perClassAccuracy?: number[];
  classFractions: number[];
}

/**
 * The one-line summary eval commands print: FID, floor, ratio, KID, class accuracy (worst
 * class beside it) and the smallest and largest share of samples the classifier gives a class.
 */
export function formatSampleMetrics(metrics: SampleMetrics): string {
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  let line = `fid ${metrics.fid.toFixed(3)} floor ${metrics.floor.toFixed(3)} ratio ${metrics.ratio.toFixed(3)} kid ${metrics.kid.toFixed(5)}`;
  if (metrics.classAccuracy !== undefined) {
    line += ` accuracy ${metrics.classAccuracy.toFixed(3)}`;
    const perClass = (metrics.perClassAccuracy ?? []).filter((a) => !Number.isNaN(a));
    if (perClass.length > 0) line += ` (worst class ${Math.min(...perClass).toFixed(3)})`;
  }
  if (metrics.classFractions.length > 0) line += ` class shares ${percent(Math.min(...metrics.classFractions))}–${percent(Math.max(...metrics.classFractions))}`;
  return line;
}

/** FID, floor, ratio, KID (and class accuracy with labels) of samples in [0, 1]. */
export async function scoreSamples(options: {
  samples: tf.Tensor4D;
  labels: Int32Array | null;
  classifier: core.metrics.FeatureClassifier;
  real: core.ImageDataset;
  n: number;
  seed: number;
}): Promise<SampleMetrics> {
  const { samples, labels, classifier, real, n, seed } = options;
  const result = await core.metrics.evaluateSamples({
    samples,
    ...(labels ? { labels } : {}),
    classifier,
    real: real.images,
    n,
    generator: new core.Generator(seed).fork('eval/real'),
  });
  return { ...result };
}

/** Writes metrics.json (pretty, with a trailing newline) and prints its path. */
export function writeMetrics(io: CliIO, out: string, metrics: Record<string, unknown>): string {
  mkdirSync(out, { recursive: true });
  const path = join(out, 'metrics.json');
  writeFileSync(path, `${JSON.stringify(metrics, null, 2)}\n`);
  return path;
}
