import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerWasmTrainingKernels } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import { silenceTfjsNodeBanner } from '../setup-backend';
import type { BenchConfig } from './config';
import { parseEvent, type BenchEvent } from './events';
import type { BenchSession, StartSession } from './session';
import { runTfjsSuite } from './suite';

const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];

/**
 * Activates `backend` in this process and runs the suite on it, reporting events.
 * Used by the bench worker process and, when no built worker exists (tests run sources),
 * in-process.
 */
export async function runTfjsBackendHere(backend: string, config: BenchConfig, ids: string[], emit: (event: BenchEvent) => void): Promise<void> {
  try {
    await loadNodeBackends({ only: [backend] });
    silenceTfjsNodeBanner();
    const report = await initBackend({ prefer: backend });
    const info: Record<string, unknown> = { backend: report.name, tfjs: tf.version_core };
    if (backend === 'wasm') {
      registerWasmTrainingKernels();
      // Which of the training kernels tfjs-backend-wasm 4.22 lacks are present (from @gen/core).
      info.wasmTrainingKernels = WASM_TRAINING_KERNELS.filter((name) => tf.getKernel(name, 'wasm') != null);
      info.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      info.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    }
    emit({ type: 'ready', info });
  } catch (error) {
    emit({ type: 'fatal', message: String((error as Error)?.message ?? error).split('\n')[0] });
    return;
  }
  await runTfjsSuite(
    config,
    {
      onStart: (id) => emit({ type: 'start', id }),
      onSample: (id, ms, warmup) => emit({ type: 'sample', id, ms, warmup }),
      onResult: (measurement) => emit({ type: 'result', measurement }),
    },
    ids,
  );
}

/** The built worker next to this bundle (dist/bench-worker.js), if there is one. */
export function findWorker(): string | undefined {
  const candidate = join(__dirname, 'bench-worker.js');
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * Sessions that run one tfjs backend in a child Node process (dist/bench-worker.js), so
 * a measurement that exceeds its limit can be stopped; in-process when there is no worker.
 */
export function tfjsNodeSessions(backend: string, config: BenchConfig, worker = findWorker()): StartSession {
  if (!worker) {
    return (ids, onEvent) => ({
      finished: runTfjsBackendHere(backend, config, ids, onEvent).then(
        () => ({}),
        (error: unknown) => ({ error: String((error as Error)?.message ?? error) }),
      ),
      // In-process runs cannot be interrupted; the limit only applies with a worker.
      stop: () => {},
    });
  }
  return (ids, onEvent) => spawnEventProcess(process.execPath, [worker, JSON.stringify({ backend, config, ids })], onEvent);
}

/** Spawns a process that prints one BenchEvent JSON per line on stdout. */
export function spawnEventProcess(command: string, args: string[], onEvent: (event: BenchEvent) => void, env?: NodeJS.ProcessEnv): BenchSession {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let buffered = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const event = parseEvent(buffered.slice(0, newline));
      if (event) onEvent(event);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let stopped = false;
  const finished = new Promise<{ error?: string }>((resolve) => {
    child.on('error', (error) => resolve({ error: `could not start ${command}: ${error.message}` }));
    child.on('close', (code, signal) => {
      const event = parseEvent(buffered);
      if (event) onEvent(event);
      if (code === 0 || stopped) resolve({});
      else resolve({ error: `${command} exited with ${code ?? signal}${stderr ? `: ${lastLine(stderr)}` : ''}` });
    });
  });
  return {
    finished,
    stop: () => {
      stopped = true;
      child.kill('SIGKILL');
    },
  };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? '';
}
