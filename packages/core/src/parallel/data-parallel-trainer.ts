import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registeredBackends } from '../backend/init-backend';
import { loadNodeBackends } from '../backend/load-node-backends';
import { registerTfjsGradients } from '../backend/register-gradients';
import { registerWasmTrainingKernels } from '../backend/wasm-training-kernels';
import { GenError, InvalidArgumentError } from '../errors';
import { registerSecondOrderGradients } from '../losses/second-order-gradients';
import type { JsonValue, NamedTensors } from '../types';
import type { GroupBuffers, ToMain, ToWorker, WorkerBoot } from './protocol';
import {
  disposeOutput,
  layoutDifference,
  readLosses,
  ReplicaHost,
  serializeState,
  sizeOf,
} from './replica-host';
import type { ShardReport } from './replica-host';
import { ReplicaExchange } from './replica-exchange';
import { presentRanges, splitBatch, weightedAverageInto } from './shards';
import type { Replica, ReplicaLayout, ReplicaMemory, ReplicaSpec, Shard } from './types';
import { isTypeScript, mainThreadSpecifier, modulePath, prepareWorkerScripts } from './worker-scripts';
import type { WorkerScripts } from './worker-scripts';

/** How replicas apply an averaged gradient. */
export type UpdateMode = 'replicated' | 'broadcast';

export interface DataParallelTrainerOptions {
  /** The replica module every thread loads (see {@link ReplicaSpec}). */
  replica: ReplicaSpec;
  /** Samples per training step over all replicas (each `step()` may override it). */
  globalBatchSize: number;
  /**
   * Replicas, counting the main thread's: `n` runs one replica here and `n − 1` in worker
   * threads; `1` trains in this thread only (same API, no threads). `'auto'` (default):
   * the available cores for the wasm and cpu backends (which use one core each in Node),
   * capped so every shard has at least 8 samples; 1 for other backends.
   */
  workers?: number | 'auto';
  /**
   * tfjs backend of every replica (default `'wasm'`, with @gen/core's training kernels).
   * The main thread is switched to it too, so all replicas compute alike.
   */
  backend?: string;
  /**
   * `'replicated'` (default): every replica applies the averaged gradients with its own
   * optimizer (same inputs, same kernels → bit-identical parameters and optimizer state).
   * `'broadcast'`: the main replica applies them and sends the new parameters; worker
   * optimizers stay unused.
   */
  update?: UpdateMode;
  /** Debug: compare parameter checksums of all replicas every N steps (0, the default: never). */
  checkEvery?: number;
  /**
   * How long a replica waits for the others at a cross-replica exchange (`context.exchange`,
   * e.g. synchronised batch norm) before its step fails: only a crashed thread makes one wait
   * that long, since a replica whose phase throws wakes the others at once. Default 600 000 ms.
   */
  exchangeTimeoutMs?: number;
  /**
   * Stops training: a step in flight finishes its computations but applies no update and
   * rejects with the signal's reason; later steps reject; the worker threads are terminated.
   */
  signal?: AbortSignal;
  /**
   * Path of @gen/core's built worker entry (`dist/parallel-worker.js`). Default: found next
   * to this code; set it only when an app bundles @gen/core/node into its own file.
   */
  workerEntry?: string;
}

export interface StepOptions {
  /**
   * The training step (what `Shard.step` says, and so which batch and random draws every
   * replica rebuilds). Default: one more than the last step of this phase (0 first).
   */
  step?: number;
  /** This step's global batch size (default: the trainer's). */
  globalBatchSize?: number;
  /** Cancels this step: no replica applies its update; the trainer stays usable. */
  signal?: AbortSignal;
}

export interface StepResult {
  phase: string;
  step: number;
  /** Each loss averaged over the global batch (shard means weighted by shard size). */
  losses: Record<string, number>;
}

const DEFAULT_EXPORT = 'createReplica';
const MIN_AUTO_SHARD = 8;
const MAX_WORKERS = 256;

interface SharedGroup {
  buffers: GroupBuffers;
  grads: Float32Array;
  averaged: Float32Array;
  params: Float32Array | null;
}

/**
 * Data-parallel training over `worker_threads` (Node): one replica of the model in this
 * thread and `workers − 1` in worker threads, each on its own tfjs backend. A step splits
 * the global batch into contiguous shards, every replica computes the gradients of its
 * shard, the coordinator averages them (weighted by shard size, in a fixed order) through
 * shared memory, and every replica applies the same update. Results match single-thread
 * training on the same global batch up to float rounding (see docs/parallel-training.md).
 *
 * ```ts
 * const trainer = await DataParallelTrainer.create({
 *   replica: { module: require.resolve('./gan-replica.mjs'), options: { seed: 1 } },
 *   globalBatchSize: 64,
 * });
 * for (let step = 0; step < 1000; step++) {
 *   await trainer.step('critic', { step });
 *   const { losses } = await trainer.step('generator', { step });
 * }
 * await saveCheckpoint(trainer.stateDict());
 * await trainer.dispose();
 * ```
 */
export class DataParallelTrainer {
  private readonly counters = new Map<string, number>();
  private readonly shared = new Map<string, SharedGroup>();
  private tail: Promise<unknown> = Promise.resolve();
  private stepsDone = 0;
  private failure: Error | null = null;
  private disposed = false;
  private disposing: Promise<void> | null = null;
  private readonly onAbort = () => {
    void this.tail.then(() => this.dispose());
  };

  private constructor(
    private readonly host: ReplicaHost,
    private readonly handles: WorkerHandle[],
    private readonly scripts: WorkerScripts | null,
    /** Replicas taking part (main thread included). */
    readonly replicas: number,
    /** The backend of every replica. */
    readonly backend: string,
    readonly update: UpdateMode,
    readonly globalBatchSize: number,
    private readonly checkEvery: number,
    private readonly signal: AbortSignal | undefined,
    private readonly exchange: ReplicaExchange | null,
  ) {
    for (const handle of handles) handle.onFailure = (error) => this.fail(error);
    for (const { name, size } of host.layout.groups) {
      if (!host.layout.phases.some((p) => p.group === name) || replicas === 1) continue;
      const buffers: GroupBuffers = {
        grads: new SharedArrayBuffer(replicas * size * 4),
        averaged: new SharedArrayBuffer(size * 4),
        params: update === 'broadcast' ? new SharedArrayBuffer(size * 4) : null,
      };
      this.shared.set(name, {
        buffers,
        grads: new Float32Array(buffers.grads),
        averaged: new Float32Array(buffers.averaged),
        params: buffers.params ? new Float32Array(buffers.params) : null,
      });
    }
    const groups = Object.fromEntries([...this.shared].map(([name, s]) => [name, s.buffers]));
    for (const handle of handles) handle.post({ type: 'buffers', groups });
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Starts the worker threads, builds every replica and checks they are identical. */
  static async create(options: DataParallelTrainerOptions): Promise<DataParallelTrainer> {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', options, 'must be { replica, globalBatchSize, workers?, backend? }');
    }
    const { replica: spec, globalBatchSize, workers = 'auto', backend = 'wasm', update = 'replicated', checkEvery = 0, exchangeTimeoutMs = 600_000, signal, workerEntry } = options;
    if (typeof spec !== 'object' || spec === null || typeof spec.module !== 'string' || spec.module.length === 0) {
      throw new InvalidArgumentError('replica', spec, 'must be { module: absolute path or file: URL, exportName?, options? }');
    }
    const exportName = spec.exportName ?? DEFAULT_EXPORT;
    if (typeof exportName !== 'string' || exportName.length === 0) {
      throw new InvalidArgumentError('replica.exportName', exportName, 'must be a non-empty string');
    }
    checkPositiveInteger('globalBatchSize', globalBatchSize);
    if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1 && workers <= MAX_WORKERS)) {
      throw new InvalidArgumentError('workers', workers, `must be 'auto' or an integer from 1 to ${MAX_WORKERS}`);
    }
    if (typeof backend !== 'string' || backend.length === 0) {
      throw new InvalidArgumentError('backend', backend, "must be a backend name such as 'wasm' or 'cpu'");
    }
    if (update !== 'replicated' && update !== 'broadcast') {
      throw new InvalidArgumentError('update', update, "must be 'replicated' or 'broadcast'");
    }
    if (workerEntry !== undefined && (typeof workerEntry !== 'string' || workerEntry.length === 0)) {
      throw new InvalidArgumentError('workerEntry', workerEntry, 'must be the path of parallel-worker.js');
    }
    if (!(Number.isInteger(checkEvery) && checkEvery >= 0)) {
      throw new InvalidArgumentError('checkEvery', checkEvery, 'must be an integer >= 0 (0: never)');
    }
    if (!(typeof exchangeTimeoutMs === 'number' && exchangeTimeoutMs > 0 && exchangeTimeoutMs <= 2 ** 31 - 1)) {
      throw new InvalidArgumentError('exchangeTimeoutMs', exchangeTimeoutMs, 'must be a positive number of milliseconds');
    }
    signal?.throwIfAborted();
    const replicas = workers === 'auto' ? autoWorkerCount(backend, globalBatchSize) : workers;
    const file = modulePath(spec.module);
    const moduleName = spec.module;
    const replicaOptions: JsonValue = spec.options ?? null;
    const modules = spec.modules ?? {};
    if (typeof modules !== 'object' || modules === null || Object.values(modules).some((m) => typeof m !== 'string' || m.length === 0)) {
      throw new InvalidArgumentError('replica.modules', modules, 'must map names to absolute paths or file: URLs');
    }
    const modulePaths = Object.fromEntries(Object.entries(modules).map(([key, m]) => [key, modulePath(m)]));

    await setupBackend(backend);
    const exchangeBuffer = replicas > 1 ? ReplicaExchange.allocate(replicas) : null;
    let scripts: WorkerScripts | null = null;
    const handles: WorkerHandle[] = [];
    let host: ReplicaHost | null = null;
    try {
      if (replicas > 1) {
        scripts = await prepareWorkerScripts(file, workerEntry === undefined ? undefined : modulePath(workerEntry), modulePaths);
        for (let r = 1; r < replicas; r++) {
          handles.push(
            new WorkerHandle(r, scripts.workerEntry, {
              replicaModule: scripts.replicaModule,
              moduleName,
              exportName,
              options: replicaOptions,
              data: spec.data,
              modules: scripts.modules,
              backend,
              replicaIndex: r,
              replicas,
              exchange: { buffer: exchangeBuffer!, timeoutMs: exchangeTimeoutMs },
            }),
          );
        }
      }
      const mainModules = Object.fromEntries(Object.entries(modulePaths).map(([key, m]) => [key, mainThreadSpecifier(m)]));
      const exchange = exchangeBuffer ? { exchange: new ReplicaExchange(exchangeBuffer, 0, replicas, exchangeTimeoutMs) } : {};
      const context = { replicaIndex: 0, replicas, backend, data: spec.data, ...(spec.modules ? { modules: mainModules } : {}), ...exchange };
      const importMain = async (): Promise<Record<string, unknown>> => {
        try {
          return (await import(/* webpackIgnore: true */ mainThreadSpecifier(file))) as Record<string, unknown>;
        } catch (error) {
          // Plain Node cannot import TypeScript: use the esbuild bundle made for the workers.
          if (!isTypeScript(file) || (error as NodeJS.ErrnoException)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
          scripts ??= await prepareWorkerScripts(file, undefined, modulePaths);
          return (await import(/* webpackIgnore: true */ scripts.replicaModule)) as Record<string, unknown>;
        }
      };
      host = await ReplicaHost.load(importMain, moduleName, exportName, replicaOptions, context);
      if (handles.length > 0) {
        const readies = await abortable(Promise.all(handles.map((h) => h.ready)), signal);
        const mainChecksums = await host.checksums();
        readies.forEach((ready, i) => {
          const difference = layoutDifference(host!.layout, ready.layout);
          if (difference !== null) {
            throw new GenError(`replica ${i + 1} (worker thread) built a different model than the main thread: ${difference}`);
          }
          const k = ready.checksums.findIndex((sum, j) => sum !== mainChecksums[j]);
          if (k >= 0) {
            throw new GenError(
              `replica ${i + 1} (worker thread) starts with other values than the main thread ('${mainChecksums[k].split(':')[0]}'); initialise every replica from a Generator seeded by the replica options`,
            );
          }
        });
      }
      signal?.throwIfAborted();
    } catch (error) {
      await Promise.all(handles.map((h) => h.terminate()));
      host?.dispose();
      scripts?.cleanup();
      throw error;
    }
    return new DataParallelTrainer(host, handles, scripts, replicas, backend, update, globalBatchSize, checkEvery, signal, host.context.exchange ?? null);
  }

  /** The main thread's replica (for sampling, EMA, evaluation). Do not change its parameters directly. */
  get replica(): Replica {
    return this.host.replica;
  }

  /** Groups and phases of the replica. */
  get layout(): ReplicaLayout {
    return this.host.layout;
  }

  /** Worker threads that have not exited (0 after `dispose()`). */
  get liveWorkers(): number {
    return this.handles.filter((h) => !h.exited).length;
  }

  /**
   * Runs one phase of a training step on every replica and applies the averaged update.
   * Steps run one after another in call order.
   */
  step(phase: string, options: StepOptions = {}): Promise<StepResult> {
    const run = this.tail.then(() => this.runStep(phase, options));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The main replica's state (live tensors owned by the replica; do not dispose). */
  stateDict(): NamedTensors {
    this.assertUsable();
    return this.host.stateDict();
  }

  /** Loads `state` (e.g. a checkpoint) into every replica; the caller keeps owning it. */
  loadStateDict(state: NamedTensors): Promise<void> {
    const run = this.tail.then(async () => {
      this.assertUsable();
      const records = this.handles.length > 0 ? await serializeState(state) : {};
      this.host.loadStateDict(state);
      await Promise.all(this.handles.map((h) => h.request({ type: 'load', state: records })));
      await this.checkReplicas();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Compares parameter checksums of every replica with the main one's; throws (and stops
   * the trainer) naming the first parameter that differs.
   */
  async checkReplicas(context = 'on request'): Promise<void> {
    this.assertUsable();
    if (this.handles.length === 0) return;
    const main = await this.host.checksums();
    const replies = await Promise.all(this.handles.map((h) => h.request({ type: 'checksums' })));
    replies.forEach((reply, i) => {
      const sums = (reply as Extract<ToMain, { type: 'checksums' }>).checksums;
      const k = sums.findIndex((sum, j) => sum !== main[j]);
      if (k >= 0) {
        const error = new GenError(`replica ${i + 1} (worker thread) diverged from the main replica (${context}): '${main[k].split(':')[0]}' differs`);
        this.fail(error);
        throw error;
      }
    });
  }

  /** Tensors alive in every thread (`tf.memory()` of each), main first. */
  async memory(): Promise<ReplicaMemory[]> {
    this.assertUsable();
    const workers = await Promise.all(this.handles.map((h) => h.request({ type: 'memory' })));
    return [this.host.memory(), ...workers.map((w) => (w as Extract<ToMain, { type: 'memory' }>).memory)];
  }

  /** Terminates the worker threads and frees the main replica. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposing) return this.disposing;
    this.disposed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.disposing = (async () => {
      await Promise.all(this.handles.map((h) => h.terminate()));
      await this.tail;
      this.host.dispose();
      this.scripts?.cleanup();
    })();
    return this.disposing;
  }

  private async runStep(phase: string, options: StepOptions): Promise<StepResult> {
    this.assertUsable();
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('step options', options, 'must be { step?, globalBatchSize?, signal? }');
    }
    const group = this.host.groupOf(phase);
    const globalBatchSize = options.globalBatchSize ?? this.globalBatchSize;
    checkPositiveInteger('globalBatchSize', globalBatchSize);
    const step = options.step ?? this.counters.get(phase) ?? 0;
    if (!Number.isSafeInteger(step) || step < 0) throw new InvalidArgumentError('step', step, 'must be an integer >= 0');
    const throwIfAborted = () => {
      this.signal?.throwIfAborted();
      options.signal?.throwIfAborted();
    };
    throwIfAborted();
    const shards = splitBatch(globalBatchSize, this.replicas);
    const shard = (r: number): Shard => ({ step, start: shards[r][0], end: shards[r][1], globalBatchSize });

    let losses: Record<string, number>;
    if (this.replicas === 1) {
      const output = this.host.runPhase(phase, shard(0));
      try {
        losses = await readLosses(output.losses);
        throwIfAborted();
        this.host.applyTensors(phase, output.grads);
      } finally {
        disposeOutput(output);
      }
    } else {
      const shared = this.shared.get(group.name)!;
      // No replica is inside an exchange now (every run of the last step has settled).
      this.exchange!.reset(shards.filter(([start, end]) => end > start).length);
      const runs = this.handles.map((h, i) => {
        const s = shard(i + 1);
        if (s.end === s.start) return Promise.resolve(null);
        const request = h.request({ type: 'run', phase, shard: s });
        request.catch(() => undefined); // awaited below, after the main replica's shard
        return request as Promise<Extract<ToMain, { type: 'ran' }>>;
      });
      // The main replica computes its shard while the workers compute theirs.
      let main: ShardReport;
      try {
        main = await this.host.runInto(phase, shard(0), shared.grads.subarray(0, group.size));
      } catch (error) {
        // Settle the workers' runs first (a failed phase woke any that waited at an exchange),
        // so that the next step's reset finds no replica inside an exchange.
        const settled = await Promise.allSettled(runs);
        throw this.firstFailure(phase, step, error, settled);
      }
      const settled = await Promise.allSettled(runs);
      if (settled.some((result) => result.status === 'rejected')) throw this.firstFailure(phase, step, null, settled);
      const reports: Array<ShardReport | null> = [main];
      for (const result of settled) reports.push((result as PromiseFulfilledResult<Extract<ToMain, { type: 'ran' }> | null>).value);
      throwIfAborted();
      this.assertUsable();

      const present = main.present;
      const lossNames = Object.keys(main.losses).join(', ');
      reports.forEach((report, r) => {
        if (report === null) return;
        if (report.present.join() !== present.join()) {
          throw new GenError(`phase '${phase}' step ${step}: replica ${r} returned gradients for other parameters than replica 0`);
        }
        if (Object.keys(report.losses).join(', ') !== lossNames) {
          throw new GenError(`phase '${phase}' step ${step}: replica ${r} returned losses [${Object.keys(report.losses).join(', ')}], replica 0 [${lossNames}]`);
        }
      });
      const weights = shards.map(([start, end]) => (end - start) / globalBatchSize);
      const sizes = group.params.map((p) => sizeOf(p.shape));
      weightedAverageInto(shared.averaged, shared.grads, group.size, weights, presentRanges(present, group.offsets, sizes));
      losses = {};
      for (const name of Object.keys(main.losses)) {
        let sum = 0;
        reports.forEach((report, r) => {
          if (report !== null) sum += weights[r] * report.losses[name];
        });
        losses[name] = sum;
      }

      try {
        if (this.update === 'replicated') {
          for (const handle of this.handles) handle.post({ type: 'apply', phase, present });
          this.host.applyFrom(phase, present, shared.averaged);
        } else {
          this.host.applyFrom(phase, present, shared.averaged);
          await this.host.writeParams(group.name, shared.params!);
          for (const handle of this.handles) handle.post({ type: 'assign', group: group.name });
        }
      } catch (error) {
        // Some replicas may have updated and others not: their states differ now.
        this.fail(new GenError(`phase '${phase}' step ${step}: the update failed in the main replica: ${(error as Error)?.message ?? error}`));
        throw error;
      }
    }
    this.counters.set(phase, step + 1);
    this.stepsDone += 1;
    if (this.checkEvery > 0 && this.stepsDone % this.checkEvery === 0) {
      await this.checkReplicas(`after step ${step} of phase '${phase}'`);
    }
    return { phase, step, losses };
  }

  /**
   * The error a failed step rejects with: the replica whose phase threw first (the others only
   * stopped waiting for it at an exchange), else the main replica's, else the first worker's.
   */
  private firstFailure(phase: string, step: number, mainError: unknown, settled: Array<PromiseSettledResult<unknown>>): unknown {
    const failed = this.exchange?.failedReplica() ?? null;
    const workerError = (r: number) => {
      const result = settled[r - 1];
      if (result?.status !== 'rejected') return null;
      const message = (result.reason as Error)?.message ?? String(result.reason);
      return new GenError(`phase '${phase}' step ${step}: ${message}`, { cause: result.reason });
    };
    if (failed !== null && failed > 0 && workerError(failed)) return workerError(failed);
    if (mainError !== null) return mainError;
    const first = settled.findIndex((result) => result.status === 'rejected');
    return workerError(first + 1);
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new GenError('DataParallelTrainer: used after dispose()');
  }
}

/** The main side of one worker thread: requests with ids, errors with the worker's message. */
class WorkerHandle {
  readonly ready: Promise<Extract<ToMain, { type: 'ready' }>>;
  exited = false;
  onFailure: (error: Error) => void = () => {};
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (message: ToMain) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;
  private terminating = false;
  private readyResolvers!: { resolve: (message: Extract<ToMain, { type: 'ready' }>) => void; reject: (error: Error) => void };

  constructor(
    readonly replicaIndex: number,
    entry: string,
    boot: WorkerBoot,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolvers = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.worker = new Worker(entry, { workerData: boot });
    this.worker.on('message', (message: ToMain) => this.receive(message));
    this.worker.on('error', (error: Error) => this.fail(this.describe(error?.message ?? String(error))));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!this.terminating) this.fail(this.describe(`exited with code ${code}`));
    });
  }

  post(message: ToWorker): void {
    if (this.failure) return;
    this.worker.postMessage(message);
  }

  request(message: DistributiveOmit<Extract<ToWorker, { id: number }>, 'id'>): Promise<ToMain> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as ToWorker);
    });
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    this.fail(new GenError(`replica ${this.replicaIndex} (worker thread): terminated by dispose()`));
    if (!this.exited) await this.worker.terminate();
    this.exited = true;
  }

  private receive(message: ToMain): void {
    if (message.type === 'ready') {
      this.readyResolvers.resolve(message);
      return;
    }
    if (message.type === 'error') {
      const error = this.describe(message.message, message.stack);
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiting) {
        // A request failed (e.g. the phase threw): that request rejects, the thread stays usable.
        this.pending.delete(message.id!);
        waiting.reject(error);
      } else {
        this.fail(error);
      }
      return;
    }
    const waiting = this.pending.get(message.id);
    if (waiting) {
      this.pending.delete(message.id);
      waiting.resolve(message);
    }
  }

  private describe(message: string, stack?: string): Error {
    const error = new GenError(`replica ${this.replicaIndex} (worker thread): ${message}`);
    if (stack) error.stack = `${error.name}: ${error.message}\n    --- in the worker thread ---\n${stack}`;
    return error;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.readyResolvers.reject(error);
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    if (!this.terminating) this.onFailure(error);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What `workers: 'auto'` resolves to: one replica per core (`os.availableParallelism()`) for
 * the single-threaded backends (wasm, cpu), capped so every shard has at least 8 samples;
 * 1 for other backends (tensorflow, webgl use every core already).
 */
export function autoWorkerCount(backend: string, globalBatchSize: number): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, Math.floor(globalBatchSize / MIN_AUTO_SHARD)));
}

async function setupBackend(backend: string): Promise<void> {
  // As importing @gen/core does (the worker threads do the same).
  registerTfjsGradients();
  registerSecondOrderGradients();
  if (!registeredBackends().includes(backend)) await loadNodeBackends({ only: [backend] });
  if (backend === 'wasm') registerWasmTrainingKernels();
  if (tf.getBackend() !== backend) await initBackend({ prefer: backend });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function checkPositiveInteger(argument: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, value, 'must be a positive integer');
  }
}
