// Node-only part of the metrics module, exported from @gen/core/node: the shipped feature
// classifiers (packages/core/assets/feature-classifiers/<dataset>/) by name, and
// evaluateSamples against a named dataset's real split.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertDatasetName, type DatasetName } from '../data/class-names';
import { loadDataset, type DatasetSplitName } from '../data/package-datasets';
import { InvalidArgumentError } from '../errors';
import { fileCheckpoint } from '../io/file-checkpoint';
import { packageAssetDir } from '../io/package-asset-dir';
import type { Generator } from '../random';
import type { LabelInput } from './class-accuracy';
import type { ImageInput } from './classifier-outputs';
import { evaluateSamples as evaluateWith, type SampleEvaluation } from './evaluate-samples';
import type { FeatureClassifier } from './feature-classifier';
import { loadFeatureClassifierFrom, loadFeatureClassifier as loadFromSource, type FeatureClassifierSource } from './feature-classifier-io';

/** The file this code runs from (source `.ts` under jest, a dist chunk when built). */
function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The folder of the shipped classifier for `dataset`: `assets/feature-classifiers/<dataset>` of
 * the @gen/core package (see `packageAssetDir` for where it is looked for).
 */
export function featureClassifierDir(dataset: DatasetName): string {
  assertDatasetName(dataset, 'dataset');
  return packageAssetDir({
    packageName: '@gen/core',
    relative: path.join('assets', 'feature-classifiers', dataset),
    fromFile: currentFile(),
    what: `loadFeatureClassifier: the shipped '${dataset}' classifier`,
  });
}

/**
 * Loads a feature classifier: the shipped one for `'mnist'` or `'fashion'`, or any checkpoint
 * by `{ handler }` / `{ url }` (a folder path works too). The caller owns (disposes) it.
 */
export async function loadFeatureClassifier(source: DatasetName | FeatureClassifierSource): Promise<FeatureClassifier> {
  if (typeof source === 'string') {
    return (await loadFeatureClassifierFrom({ handler: fileCheckpoint(featureClassifierDir(source)) })).classifier;
  }
  return loadFromSource(source);
}

/** What `train-feature-classifiers.ts` recorded next to a shipped classifier (its metrics.json). */
export interface FeatureClassifierRecord {
  dataset: DatasetName;
  testAccuracy: number;
  steps: number;
  seconds: number;
  command: string;
  date: string;
  [key: string]: unknown;
}

/** The metrics.json of the shipped classifier for `dataset`. */
export function featureClassifierRecord(dataset: DatasetName): FeatureClassifierRecord {
  return JSON.parse(readFileSync(path.join(featureClassifierDir(dataset), 'metrics.json'), 'utf8')) as FeatureClassifierRecord;
}

export interface EvaluateSamplesOnDatasetOptions {
  /** Generated images, NHWC in [0, 1]: `[N, 28, 28, 1]` tensor or N·784 floats. The first `n` are used. */
  samples: ImageInput;
  /** Intended labels of conditional samples: gives `classAccuracy`. */
  labels?: LabelInput;
  /** The real data: 'mnist' or 'fashion'. */
  dataset: DatasetName;
  /** Default: the shipped classifier of `dataset` (loaded and disposed by this call). */
  classifier?: FeatureClassifier;
  /** Split the real images come from (default 'test': 2,000 MNIST / 10,000 Fashion images, so n ≤ 1,000 / 5,000). */
  realSplit?: DatasetSplitName;
  /** Samples compared (default: all); the real split must hold 2·n images. */
  n?: number;
  generator?: Generator;
  batchSize?: number;
  kid?: { numSubsets?: number; subsetSize?: number };
}

/**
 * `evaluateSamples` against a named dataset: FID, its real-vs-real floor at the same n, the
 * ratio, KID and (with `labels`) class accuracy, with the shipped classifier unless one is given.
 */
export async function evaluateSamples(options: EvaluateSamplesOnDatasetOptions): Promise<SampleEvaluation> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('evaluateSamples options', options, "must be { samples, dataset: 'mnist' | 'fashion', n?, labels?, generator? }");
  }
  const { dataset, classifier, realSplit = 'test', ...rest } = options;
  assertDatasetName(dataset, 'dataset');
  if (realSplit !== 'test' && realSplit !== 'train' && realSplit !== 'all') {
    throw new InvalidArgumentError('realSplit', realSplit, "must be 'test', 'train' or 'all'");
  }
  if (classifier !== undefined && classifier.config?.dataset !== undefined && classifier.config.dataset !== dataset) {
    throw new InvalidArgumentError('classifier', `trained on '${classifier.config.dataset}'`, `must match dataset '${dataset}'`);
  }
  const model = classifier ?? (await loadFeatureClassifier(dataset));
  try {
    const real = await loadDataset(dataset, { split: realSplit });
    return await evaluateWith({ ...rest, classifier: model, real: real.images });
  } finally {
    if (!classifier) model.dispose();
  }
}
