// Worker-thread entry of data-parallel training (built as dist/parallel-worker.js; bundled
// from this source by worker-scripts.ts under jest). Registers its own tfjs backend, builds
// one replica and serves the coordinator's requests strictly in order.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { loadNodeBackends } from '../backend/load-node-backends';
import { registerTfjsGradients } from '../backend/register-gradients';
import { registerWasmTrainingKernels } from '../backend/wasm-training-kernels';
import { registerSecondOrderGradients } from '../losses/second-order-gradients';
import { ReplicaExchange } from './replica-exchange';
import { deserializeState, ReplicaHost } from './replica-host';
import type { ToMain, ToWorker, WorkerBoot } from './protocol';

const port = parentPort;
if (port === null) throw new Error('@gen/core parallel-worker must run in a worker thread');

const boot = workerData as WorkerBoot;
let host: ReplicaHost | null = null;
const buffers = new Map<string, { grads: Float32Array; averaged: Float32Array; params: Float32Array | null }>();

function send(message: ToMain): void {
  port!.postMessage(message);
}

function fail(error: unknown, id?: number): void {
  const err = error as Error;
  send({ type: 'error', id, message: String(err?.message ?? error), stack: err?.stack });
}

async function start(): Promise<void> {
  // What importing @gen/core does, so a replica written against bare tfjs trains alike.
  registerTfjsGradients();
  registerSecondOrderGradients();
  await loadNodeBackends({ only: [boot.backend] });
  if (boot.backend === 'wasm') registerWasmTrainingKernels();
  await initBackend({ prefer: boot.backend });
  host = await ReplicaHost.load(
    () => import(/* webpackIgnore: true */ boot.replicaModule),
    boot.moduleName,
    boot.exportName,
    boot.options,
    {
      replicaIndex: boot.replicaIndex,
      replicas: boot.replicas,
      backend: boot.backend,
      data: boot.data,
      modules: boot.modules,
      exchange: new ReplicaExchange(boot.exchange.buffer, boot.replicaIndex, boot.replicas, boot.exchange.timeoutMs),
    },
  );
  send({ type: 'ready', layout: host.layout, checksums: await host.checksums(), memory: host.memory() });
}

async function handle(message: ToWorker): Promise<void> {
  const replica = host!;
  switch (message.type) {
    case 'buffers':
      for (const [group, b] of Object.entries(message.groups)) {
        const size = replica.layout.groups.find((g) => g.name === group)!.size;
        buffers.set(group, {
          grads: new Float32Array(b.grads, boot.replicaIndex * size * 4, size),
          averaged: new Float32Array(b.averaged),
          params: b.params ? new Float32Array(b.params) : null,
        });
      }
      return;
    case 'run': {
      const group = replica.groupOf(message.phase).name;
      const report = await replica.runInto(message.phase, message.shard, buffers.get(group)!.grads);
      send({ type: 'ran', id: message.id, ...report });
      return;
    }
    case 'apply':
      replica.applyFrom(message.phase, message.present, buffers.get(replica.groupOf(message.phase).name)!.averaged);
      return;
    case 'assign':
      replica.assignParams(message.group, buffers.get(message.group)!.params!);
      return;
    case 'checksums':
      send({ type: 'checksums', id: message.id, checksums: await replica.checksums() });
      return;
    case 'memory':
      send({ type: 'memory', id: message.id, memory: replica.memory() });
      return;
    case 'load': {
      const state = deserializeState(message.state);
      try {
        replica.loadStateDict(state);
      } finally {
        tf.dispose(Object.values(state));
      }
      send({ type: 'loaded', id: message.id });
      return;
    }
  }
}

// Requests run one at a time, in arrival order, after the replica is built.
let queue: Promise<void> = start().catch((error) => fail(error));

port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message)).catch((error) => fail(error, 'id' in message ? message.id : undefined));
});
