import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, initBackend, type BackendReport } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import type { CliIO } from './output';
import { UsageError } from './usage-error';

/**
 * tfjs-backend-cpu prints a "looks like you are running TensorFlow.js in Node.js, install
 * tfjs-node" banner on first use. `gen` reports which backend runs and why, so the banner
 * is noise; the cpu backend object's `firstUse` flag turns it off.
 */
export function silenceTfjsNodeBanner(): void {
  if (!tf.engine().registryFactory.cpu) return;
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

export interface SetupBackendOptions {
  /** `--backend`; the fastest registered backend when undefined. */
  backend?: string;
  io: CliIO;
  verbose?: boolean;
}

/**
 * Registers the Node backends that are installed (`loadNodeBackends`), activates one with
 * `initBackend({ prefer })` and prints `backend: <name> (<why>)`. A `--backend` that is not
 * registered here is a usage error (exit 2) naming the registered ones.
 */
export async function setupBackend({ backend, io, verbose = false }: SetupBackendOptions): Promise<BackendReport> {
  const load = await loadNodeBackends();
  silenceTfjsNodeBanner();
  let report: BackendReport;
  try {
    report = await initBackend({ prefer: backend });
  } catch (error) {
    if (backend !== undefined && InvalidArgumentError.isInstance(error) && error.argument === 'backend') {
      const allowed = error.message.replace(/^backend \([^)]*\) /, '');
      throw new UsageError('--backend', backend, allowed);
    }
    throw error;
  }
  io.stdout.write(`backend: ${report.name} (${report.reason})\n`);
  if (verbose) {
    for (const entry of report.considered) io.stdout.write(`  ${entry.name}: ${entry.status} — ${entry.detail}\n`);
    for (const entry of load.missing) io.stdout.write(`  ${entry.pkg}: ${entry.reason}\n`);
  }
  return report;
}
