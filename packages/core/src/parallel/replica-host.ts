// One replica inside one thread (the main thread or a worker): loads the replica module,
// checks what it built, runs phases, moves gradients to and from shared float32 buffers
// and applies updates. Used by both the coordinator (in-process replica 0) and worker.ts.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '../errors';
import type { JsonValue, NamedTensors } from '../types';
import type {
  GroupLayout,
  PhaseOutput,
  Replica,
  ReplicaContext,
  ReplicaFactory,
  ReplicaLayout,
  ReplicaMemory,
  Shard,
} from './types';

/** What a shard's run reports besides the gradients written to the shared buffer. */
export interface ShardReport {
  /** Indices (in the group layout) of the parameters that got a gradient. */
  present: number[];
  /** Loss name → value (mean over the shard). */
  losses: Record<string, number>;
}

/** A tensor's data in a message (one-off transfers: loadStateDict). */
export interface TensorRecord {
  shape: number[];
  dtype: tf.DataType;
  values: Float32Array | Int32Array | Uint8Array;
}

export class ReplicaHost {
  readonly layout: ReplicaLayout;
  private readonly groupLayouts = new Map<string, GroupLayout & { offsets: number[] }>();
  private readonly phaseGroups = new Map<string, string>();
  private disposed = false;

  private constructor(
    readonly replica: Replica,
    readonly context: ReplicaContext,
  ) {
    this.layout = describeReplica(replica);
    for (const group of this.layout.groups) {
      const offsets: number[] = [];
      let offset = 0;
      for (const param of group.params) {
        offsets.push(offset);
        offset += sizeOf(param.shape);
      }
      this.groupLayouts.set(group.name, { ...group, offsets });
    }
    for (const phase of this.layout.phases) this.phaseGroups.set(phase.name, phase.group);
  }

  /** Imports `specifier` with `importer`, calls its factory and checks the replica it returns. */
  static async load(
    importer: () => Promise<Record<string, unknown>>,
    moduleName: string,
    exportName: string,
    options: JsonValue,
    context: ReplicaContext,
  ): Promise<ReplicaHost> {
    const loaded = await importer();
    const factory = pickExport(loaded, exportName);
    if (typeof factory !== 'function') {
      const names = Object.keys(loaded).filter((k) => k !== '__esModule');
      throw new InvalidArgumentError(
        'replica.exportName',
        exportName,
        `is not a function exported by ${moduleName} (it exports ${names.join(', ') || 'nothing'})`,
      );
    }
    const replica = await (factory as ReplicaFactory)(options, context);
    validateReplica(replica);
    return new ReplicaHost(replica, context);
  }

  /** The group a phase trains. */
  groupOf(phase: string): GroupLayout & { offsets: number[] } {
    const group = this.phaseGroups.get(phase);
    if (group === undefined) {
      throw new InvalidArgumentError('phase', phase, `is not a phase of the replica; its phases: ${[...this.phaseGroups.keys()].join(', ')}`);
    }
    return this.groupLayouts.get(group)!;
  }

  /** Runs a phase on a shard and checks its output (disposed on error). */
  runPhase(phase: string, shard: Shard): PhaseOutput {
    const group = this.groupOf(phase);
    let output: PhaseOutput;
    try {
      output = this.replica.phases[phase].run({ ...shard });
    } catch (error) {
      // Replicas waiting for this one at a cross-replica exchange must not wait forever.
      this.context.exchange?.abort();
      throw error;
    }
    try {
      checkOutput(output, group, phase);
    } catch (error) {
      if (output && typeof output === 'object') tf.dispose([...Object.values(output.grads ?? {}), ...Object.values(output.losses ?? {})]);
      throw error;
    }
    return output;
  }

  /**
   * Runs a phase and writes its gradients into `slot` (the group's float32 layout);
   * disposes every tensor of the output.
   */
  async runInto(phase: string, shard: Shard, slot: Float32Array): Promise<ShardReport> {
    const group = this.groupOf(phase);
    const output = this.runPhase(phase, shard);
    try {
      const present: number[] = [];
      for (let i = 0; i < group.params.length; i++) {
        const grad = output.grads[group.params[i].name];
        if (grad == null) continue;
        present.push(i);
        await copyInto(grad, slot, group.offsets[i]);
      }
      return { present, losses: await readLosses(output.losses) };
    } finally {
      disposeOutput(output);
    }
  }

  /** Applies the gradients held in `averaged` (the group's layout) with the group's optimizer. */
  applyFrom(phase: string, present: number[], averaged: Float32Array): void {
    const group = this.groupOf(phase);
    const copy = needsCopy();
    const grads: Record<string, tf.Tensor> = {};
    try {
      for (const i of present) {
        const { name, shape } = group.params[i];
        const view = averaged.subarray(group.offsets[i], group.offsets[i] + sizeOf(shape));
        grads[name] = tf.tensor(copy ? view.slice() : view, shape, 'float32');
      }
      this.replica.optimizers[group.name].step(this.replica.groups[group.name], grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /** Applies gradient tensors directly (the single-replica path). */
  applyTensors(phase: string, grads: Record<string, tf.Tensor>): void {
    const group = this.groupOf(phase);
    this.replica.optimizers[group.name].step(this.replica.groups[group.name], grads);
  }

  /** Copies a group's parameters into `target` (broadcast mode, main thread). */
  async writeParams(groupName: string, target: Float32Array): Promise<void> {
    const group = this.groupLayouts.get(groupName)!;
    const variables = this.replica.groups[groupName];
    for (let i = 0; i < group.params.length; i++) {
      await copyInto(variables[group.params[i].name], target, group.offsets[i]);
    }
  }

  /** Assigns a group's parameters from `source` (broadcast mode, workers). */
  assignParams(groupName: string, source: Float32Array): void {
    const group = this.groupLayouts.get(groupName)!;
    const variables = this.replica.groups[groupName];
    const copy = needsCopy();
    for (let i = 0; i < group.params.length; i++) {
      const { name, shape } = group.params[i];
      const view = source.subarray(group.offsets[i], group.offsets[i] + sizeOf(shape));
      const value = tf.tensor(copy ? view.slice() : view, shape, 'float32');
      variables[name].assign(value);
      value.dispose();
    }
  }

  /** A hash of every parameter's bytes, `<group>/<name>:<hex>`, in layout order. */
  async checksums(): Promise<string[]> {
    const out: string[] = [];
    for (const group of this.layout.groups) {
      const variables = this.replica.groups[group.name];
      for (const { name } of group.params) {
        const values = (await variables[name].data()) as Float32Array;
        out.push(`${group.name}/${name}:${fnv1a(values)}`);
      }
    }
    return out;
  }

  memory(): ReplicaMemory {
    const { numTensors, numBytes } = tf.memory();
    return { replicaIndex: this.context.replicaIndex, thread: this.context.replicaIndex === 0 ? 'main' : 'worker', numTensors, numBytes };
  }

  /** The replica's state (live tensors; do not dispose). */
  stateDict(): NamedTensors {
    if (this.replica.stateDict) return this.replica.stateDict();
    const state: NamedTensors = {};
    for (const [group, variables] of Object.entries(this.replica.groups)) {
      for (const [name, variable] of Object.entries(variables)) state[`${group}/${name}`] = variable;
    }
    for (const [group, optimizer] of Object.entries(this.replica.optimizers)) {
      const stateful = optimizer as unknown as { stateDict?: () => NamedTensors };
      if (typeof stateful.stateDict !== 'function') continue;
      for (const [key, tensor] of Object.entries(stateful.stateDict())) state[`optimizer.${group}/${key}`] = tensor;
    }
    return state;
  }

  loadStateDict(state: NamedTensors): void {
    if (this.replica.loadStateDict) {
      this.replica.loadStateDict(state);
      return;
    }
    const parts = new Map<string, NamedTensors>();
    for (const [key, tensor] of Object.entries(state)) {
      const slash = key.indexOf('/');
      if (slash < 0) throw new InvalidArgumentError(`state['${key}']`, tensor, "must be '<group>/<name>' or 'optimizer.<group>/<key>'");
      const part = key.slice(0, slash);
      if (!parts.has(part)) parts.set(part, {});
      parts.get(part)![key.slice(slash + 1)] = tensor;
    }
    for (const [part, tensors] of parts) {
      if (part.startsWith('optimizer.')) {
        const optimizer = this.replica.optimizers[part.slice('optimizer.'.length)] as unknown as { loadStateDict?: (s: NamedTensors) => void } | undefined;
        if (typeof optimizer?.loadStateDict !== 'function') throw new GenError(`loadStateDict: '${part}' names no optimizer with loadStateDict`);
        optimizer.loadStateDict(tensors);
        continue;
      }
      const variables = this.replica.groups[part];
      if (variables === undefined) throw new GenError(`loadStateDict: '${part}' is not a parameter group of the replica`);
      for (const [name, value] of Object.entries(tensors)) {
        const variable = variables[name];
        if (variable === undefined) throw new GenError(`loadStateDict: '${part}/${name}' is not a parameter of the replica`);
        if (!tf.util.arraysEqual(variable.shape, value.shape)) {
          throw new GenError(`loadStateDict: '${part}/${name}' has shape [${value.shape.join(',')}] in the checkpoint but [${variable.shape.join(',')}] in the replica`);
        }
        variable.assign(value);
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.replica.dispose?.();
  }
}

/** The replica's groups and phases as plain data (compared across threads). */
export function describeReplica(replica: Replica): ReplicaLayout {
  return {
    groups: Object.entries(replica.groups).map(([name, variables]) => {
      const params = Object.entries(variables).map(([param, variable]) => ({ name: param, shape: variable.shape.slice() }));
      return { name, params, size: params.reduce((total, p) => total + sizeOf(p.shape), 0) };
    }),
    phases: Object.entries(replica.phases).map(([name, phase]) => ({ name, group: phase.group })),
  };
}

/** First difference between two layouts, or null. */
export function layoutDifference(expected: ReplicaLayout, actual: ReplicaLayout): string | null {
  const groupNames = (l: ReplicaLayout) => l.groups.map((g) => g.name).join(', ');
  if (groupNames(expected) !== groupNames(actual)) return `groups [${groupNames(actual)}] instead of [${groupNames(expected)}]`;
  for (let g = 0; g < expected.groups.length; g++) {
    const a = expected.groups[g];
    const b = actual.groups[g];
    const names = (group: GroupLayout) => group.params.map((p) => p.name).join(', ');
    if (names(a) !== names(b)) return `group '${a.name}' has parameters [${names(b)}] instead of [${names(a)}]`;
    for (let p = 0; p < a.params.length; p++) {
      if (!tf.util.arraysEqual(a.params[p].shape, b.params[p].shape)) {
        return `'${a.name}/${a.params[p].name}' has shape [${b.params[p].shape.join(', ')}] instead of [${a.params[p].shape.join(', ')}]`;
      }
    }
  }
  const phases = (l: ReplicaLayout) => l.phases.map((p) => `${p.name}→${p.group}`).join(', ');
  if (phases(expected) !== phases(actual)) return `phases [${phases(actual)}] instead of [${phases(expected)}]`;
  return null;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Copies out a state dict for a message (one-off; structured clone copies it). */
export async function serializeState(state: NamedTensors): Promise<Record<string, TensorRecord>> {
  const out: Record<string, TensorRecord> = {};
  for (const [name, tensor] of Object.entries(state)) {
    out[name] = { shape: tensor.shape.slice(), dtype: tensor.dtype, values: (await tensor.data()) as TensorRecord['values'] };
  }
  return out;
}

export function deserializeState(records: Record<string, TensorRecord>): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, record] of Object.entries(records)) out[name] = tf.tensor(record.values, record.shape, record.dtype);
  return out;
}

function pickExport(loaded: Record<string, unknown>, exportName: string): unknown {
  if (exportName in loaded) return loaded[exportName];
  // A CommonJS module imported as ESM: its exports object is the default export.
  const fallback = loaded.default as Record<string, unknown> | undefined;
  if (fallback && typeof fallback === 'object' && exportName in fallback) return fallback[exportName];
  return undefined;
}

function validateReplica(replica: Replica): void {
  if (typeof replica !== 'object' || replica === null) {
    throw new InvalidArgumentError('replica', replica, 'must be an object { groups, optimizers, phases } (what the factory returns)');
  }
  const { groups, optimizers, phases } = replica;
  if (typeof groups !== 'object' || groups === null || Object.keys(groups).length === 0) {
    throw new InvalidArgumentError('replica.groups', groups, 'must name at least one group of tf.Variables');
  }
  for (const [group, variables] of Object.entries(groups)) {
    if (typeof variables !== 'object' || variables === null || Object.keys(variables).length === 0) {
      throw new InvalidArgumentError(`replica.groups['${group}']`, variables, 'must be a non-empty record of tf.Variables');
    }
    for (const [name, variable] of Object.entries(variables)) {
      if (!(variable instanceof tf.Variable) || variable.dtype !== 'float32') {
        throw new InvalidArgumentError(`replica.groups['${group}']['${name}']`, variable, 'must be a float32 tf.Variable');
      }
    }
  }
  if (typeof phases !== 'object' || phases === null || Object.keys(phases).length === 0) {
    throw new InvalidArgumentError('replica.phases', phases, 'must name at least one phase { group, run }');
  }
  for (const [name, phase] of Object.entries(phases)) {
    if (typeof phase?.run !== 'function' || !(phase.group in groups)) {
      throw new InvalidArgumentError(
        `replica.phases['${name}']`,
        phase,
        `must be { group, run(shard) } with group one of ${Object.keys(groups).join(', ')}`,
      );
    }
    if (typeof optimizers?.[phase.group]?.step !== 'function') {
      throw new InvalidArgumentError(`replica.optimizers['${phase.group}']`, optimizers?.[phase.group], `must have step(params, grads) (phase '${name}' trains that group)`);
    }
  }
}

function checkOutput(output: PhaseOutput, group: GroupLayout & { offsets: number[] }, phase: string): void {
  if (typeof output !== 'object' || output === null || typeof output.grads !== 'object' || typeof output.losses !== 'object') {
    throw new InvalidArgumentError(`phase '${phase}' result`, output, 'must be { grads, losses }');
  }
  for (const [name, grad] of Object.entries(output.grads)) {
    const param = group.params.find((p) => p.name === name);
    if (param === undefined) {
      throw new InvalidArgumentError(`phase '${phase}' grads['${name}']`, grad, `is not a parameter of group '${group.name}'`);
    }
    if (!(grad instanceof tf.Tensor) || grad.dtype !== 'float32' || !tf.util.arraysEqual(grad.shape, param.shape)) {
      throw new InvalidArgumentError(`phase '${phase}' grads['${name}']`, grad, `must be a float32 tensor of shape [${param.shape.join(', ')}]`);
    }
  }
  for (const [name, loss] of Object.entries(output.losses)) {
    if (!(loss instanceof tf.Tensor) || loss.size !== 1) {
      throw new InvalidArgumentError(`phase '${phase}' losses['${name}']`, loss, 'must be a scalar tensor');
    }
  }
}

export async function readLosses(losses: Record<string, tf.Scalar>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, loss] of Object.entries(losses)) out[name] = (await loss.data())[0];
  return out;
}

export function disposeOutput(output: PhaseOutput): void {
  tf.dispose([...Object.values(output.grads), ...Object.values(output.losses)]);
}

/**
 * Copies a float32 tensor's values into `target` at `offset`. On wasm straight from the
 * wasm heap (one copy, no intermediate array: `dataSync()` would slice the heap first).
 */
async function copyInto(tensor: tf.Tensor, target: Float32Array, offset: number): Promise<void> {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') {
    target.set(backend.typedArrayFromHeap(tensor), offset);
  } else {
    target.set((await tensor.data()) as Float32Array, offset);
  }
}

/** The cpu backend keeps a reference to the array a tensor is made from; wasm copies it. */
function needsCopy(): boolean {
  return tf.getBackend() !== 'wasm';
}

function fnv1a(values: Float32Array): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let hash = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    hash = Math.imul(hash ^ words[i], 0x01000193) >>> 0;
  }
  return `${hash.toString(16).padStart(8, '0')}:${values.length}`;
}
