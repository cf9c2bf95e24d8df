import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError } from '../errors';
import { loadCheckpoint } from '../io/load-checkpoint';
import { saveCheckpoint, type SaveCheckpointResult } from '../io/save-checkpoint';
import type { JsonValue } from '../types';
import { FeatureClassifier, type FeatureClassifierConfig } from './feature-classifier';

/** The `family` marker in a feature classifier checkpoint's config. */
export const FEATURE_CLASSIFIER_FAMILY = 'feature-classifier';

/** Where a feature classifier checkpoint comes from: a tf.io handler, or a URL (`https://…/config.json`, `indexeddb://…`, a folder path in Node). */
export type FeatureClassifierSource = { handler: tf.io.IOHandler; url?: undefined } | { url: string; handler?: undefined };

/**
 * Saves `model` as a checkpoint: config `{ family: 'feature-classifier', featureClassifier: config }`,
 * the state dict under its dotted names, and `metadata` (test accuracy, steps…).
 */
export async function saveFeatureClassifier(
  destination: tf.io.IOHandler | string,
  model: FeatureClassifier,
  metadata: JsonValue = null,
): Promise<SaveCheckpointResult> {
  if (!(model instanceof FeatureClassifier)) throw new InvalidArgumentError('model', model, 'must be a FeatureClassifier');
  return saveCheckpoint(destination, {
    config: { family: FEATURE_CLASSIFIER_FAMILY, featureClassifier: model.config as unknown as JsonValue },
    tensors: model.stateDict(),
    metadata,
  });
}

/** A loaded classifier (eval mode; the caller owns it) and the checkpoint's metadata. */
export interface LoadedFeatureClassifier {
  classifier: FeatureClassifier;
  metadata: JsonValue;
}

/**
 * Loads a feature classifier checkpoint through tf.io (browser-safe): `{ handler }` or
 * `{ url }` — `https://…/feature-classifiers/mnist/config.json` (tf.io.http), `indexeddb://…`,
 * or, once `@gen/core/node` is imported, a folder path. Returns the classifier in eval mode.
 */
export async function loadFeatureClassifierFrom(source: FeatureClassifierSource): Promise<LoadedFeatureClassifier> {
  const where = resolveSource(source);
  const { config, tensors, metadata } = await loadCheckpoint(where);
  try {
    const classifierConfig = readConfig(config);
    const classifier = FeatureClassifier.fromConfig(classifierConfig);
    try {
      classifier.loadStateDict(tensors);
    } catch (error) {
      classifier.dispose();
      throw error;
    }
    classifier.eval();
    return { classifier, metadata };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Browser-safe loader: `loadFeatureClassifier({ url })` or `({ handler })` → the classifier. */
export async function loadFeatureClassifier(source: FeatureClassifierSource): Promise<FeatureClassifier> {
  return (await loadFeatureClassifierFrom(source)).classifier;
}

function resolveSource(source: FeatureClassifierSource): tf.io.IOHandler | string {
  if (typeof source !== 'object' || source === null || (source.handler === undefined) === (source.url === undefined)) {
    throw new InvalidArgumentError('loadFeatureClassifier source', source, "must be { handler } or { url } (in Node, also 'mnist' or 'fashion' via @gen/core/node)");
  }
  if (source.handler !== undefined) return source.handler;
  if (typeof source.url !== 'string' || source.url.length === 0) {
    throw new InvalidArgumentError('loadFeatureClassifier url', source.url, 'must be a non-empty string');
  }
  return /^https?:\/\//i.test(source.url) ? tf.io.http(source.url) : source.url;
}

function readConfig(config: JsonValue): FeatureClassifierConfig {
  const record = config as { family?: unknown; featureClassifier?: unknown } | null;
  if (typeof record !== 'object' || record === null || record.family !== FEATURE_CLASSIFIER_FAMILY || typeof record.featureClassifier !== 'object') {
    throw new GenError(`loadFeatureClassifier: the checkpoint is not a feature classifier (config.family is ${JSON.stringify(record?.family ?? null)}, expected "${FEATURE_CLASSIFIER_FAMILY}")`);
  }
  return record.featureClassifier as FeatureClassifierConfig;
}
