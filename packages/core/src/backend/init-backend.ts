import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/gen-error';
import { registerTfjsGradients } from './register-gradients';
import { restoreGenGradients } from './restore-gradients';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

/** Backends in the order we prefer them: native TensorFlow, then GPU, then CPU SIMD, then plain JS. */
export const BACKEND_PREFERENCE = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export interface InitBackendOptions {
  /**
   * A backend to use instead of the automatic choice. It must be registered (the app
   * imports `@tensorflow/tfjs-backend-<name>` or tfjs-node first). Unknown or
   * unavailable names throw; nothing falls back silently.
   */
  prefer?: string;
  /** Backends to skip in the automatic choice (e.g. `['webgpu']`, whose gradients are wrong in some drivers). */
  exclude?: string[];
}

export interface BackendReport {
  /** The active backend. */
  name: string;
  /** Why it was chosen, one line. */
  reason: string;
  /** Every registered backend, in preference order, with why each other one was not used. */
  considered: Array<{ name: string; status: 'chosen' | 'skipped' | 'failed'; detail: string }>;
}

/**
 * Picks and activates the best registered tfjs backend (tensorflow → webgpu → webgl →
 * wasm → cpu) and says which and why. Registers gradients and, for wasm, the training
 * kernels it lacks, so any backend it returns can train.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const { prefer, exclude = [] } = options;
  registerTfjsGradients();
  restoreGenGradients(); // in case tfjs-layers (or @tensorflow/tfjs) was imported after @gen/core
  const registered = registeredBackends();
  const considered: BackendReport['considered'] = [];

  if (prefer !== undefined) {
    if (!registered.includes(prefer)) {
      const known = (BACKEND_PREFERENCE as readonly string[]).includes(prefer);
      throw new InvalidArgumentError(
        'backend',
        prefer,
        known
          ? `is not registered here; registered backends: ${registered.join(', ') || 'none'} (import @tensorflow/tfjs-backend-${prefer === 'tensorflow' ? 'node' : prefer} first)`
          : `is not a known backend; use one of ${BACKEND_PREFERENCE.join(', ')}`,
      );
    }
    if (!(await activate(prefer))) {
      throw new InvalidArgumentError('backend', prefer, 'is registered but failed to initialise on this machine');
    }
    considered.push({ name: prefer, status: 'chosen', detail: 'requested' });
    return { name: prefer, reason: `requested with prefer: '${prefer}'`, considered };
  }

  const ordered = [
    ...BACKEND_PREFERENCE.filter((name) => registered.includes(name)),
    ...registered.filter((name) => !(BACKEND_PREFERENCE as readonly string[]).includes(name)),
  ];
  for (const name of ordered) {
    if (exclude.includes(name)) {
      considered.push({ name, status: 'skipped', detail: 'excluded by options.exclude' });
      continue;
    }
    if (await activate(name)) {
      const better = considered.filter((c) => c.status === 'failed').map((c) => c.name);
      considered.push({ name, status: 'chosen', detail: 'first in preference order that initialised' });
      const reason =
        better.length > 0
          ? `${name}: ${better.join(', ')} failed to initialise`
          : `${name}: fastest registered backend (${ordered.join(' > ')})`;
      return { name, reason, considered };
    }
    considered.push({ name, status: 'failed', detail: 'setBackend returned false' });
  }
  throw new InvalidArgumentError(
    'backend',
    registered.join(', ') || 'none registered',
    'has no usable backend; import @tensorflow/tfjs-backend-cpu (or wasm / webgl / tfjs-node) before initBackend()',
  );
}

/** Names of the backends registered with tfjs-core in this process. */
export function registeredBackends(): string[] {
  const registry = tf.engine().registryFactory as Record<string, unknown>;
  return Object.keys(registry);
}

async function activate(name: string): Promise<boolean> {
  try {
    if (name === 'wasm') registerWasmTrainingKernels();
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  }
}
