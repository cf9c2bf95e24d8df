import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpointFromDir } from './node';

// A child process saves a 16 MB checkpoint to the same folder over and over; we SIGKILL it
// at varied moments and check that the folder always loads (checksums included) and holds
// a checkpoint at least as new as the last one the child reported complete.
const SIZE = 4 * 1024 * 1024; // float32 elements: 16 MiB per save
const KILL_DELAYS_MS = [0, 15, 40, 75, 130, 210, 320];

let work: string;
let child: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-kill-'));
  child = path.join(work, 'save-forever.cjs');
  // Bundle the TypeScript child (and the io code under test) so plain `node` can run it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, '__fixtures__', 'save-forever.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: child,
    external: ['@tensorflow/*'],
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await fs.promises.rm(work, { recursive: true, force: true });
});

function runAndKill(dir: string, first: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, String(SIZE), String(first)], {
      env: { ...process.env, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastSaved = -1;
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    proc.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/saved (\d+)/g)) lastSaved = Number(match[1]);
      // After the first complete save of this run, kill at `delayMs` into the following saves.
      killTimer ??= setTimeout(() => proc.kill('SIGKILL'), delayMs);
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal === 'SIGKILL') resolve(lastSaved);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('checkpoint saves survive SIGKILL', () => {
  it('leaves a loadable, complete checkpoint whenever the writer is killed', async () => {
    const dir = path.join(work, 'ckpt');
    let first = 1;
    for (const delay of KILL_DELAYS_MS) {
      const lastSaved = await runAndKill(dir, first, delay);
      expect(lastSaved).toBeGreaterThanOrEqual(first);
      const loaded = await loadCheckpointFromDir(dir);
      const values = await loaded.tensors['model/w'].data();
      const value = values[0];
      expect(values.length).toBe(SIZE);
      expect(values.every((v) => v === value)).toBe(true);
      expect(loaded.metadata).toEqual({ i: value });
      // The newest completed save, or the one in flight if its rename had happened.
      expect(value === lastSaved || value === lastSaved + 1).toBe(true);
      tf.dispose(loaded.tensors);
      first = lastSaved + 2;
    }
  }, 120_000);
});
