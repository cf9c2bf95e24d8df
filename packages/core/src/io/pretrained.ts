// The checkpoints this repository trained with its own `gen train` and ships inside a family
// package (packages/<family>/pretrained/<name>/): where they are, and what was recorded about
// them (the command, the training time, the measured metrics) in model-card.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { JsonValue } from '../types';
import { packageAssetDir } from './package-asset-dir';

export interface PretrainedDirOptions<Name extends string> {
  /** The family package, e.g. `'@gen/gan'`. */
  packageName: string;
  /** What the family calls a model, for messages ("GAN", "VAE", "diffusion model"). */
  kind: string;
  /** The name asked for. */
  name: Name;
  /** The names that package ships. */
  available: readonly Name[];
  /** A file of the calling package (its `__filename` / `fileURLToPath(import.meta.url)`). */
  fromFile: string;
}

/** The folder of a shipped checkpoint; a one-line error for an unknown name or a missing folder. */
export function pretrainedDir<Name extends string>(options: PretrainedDirOptions<Name>): string {
  const { packageName, kind, name, available, fromFile } = options;
  if (typeof name !== 'string' || !available.includes(name)) {
    throw new InvalidArgumentError('name', name, `must be a pretrained ${kind} of ${packageName}: ${available.map((n) => `'${n}'`).join(', ')}`);
  }
  return packageAssetDir({ packageName, relative: path.join('pretrained', name), fromFile, what: `the pretrained '${name}' ${kind} of ${packageName}` });
}

/** model-card.json of a shipped checkpoint: how it was made and what it measures. */
export interface ModelCard {
  /** The `gen train …` command line that trained it. */
  command: string;
  /** Training steps and wall-clock seconds on the machine described by `machine`. */
  steps: number;
  trainingSeconds: number;
  machine: string;
  /** Size of the shipped weights in bytes. */
  weightBytes: number;
  /** The `gen eval …` command line and what it printed into metrics.json. */
  evalCommand: string;
  metrics: { [key: string]: JsonValue };
  [key: string]: JsonValue;
}

/** Reads `<dir>/model-card.json`. */
export function readModelCard(dir: string): ModelCard {
  return JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8')) as ModelCard;
}
