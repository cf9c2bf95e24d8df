// Does the unCLIP route do what issue 9 asks? Two measures, both by the repository's feature
// classifier (independent of the CLIP that conditions the decoder):
//   1. prompted-class accuracy — prior + decoder samples from prompts about class c in held-out
//      phrasings, classified as c;
//   2. variations — for references of each class in turn, `perReference` variations: the share
//      the classifier gives the reference's class (class agreement), and their RMS pixel distance
//      to the reference: a variation closer than `copyThreshold` counts as a copy. For scale, the
//      distance from each reference to another test image of its class is reported too.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError, metrics, type ImageDataset } from '@gen/core';
import type { PipelineOptions } from '@gen/diffusion';
import { checkTemplates } from '../captions/caption-corpus';
import { HELD_OUT_TEMPLATES } from '../captions/caption-templates';
import type { Clip } from '../clip';
import { classPrompt, classScores } from '../text-to-image/evaluate-text-to-image';
import type { EmbeddingPrior, PriorSampleOptions } from './prior';
import { imageVariations, unclipPipeline } from './unclip-pipeline';

/** RMS distance (pixels in [0, 1]) under which a variation counts as a copy of its reference, by default. */
export const DEFAULT_COPY_THRESHOLD = 0.1;

export interface EvaluateUnclipOptions extends Pick<PipelineOptions, 'model' | 'scheduler' | 'numInferenceSteps' | 'vae' | 'vaeScalingFactor'> {
  /** The CLIP the decoder (and prior) were trained with. */
  clip: Clip;
  /** Tokens per embedding (the decoder's `config.imageEncoder.tokens`). */
  tokens?: number;
  /** The feature classifier of the dataset (`loadFeatureClassifier`). */
  classifier: metrics.FeatureClassifier;
  /** Class names by label. */
  classNames: readonly string[];
  /** The prior: measures prompted-class accuracy (skipped without one). */
  prior?: EmbeddingPrior;
  priorOptions?: Omit<PriorSampleOptions, 'generator'>;
  /** Class-prompted samples, classes in turn (default 100). */
  n?: number;
  /** Prompt templates (default HELD_OUT_TEMPLATES). */
  templates?: readonly string[];
  /** Labelled test images: the references of the variations (skipped without them). */
  references?: ImageDataset;
  /** References, classes in turn (default 20). */
  referenceCount?: number;
  /** Variations per reference (default 8). */
  perReference?: number;
  /** RMS pixel distance below which a variation is a copy (default 0.1). */
  copyThreshold?: number;
  /** Decoder classifier-free guidance weight (default 3). */
  guidanceScale?: number;
  /** Images per pipeline run (default 50). */
  batchSize?: number;
  /** Seed: class batch b from `Generator(seed).fork('classes/b')`, reference r from `fork('variations/r')` (default 0). */
  seed?: number;
  onProgress?: (event: { done: number; total: number }) => void;
}

export interface UnclipVariationResult {
  references: number;
  perReference: number;
  /** Fraction of variations the classifier assigns the reference's label. */
  classAgreement: number;
  /** Fraction of references the classifier itself assigns their label. */
  referenceAccuracy: number;
  /** Mean and minimum RMS pixel distance of a variation to its reference. */
  meanDistance: number;
  minDistance: number;
  /** Fraction of variations closer than copyThreshold. */
  copies: number;
  copyThreshold: number;
  /** Mean RMS distance of a reference to the next test image of its class (the scale of "another drawing"). */
  sameClassDistance: number;
}

export interface UnclipEvaluation {
  prompted?: { n: number; classAccuracy: number; perClassAccuracy: number[]; classFractions: number[]; templates: string[]; examples: string[] };
  variations?: UnclipVariationResult;
  guidanceScale: number;
}

/** Measures the unCLIP route (see the file's header); no tensor outlives the call. */
export async function evaluateUnclip(options: EvaluateUnclipOptions): Promise<UnclipEvaluation> {
  const {
    clip,
    tokens,
    classifier,
    classNames,
    prior,
    priorOptions = {},
    n = 100,
    templates = HELD_OUT_TEMPLATES,
    references,
    referenceCount = 20,
    perReference = 8,
    copyThreshold = DEFAULT_COPY_THRESHOLD,
    guidanceScale = 3,
    batchSize = 50,
    seed = 0,
    onProgress,
    ...pipeline
  } = options ?? ({} as EvaluateUnclipOptions);
  if (!(classifier instanceof metrics.FeatureClassifier)) throw new InvalidArgumentError('classifier', classifier, 'must be a FeatureClassifier (loadFeatureClassifier)');
  if (!Array.isArray(classNames) || classNames.length === 0 || classNames.length > classifier.config.numClasses) {
    throw new InvalidArgumentError('classNames', classNames, `must be a non-empty array of at most ${classifier.config.numClasses} class names (the classifier's)`);
  }
  checkPositiveInteger('n', n);
  checkPositiveInteger('referenceCount', referenceCount);
  checkPositiveInteger('perReference', perReference);
  checkPositiveInteger('batchSize', batchSize);
  checkTemplates(templates);
  if (typeof copyThreshold !== 'number' || !(copyThreshold >= 0)) throw new InvalidArgumentError('copyThreshold', copyThreshold, 'must be a number >= 0 (RMS pixel distance)');
  if (prior === undefined && references === undefined) throw new InvalidArgumentError('prior', prior, 'or references must be given: there is nothing to measure');
  const classCount = classNames.length;
  const total = (prior ? Math.ceil(n / batchSize) : 0) + (references ? referenceCount : 0);
  let done = 0;
  const decoder = { ...pipeline, clip, guidanceScale, ...(tokens !== undefined ? { tokens } : {}) };
  const result: UnclipEvaluation = { guidanceScale };

  // 1. Prompted classes through the prior.
  if (prior) {
    const labels = Int32Array.from({ length: n }, (_, i) => i % classCount);
    const prompts = Array.from(labels, (label, i) => classPrompt(classNames[label], label + Math.floor(i / classCount), templates));
    const parts: tf.Tensor4D[] = [];
    try {
      for (let start = 0, batch = 0; start < n; start += batchSize, batch++) {
        const output = await unclipPipeline({ ...decoder, prior, priorOptions, prompts: prompts.slice(start, start + batchSize), generator: new Generator(seed).fork(`classes/${batch}`) });
        output.embeddings.dispose();
        parts.push(output.images as tf.Tensor4D);
        onProgress?.({ done: ++done, total });
      }
      const samples = tf.concat(parts) as tf.Tensor4D;
      try {
        const scores = await classScores(samples, labels, classifier, undefined, seed);
        result.prompted = { n, classAccuracy: scores.classAccuracy, perClassAccuracy: scores.perClassAccuracy, classFractions: scores.classFractions, templates: [...templates], examples: prompts.slice(0, classCount) };
      } finally {
        samples.dispose();
      }
    } finally {
      tf.dispose(parts);
    }
  }

  // 2. Variations of references, classes in turn.
  if (references) {
    const { height, width, channels } = references;
    const pixels = height * width * channels;
    const picks = referenceIndices(references, referenceCount, classCount);
    const imageAt = (index: number) => references.images.subarray(index * pixels, (index + 1) * pixels);
    let agree = 0;
    let referenceRight = 0;
    let distanceSum = 0;
    let minDistance = Infinity;
    let copies = 0;
    let sameClassSum = 0;
    for (const [r, { index, other }] of picks.entries()) {
      const label = references.labels[index];
      const reference = tf.tensor4d(imageAt(index), [1, height, width, channels]);
      let images: tf.Tensor | null = null;
      try {
        images = (await imageVariations({ ...decoder, image: reference, n: perReference, generator: new Generator(seed).fork(`variations/${r}`) })).images;
        const both = tf.concat([reference, images]) as tf.Tensor4D;
        const { logits } = await metrics.classifierOutputs(classifier, both, { argument: 'variations' });
        both.dispose();
        const classes = classifier.config.numClasses;
        const argmax = (row: number) => {
          let best = 0;
          for (let k = 1; k < classes; k++) if (logits[row * classes + k] > logits[row * classes + best]) best = k;
          return best;
        };
        if (argmax(0) === label) referenceRight += 1;
        const values = (await images.data()) as Float32Array;
        const ref = imageAt(index);
        for (let v = 0; v < perReference; v++) {
          if (argmax(v + 1) === label) agree += 1;
          const distance = rms(values.subarray(v * pixels, (v + 1) * pixels), ref);
          distanceSum += distance;
          minDistance = Math.min(minDistance, distance);
          if (distance < copyThreshold) copies += 1;
        }
        sameClassSum += rms(imageAt(other), ref);
      } finally {
        reference.dispose();
        images?.dispose();
      }
      onProgress?.({ done: ++done, total });
    }
    const count = picks.length * perReference;
    result.variations = {
      references: picks.length,
      perReference,
      classAgreement: agree / count,
      referenceAccuracy: referenceRight / picks.length,
      meanDistance: distanceSum / count,
      minDistance,
      copies: copies / count,
      copyThreshold,
      sameClassDistance: sameClassSum / picks.length,
    };
  }
  return result;
}

/** RMS difference of two images in [0, 1]. */
function rms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}

/** `count` references, classes in turn (each the next unused image of its class), each with another image of its class. */
function referenceIndices(dataset: ImageDataset, count: number, classCount: number): Array<{ index: number; other: number }> {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < dataset.size; i++) if (dataset.labels[i] < classCount) byClass[dataset.labels[i]].push(i);
  const picks: Array<{ index: number; other: number }> = [];
  for (let r = 0; picks.length < count && r < count * classCount; r++) {
    const members = byClass[r % classCount];
    const k = Math.floor(r / classCount);
    if (members.length >= 2 * k + 2) picks.push({ index: members[2 * k], other: members[2 * k + 1] });
  }
  if (picks.length === 0) throw new InvalidArgumentError('references', dataset.size, 'must hold at least two images of a class');
  return picks;
}
