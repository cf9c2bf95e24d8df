import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BenchConfig } from './config';
import type { StartSession } from './session';
import { spawnEventProcess } from './tfjs-node';

/** Debian's Python, whose python3-torch package is the PyTorch reference. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * scripts/bench/torch_bench.py: copied next to the bundle by the build (dist/torch_bench.py),
 * else found by walking up to the repo (running from sources or a repo checkout).
 */
export function findTorchScript(): string | undefined {
  const besideBundle = join(__dirname, 'torch_bench.py');
  if (existsSync(besideBundle)) return besideBundle;
  let directory = resolve(__dirname);
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(directory, 'scripts', 'bench', 'torch_bench.py');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return undefined;
}

export interface TorchCheck {
  ok: boolean;
  /** torch.__version__ when ok; otherwise why not and how to fix it. */
  detail: string;
}

/**
 * Checks that `python` can import torch. When it cannot and we are root, installs Debian's
 * python3-torch with apt-get (saying so through `log`); otherwise says how to install it.
 */
export function ensureTorch(python: string, log: (line: string) => void, options: { install?: boolean } = {}): TorchCheck {
  const { install = true } = options;
  const probe = (): string | undefined => {
    const result = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  if (!existsSync(python)) return { ok: false, detail: `${python} not found (apt-get install python3 python3-torch)` };
  const version = probe();
  if (version) return { ok: true, detail: version };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!install || !isRoot) {
    return { ok: false, detail: `python3-torch is not installed for ${python}; install it with: sudo apt-get install -y python3-torch` };
  }
  log('torch: python3-torch is missing; running apt-get install -y python3-torch (we are root)');
  let installed = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (installed.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    installed = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const after = probe();
  return after
    ? { ok: true, detail: after }
    : { ok: false, detail: `apt-get install -y python3-torch failed (exit ${installed.status}); install python3-torch and rerun` };
}

/** Sessions running torch_bench.py with `threads` intra-op threads. */
export function torchSessions(config: BenchConfig, python: string, script: string, threads: number): StartSession {
  return (ids, onEvent) =>
    spawnEventProcess(python, [script, '--threads', String(threads), '--ids', ids.join(','), '--config', JSON.stringify(config)], onEvent, {
      ...process.env,
      // torch.set_num_threads sets intra-op threads; pin the OpenMP/MKL pools too so "1 thread" means 1.
      OMP_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    });
}
