// Node-only: a CheckpointStore of step-numbered checkpoint folders, `dir/step-00000100/`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { CheckpointContents } from './checkpoint-format';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
import { CONFIG_FILE, fileCheckpoint, type FileCheckpointOptions } from './file-checkpoint';
import { loadCheckpoint, type LoadCheckpointOptions } from './load-checkpoint';
import { saveCheckpoint } from './save-checkpoint';

const STEP_FOLDER = /^(?:\.)?step-(\d+)(?:\.previous)?$/;

/** `step-00000100`: zero-padded so folder listings sort by step. */
export function stepFolderName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A CheckpointStore in folder `dir`: each checkpoint is an atomic `fileCheckpoint` folder
 * named by its step (`dir/step-00000100/config.json`, `…/weights.bin`). `loadLatest` takes
 * the highest step; `prune(keep)` renames old folders aside before deleting them, so a crash
 * never leaves a half-deleted checkpoint behind. Leftovers of crashed saves
 * (`.step-….partial-<pid>-…` of processes no longer running) are removed by `prune`.
 */
export function folderStore(dir: string, options: FileCheckpointOptions = {}): CheckpointStore {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError('folderStore dir', dir, 'must be a non-empty folder path');
  }
  const root = path.resolve(dir);

  async function entries(): Promise<string[]> {
    try {
      return await fs.promises.readdir(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Steps with a complete checkpoint (or one a crash left moved aside), ascending. */
  async function steps(): Promise<number[]> {
    const found = new Set<number>();
    for (const entry of await entries()) {
      const match = STEP_FOLDER.exec(entry);
      if (match === null || (entry.startsWith('.') !== entry.endsWith('.previous'))) continue;
      try {
        if ((await fs.promises.stat(path.join(root, entry, CONFIG_FILE))).isFile()) found.add(Number(match[1]));
      } catch {
        // no config.json: not a checkpoint
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  return {
    location: root,
    async save(step: number, contents: CheckpointContents) {
      if (!Number.isSafeInteger(step) || step < 0) throw new InvalidArgumentError('step', step, 'must be a non-negative integer');
      const folder = path.join(root, stepFolderName(step));
      await saveCheckpoint(fileCheckpoint(folder, options), contents);
      return folder;
    },
    async loadLatest(loadOptions: LoadCheckpointOptions = {}): Promise<StoredCheckpoint | null> {
      const all = await steps();
      if (all.length === 0) return null;
      const step = all[all.length - 1];
      const folder = path.join(root, stepFolderName(step));
      const loaded = await loadCheckpoint(fileCheckpoint(folder), loadOptions);
      return { ...loaded, step, location: folder };
    },
    async prune(keep: number) {
      if (!Number.isSafeInteger(keep) || keep < 1) throw new InvalidArgumentError('keep', keep, 'must be a positive integer');
      const all = await steps();
      for (const step of all.slice(0, Math.max(0, all.length - keep))) {
        const folder = path.join(root, stepFolderName(step));
        const doomed = path.join(root, `.${stepFolderName(step)}.deleting-${process.pid}`);
        try {
          await fs.promises.rename(folder, doomed);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        await fs.promises.rm(doomed, { recursive: true, force: true });
        await fs.promises.rm(path.join(root, `.${stepFolderName(step)}.previous`), { recursive: true, force: true });
      }
      for (const entry of await entries()) {
        const match = /^\.step-\d+\.(?:partial|deleting)-(\d+)/.exec(entry);
        if (match !== null && Number(match[1]) !== process.pid && !isAlive(Number(match[1]))) {
          await fs.promises.rm(path.join(root, entry), { recursive: true, force: true });
        }
      }
    },
  };
}
