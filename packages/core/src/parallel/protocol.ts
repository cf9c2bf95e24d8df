// Messages between the coordinator and its worker threads. Everything here is small:
// gradients and parameters travel through SharedArrayBuffers allocated once.
import type { JsonValue } from '../types';
import type { ReplicaMemory, ReplicaLayout, Shard } from './types';
import type { ShardReport, TensorRecord } from './replica-host';

/** `workerData` of a worker thread. */
export interface WorkerBoot {
  replicaModule: string;
  moduleName: string;
  exportName: string;
  options: JsonValue;
  /** `ReplicaSpec.data` (structured clone; shared memory stays shared). */
  data?: unknown;
  /** `ReplicaSpec.modules` as the worker imports them (`file:` URLs). */
  modules?: Record<string, string>;
  backend: string;
  replicaIndex: number;
  replicas: number;
  /** The shared memory of the replicas' `ReplicaExchange`, and how long an exchange waits. */
  exchange: { buffer: SharedArrayBuffer; timeoutMs: number };
}

/** Shared buffers of one parameter group. */
export interface GroupBuffers {
  /** `replicas × size` float32: replica r writes its shard's gradients at `r · size`. */
  grads: SharedArrayBuffer;
  /** `size` float32: the averaged gradients (written by the coordinator). */
  averaged: SharedArrayBuffer;
  /** `size` float32: updated parameters (broadcast mode only). */
  params: SharedArrayBuffer | null;
}

export type ToWorker =
  | { type: 'buffers'; groups: Record<string, GroupBuffers> }
  | { type: 'run'; id: number; phase: string; shard: Shard }
  | { type: 'apply'; phase: string; present: number[] }
  | { type: 'assign'; group: string }
  | { type: 'checksums'; id: number }
  | { type: 'memory'; id: number }
  | { type: 'load'; id: number; state: Record<string, TensorRecord> };

export type ToMain =
  | { type: 'ready'; layout: ReplicaLayout; checksums: string[]; memory: ReplicaMemory }
  | ({ type: 'ran'; id: number } & ShardReport)
  | { type: 'checksums'; id: number; checksums: string[] }
  | { type: 'memory'; id: number; memory: ReplicaMemory }
  | { type: 'loaded'; id: number }
  | { type: 'error'; id?: number; message: string; stack?: string };
