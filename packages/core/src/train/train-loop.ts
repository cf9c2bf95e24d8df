// The training loop every model family uses: it runs the family's update `step`, reads the
// losses asynchronously every `logEvery` steps (never a per-step sync), guards against NaN
// and tensor leaks, writes periodic checkpoints (never a non-finite one) and resumes from the
// latest one bit-exactly: model, optimizer moments, EMA, RNG / data position, step.
import * as tf from '@tensorflow/tfjs-core';
import { restoreGenGradients } from '../backend/restore-gradients';
import { GenError, InvalidArgumentError } from '../errors';
import { handlerStore, type CheckpointStore, type StoredCheckpoint } from '../io';
import { requireNodeCheckpointIO, type MetricsSink } from '../io/checkpoint-handlers';
import type { JsonValue, NamedTensors, Stateful } from '../types';
import { yieldToEventLoop } from './yield-to-event-loop';

/** JSON state saved with each checkpoint and restored on resume (RNG counters, data position…). */
export interface JsonStateful {
  getState(): JsonValue;
  setState(state: JsonValue): void;
}

/** Named parts of the training state: `{ model, optimizer, ema, rng, data }`. */
export type TrainState = Record<string, Stateful | JsonStateful>;

/** Named scalar losses returned by a step; trainLoop reads and disposes them. */
export type StepLosses = Record<string, tf.Scalar>;

/** What `step` is called with. */
export interface StepContext {
  /** Steps completed before this one (0-based index of this step). Messages name steps by it. */
  step: number;
  totalSteps: number;
  /** The run's abort signal, for steps that want to stop early themselves. */
  signal?: AbortSignal;
}

/** Reported every `logEvery` steps (and at the end), once the losses have been read. */
export interface ProgressEvent {
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** Mean of each loss over the steps since the previous event. */
  losses: Record<string, number>;
  stepsPerSecond: number;
  /** Estimated seconds left. */
  eta: number;
}

/** One line of `metricsFile` / one `onMetrics` call. */
export interface MetricsRecord {
  step: number;
  losses: Record<string, number>;
  stepsPerSecond: number;
  /** Seconds since this run (or resume) started. */
  elapsed: number;
}

export interface CheckpointInfo {
  /** Steps completed when it was written. */
  step: number;
  location: string;
}

export interface StepEndContext {
  /** Steps completed (the step just run was `step - 1`). */
  step: number;
  totalSteps: number;
  /** The losses of that step; still alive, trainLoop disposes them later. Do not sync on them. */
  losses: StepLosses;
}

export interface PeriodicCallback {
  /** Run after every `every` completed steps (after that step's checkpoint, if any). */
  every: number;
  run(context: { step: number; totalSteps: number }): void | Promise<void>;
}

export interface TrainCallbacks {
  onStepEnd?(context: StepEndContext): void | Promise<void>;
  onCheckpoint?(info: CheckpointInfo): void | Promise<void>;
  /** Periodic hooks: sample grids, FID… */
  periodic?: PeriodicCallback[];
}

export interface TrainCheckpointOptions {
  /** A folder of step-numbered checkpoints (Node; needs `import '@gen/core/node'`). */
  dir?: string;
  /** One tf.io handler or URL (e.g. 'indexeddb://run1'), overwritten at each checkpoint. */
  handler?: tf.io.IOHandler | string;
  /** Any CheckpointStore. Give exactly one of dir / handler / store. */
  store?: CheckpointStore;
  /** Write a checkpoint after every `every` completed steps (and a final one at the end). */
  every: number;
  /** Keep only the newest `keep` checkpoints (default: keep all). */
  keep?: number;
  /** JSON saved as each checkpoint's config (the model / run configuration). */
  config?: JsonValue;
}

export interface LeakGuardOptions {
  /** Total growth of tf.memory().numTensors allowed across the checked windows (default 0). */
  tolerance?: number;
  /** Consecutive log windows numTensors must grow in before it counts as a leak (default 3). */
  windows?: number;
}

export interface TrainLoopOptions {
  /** Steps the run ends at (a resumed run continues up to the same total). */
  totalSteps: number;
  /** The family's update: one optimisation step, returning named scalar losses. */
  step(context: StepContext): Promise<StepLosses> | StepLosses;
  /** Everything a checkpoint must hold: Stateful parts (tensors) and JsonStateful parts. Names without '/'. */
  state?: TrainState;
  checkpoint?: TrainCheckpointOptions;
  /** Continue from the latest checkpoint when there is one (default false). */
  resume?: boolean;
  /** Stop cleanly after the current step and write a final checkpoint. */
  signal?: AbortSignal;
  onProgress?(event: ProgressEvent): void | Promise<void>;
  /** Read losses (asynchronously) every `logEvery` steps (default 10). */
  logEvery?: number;
  /** Append MetricsRecord JSON lines to this file (Node; needs `import '@gen/core/node'`). */
  metricsFile?: string;
  onMetrics?(record: MetricsRecord): void | Promise<void>;
  /** Stop on a non-finite loss or state tensor (default true). */
  nanGuard?: boolean;
  /** Fail when numTensors keeps growing (default on); `false` turns it off. */
  leakGuard?: LeakGuardOptions | false;
  callbacks?: TrainCallbacks;
}

export interface TrainSummary {
  /** Steps completed when the run stopped. */
  steps: number;
  stoppedBy: 'done' | 'aborted' | 'nan';
  lastCheckpoint: CheckpointInfo | null;
  seconds: number;
  /** Why a 'nan' run stopped (one line naming the step and the loss or tensor). */
  message?: string;
}

const now = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());

function isStateful(part: unknown): part is Stateful {
  return typeof (part as Stateful)?.stateDict === 'function' && typeof (part as Stateful)?.loadStateDict === 'function';
}
function isJsonStateful(part: unknown): part is JsonStateful {
  return typeof (part as JsonStateful)?.getState === 'function' && typeof (part as JsonStateful)?.setState === 'function';
}

function checkPositiveInteger(argument: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, value, 'must be a positive integer');
  }
}

function resolveStore(checkpoint: TrainCheckpointOptions): CheckpointStore {
  const { dir, handler, store } = checkpoint;
  const given = [dir, handler, store].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new InvalidArgumentError('checkpoint', checkpoint, 'needs exactly one of dir, handler or store');
  }
  if (store !== undefined) {
    if (typeof store.save !== 'function' || typeof store.loadLatest !== 'function' || typeof store.prune !== 'function') {
      throw new InvalidArgumentError('checkpoint.store', store, 'must be a CheckpointStore (save, loadLatest, prune)');
    }
    return store;
  }
  if (dir !== undefined) {
    if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('checkpoint.dir', dir, 'must be a folder path');
    return requireNodeCheckpointIO('checkpoint.dir', dir).folderStore(dir);
  }
  return handlerStore(handler!);
}

/** Formats `1` as "1 tensor" and `2.5` as "2.5 tensors". */
function tensorsText(count: number): string {
  const rounded = Math.round(count * 10) / 10;
  return `${rounded} tensor${rounded === 1 ? '' : 's'}`;
}

/**
 * Runs `step` until `totalSteps`, an abort, or a non-finite loss / state tensor; see
 * TrainLoopOptions for every option and docs/training-loop.md for the guarantees.
 */
export async function trainLoop(options: TrainLoopOptions): Promise<TrainSummary> {
  const {
    totalSteps,
    step: runStep,
    state = {},
    checkpoint,
    resume = false,
    signal,
    onProgress,
    logEvery = 10,
    metricsFile,
    onMetrics,
    nanGuard = true,
    leakGuard = {},
    callbacks = {},
  } = options;
  if (typeof totalSteps !== 'number' || !Number.isSafeInteger(totalSteps) || totalSteps < 0) {
    throw new InvalidArgumentError('totalSteps', totalSteps, 'must be a non-negative integer');
  }
  restoreGenGradients(); // tfjs-layers imported after @gen/core overwrites the gradients training needs
  if (typeof runStep !== 'function') throw new InvalidArgumentError('step', runStep, 'must be a function returning named scalar losses');
  checkPositiveInteger('logEvery', logEvery);
  if (checkpoint !== undefined) {
    checkPositiveInteger('checkpoint.every', checkpoint.every);
    checkPositiveInteger('checkpoint.keep', checkpoint.keep, true);
  }
  const leakTolerance = leakGuard === false ? 0 : leakGuard.tolerance ?? 0;
  const leakWindows = leakGuard === false ? 0 : leakGuard.windows ?? 3;
  if (leakGuard !== false) {
    if (!Number.isSafeInteger(leakTolerance) || leakTolerance < 0) {
      throw new InvalidArgumentError('leakGuard.tolerance', leakTolerance, 'must be a non-negative integer');
    }
    checkPositiveInteger('leakGuard.windows', leakWindows);
  }
  for (const [index, callback] of (callbacks.periodic ?? []).entries()) {
    checkPositiveInteger(`callbacks.periodic[${index}].every`, callback?.every);
  }

  const tensorParts: [string, Stateful][] = [];
  const jsonParts: [string, JsonStateful][] = [];
  for (const [name, part] of Object.entries(state)) {
    if (name.length === 0 || name.includes('/')) throw new InvalidArgumentError('state key', name, "must be a non-empty name without '/'");
    const stateful = isStateful(part);
    const json = isJsonStateful(part);
    if (!stateful && !json) {
      throw new InvalidArgumentError(`state.${name}`, part, 'must be Stateful (stateDict/loadStateDict) or JSON state (getState/setState)');
    }
    if (stateful) tensorParts.push([name, part]);
    if (json) jsonParts.push([name, part]);
  }

  const store = checkpoint ? resolveStore(checkpoint) : null;
  if (resume && store === null) throw new InvalidArgumentError('resume', resume, 'needs options.checkpoint (where to resume from)');
  const sink: MetricsSink | null = metricsFile !== undefined ? requireNodeCheckpointIO('metricsFile', metricsFile).metricsFile(metricsFile) : null;

  const started = now();
  let step = 0;
  let lastCheckpoint: CheckpointInfo | null = null;
  if (resume) {
    const latest = await store!.loadLatest();
    if (latest !== null) {
      step = restore(latest, tensorParts, jsonParts);
      lastCheckpoint = { step, location: latest.location };
    }
  }
  const firstStep = step;

  // Losses of the steps since the last read, kept on the device until the next flush.
  const pending: { step: number; losses: StepLosses }[] = [];
  let windowStart = { step, time: now() };
  let checkedStep = -1;
  const tensorCounts: { step: number; count: number }[] = [];

  const stateTensors = (): NamedTensors => {
    const tensors: NamedTensors = {};
    for (const [name, part] of tensorParts) {
      for (const [key, tensor] of Object.entries(part.stateDict())) tensors[`${name}/${key}`] = tensor;
    }
    return tensors;
  };

  const disposePending = () => {
    const seen = new Set<tf.Tensor>();
    for (const entry of pending) for (const loss of Object.values(entry.losses)) seen.add(loss);
    pending.length = 0;
    tf.dispose([...seen]);
  };

  const lastGood = () =>
    lastCheckpoint ? `the last good checkpoint is step ${lastCheckpoint.step} at ${lastCheckpoint.location}` : 'no checkpoint was written';

  /**
   * Reads the pending losses and (with nanGuard) a finiteness flag per state tensor in one
   * async transfer, reports progress and metrics, and checks for leaks. Returns a message
   * when something is not finite.
   */
  const flush = async (): Promise<string | null> => {
    if (pending.length === 0 && checkedStep === step) return null;
    const floatState = nanGuard ? Object.entries(stateTensors()).filter(([, tensor]) => tensor.dtype === 'float32') : [];
    const lossNames = pending.map((entry) => Object.keys(entry.losses));
    const combined = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (const entry of pending) for (const loss of Object.values(entry.losses)) parts.push(tf.reshape(tf.cast(loss, 'float32'), [1]));
      for (const [, tensor] of floatState) parts.push(tf.reshape(tf.cast(tf.all(tf.isFinite(tensor)), 'float32'), [1]));
      return parts.length > 0 ? tf.concat(parts) : tf.zeros([0]);
    });
    const values = await combined.data();
    combined.dispose();
    const entries = pending.map((entry) => entry.step);
    disposePending();
    checkedStep = step;

    let offset = 0;
    const sums: Record<string, { sum: number; count: number }> = {};
    let problem: string | null = null;
    entries.forEach((entryStep, i) => {
      for (const name of lossNames[i]) {
        const value = values[offset++];
        if (nanGuard && !Number.isFinite(value) && problem === null) {
          problem = `trainLoop: loss "${name}" is ${value} at step ${entryStep}; stopped after step ${step - 1}, ${lastGood()}`;
        }
        (sums[name] ??= { sum: 0, count: 0 }).sum += value;
        sums[name].count += 1;
      }
    });
    if (problem === null) {
      const bad = floatState.find((_, i) => values[offset + i] !== 1);
      if (bad !== undefined) {
        problem =
          `trainLoop: state tensor "${bad[0]}" is not finite after step ${step - 1} ` +
          `(losses were finite up to there; checked every ${logEvery} steps), ${lastGood()}`;
      }
    }
    if (problem !== null) return problem;

    const stepsDone = step - windowStart.step;
    if (stepsDone > 0) {
      const time = now();
      const stepsPerSecond = (stepsDone * 1000) / Math.max(time - windowStart.time, 1e-6);
      windowStart = { step, time };
      const losses = Object.fromEntries(Object.entries(sums).map(([name, { sum, count }]) => [name, sum / count]));
      const eta = (totalSteps - step) / stepsPerSecond;
      await onProgress?.({ step, totalSteps, losses, stepsPerSecond, eta });
      const record: MetricsRecord = { step, losses, stepsPerSecond, elapsed: (time - started) / 1000 };
      await onMetrics?.(record);
      await sink?.write(record as unknown as Record<string, unknown>);
    }

    if (leakWindows > 0) {
      tensorCounts.push({ step, count: tf.memory().numTensors });
      if (tensorCounts.length > leakWindows + 1) tensorCounts.shift();
      if (tensorCounts.length === leakWindows + 1) {
        const grewEveryTime = tensorCounts.every((entry, i) => i === 0 || entry.count > tensorCounts[i - 1].count);
        const first = tensorCounts[0];
        const last = tensorCounts[tensorCounts.length - 1];
        if (grewEveryTime && last.count - first.count > leakTolerance) {
          throw new GenError(
            `trainLoop: ${tensorsText((last.count - first.count) / (last.step - first.step))} leaked per step ` +
              `(tf.memory().numTensors grew from ${first.count} to ${last.count} over steps ${first.step}–${last.step}); ` +
              'dispose what step() and the callbacks create (wrap them in tf.tidy), or raise leakGuard.tolerance',
          );
        }
      }
    }
    return null;
  };

  /** Checks finiteness, then saves; returns the NaN message instead of saving a bad state. */
  const writeCheckpoint = async (): Promise<string | null> => {
    const problem = await flush();
    if (problem !== null) return problem;
    const json: Record<string, JsonValue> = {};
    for (const [name, part] of jsonParts) json[name] = part.getState();
    const location = await store!.save(step, {
      config: checkpoint!.config ?? null,
      tensors: stateTensors(),
      metadata: { trainLoop: { step, totalSteps, state: json } },
    });
    lastCheckpoint = { step, location };
    if (checkpoint!.keep !== undefined) await store!.prune(checkpoint!.keep);
    await callbacks.onCheckpoint?.({ step, location });
    return null;
  };

  let stoppedBy: TrainSummary['stoppedBy'] = 'done';
  let message: string | undefined;
  try {
    while (step < totalSteps) {
      // Let signal handlers and timers run: they may abort this run (see yield-to-event-loop.ts).
      await yieldToEventLoop();
      if (signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      const losses = await runStep({ step, totalSteps, signal });
      checkLosses(losses, step);
      pending.push({ step, losses });
      step += 1;
      await callbacks.onStepEnd?.({ step, totalSteps, losses });

      let problem: string | null = null;
      if (step % logEvery === 0) problem = await flush();
      if (problem === null && store !== null && step % checkpoint!.every === 0) problem = await writeCheckpoint();
      if (problem !== null) {
        stoppedBy = 'nan';
        message = problem;
        break;
      }
      for (const callback of callbacks.periodic ?? []) {
        if (step % callback.every === 0) await callback.run({ step, totalSteps });
      }
    }
    if (stoppedBy !== 'nan') {
      const needsCheckpoint = store !== null && step > firstStep && lastCheckpoint?.step !== step;
      const problem = needsCheckpoint ? await writeCheckpoint() : await flush();
      if (problem !== null) {
        stoppedBy = 'nan';
        message = problem;
      }
    }
  } finally {
    disposePending();
    await sink?.close();
  }
  return { steps: step, stoppedBy, lastCheckpoint, seconds: (now() - started) / 1000, ...(message ? { message } : {}) };
}

function checkLosses(losses: unknown, step: number): asserts losses is StepLosses {
  const fail = (argument: string, value: unknown, allowed: string) => {
    if (typeof losses === 'object' && losses !== null) {
      tf.dispose(Object.values(losses).filter((value): value is tf.Tensor => value instanceof tf.Tensor));
    }
    throw new InvalidArgumentError(argument, value, allowed);
  };
  if (typeof losses !== 'object' || losses === null || Array.isArray(losses) || losses instanceof tf.Tensor) {
    fail(`step(${step}) result`, losses, 'must be an object of named scalar losses, e.g. { loss }');
  }
  for (const [name, loss] of Object.entries(losses as object)) {
    if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
      fail(`step(${step}) result.${name}`, loss, 'must be a scalar tf.Tensor (rank 0)');
    }
  }
}

/** Loads a stored checkpoint into the state parts; returns the step it was taken at. */
function restore(latest: StoredCheckpoint, tensorParts: [string, Stateful][], jsonParts: [string, JsonStateful][]): number {
  try {
    const meta = (latest.metadata as { trainLoop?: { step?: unknown; state?: unknown } } | null)?.trainLoop;
    const step = meta?.step;
    const json = meta?.state;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0 || typeof json !== 'object' || json === null) {
      throw new GenError(`trainLoop resume: ${latest.location} was not written by trainLoop (metadata.trainLoop.step / .state missing)`);
    }
    const byPart: Record<string, NamedTensors> = {};
    for (const [name, tensor] of Object.entries(latest.tensors)) {
      const slash = name.indexOf('/');
      const part = slash < 0 ? name : name.slice(0, slash);
      (byPart[part] ??= {})[name.slice(slash + 1)] = tensor;
    }
    const known = new Set(tensorParts.map(([name]) => name));
    const unknown = Object.keys(byPart).find((part) => !known.has(part));
    if (unknown !== undefined) {
      throw new GenError(
        `trainLoop resume: ${latest.location} holds tensors of "${unknown}", which options.state lacks (its Stateful parts: ${[...known].join(', ') || 'none'})`,
      );
    }
    for (const [name, part] of tensorParts) part.loadStateDict(byPart[name] ?? {}, { strict: true });
    for (const [name, part] of jsonParts) {
      if (!(name in json)) throw new GenError(`trainLoop resume: ${latest.location} has no JSON state for "${name}"`);
      part.setState((json as Record<string, JsonValue>)[name]);
    }
    return step;
  } finally {
    tf.dispose(latest.tensors);
  }
}
