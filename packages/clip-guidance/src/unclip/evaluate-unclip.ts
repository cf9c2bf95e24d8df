// Does the unCLIP route do what issue 9 asks? Two measures, both by the repository's feature
// classifier (independent of the CLIP that conditions the decoder):
//   1. prompted-class accuracy — prior + decoder samples from prompts about class c in held-out
//      phrasings, classified as c;
//   2. variations — for references of each class in turn, `perReference` variations: the share
//      the classifier gives the reference's class (class agreement), and their RMS pixel distance
//      to the reference: a variation closer than `copyThreshold` counts as a copy. For scale, the
//      distance from each reference to another test image of its class is reported too. With
//      `redrawBelow`, copies are drawn again first (imageVariations) and the redraws are counted.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError, metrics, type ImageDataset } from '@gen/core';
import type { PipelineOptions } from '@gen/diffusion';
import { checkTemplates } from '../captions/caption-corpus';
import { HELD_OUT_TEMPLATES } from '../captions/caption-templates';
import type { Clip } from '../clip';
import { classPrompt, classScores } from '../text-to-image/evaluate-text-to-image';
import type { EmbeddingPrior, PriorSampleOptions } from './prior';
import { imageVariations, unclipPipeline } from './unclip-pipeline';
import { checkRedrawOptions, DEFAULT_MAX_REDRAWS } from '../guidance/redraw-copies';
import { DEFAULT_COPY_THRESHOLD, evaluateReferenceVariations, type ReferenceVariationResult } from '../guidance/evaluate-reference-variations';

export { DEFAULT_COPY_THRESHOLD };

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
  /**
   * Real images in [0, 1] (at least 2n): the prompted samples also get FID, its real-vs-real
   * floor at n, their ratio, and KID (omitted: class accuracy only).
   */
  real?: metrics.ImageInput;
  /** Training images: each reference's nearest-neighbour distance among them bounds what counts as a copy (`copiesBelowNearest`). */
  neighbours?: ImageDataset;
  /** References, classes in turn (default 20). */
  referenceCount?: number;
  /** Variations per reference (default 8). */
  perReference?: number;
  /** RMS pixel distance below which a variation is a copy (default 0.1). */
  copyThreshold?: number;
  /**
   * Variations closer than this RMS pixel distance to their reference are drawn again
   * (`imageVariations`' `redrawBelow`; default 0: the plain draws are measured).
   */
  redrawBelow?: number;
  /** Rounds of redrawing at most (default 4). */
  maxRedraws?: number;
  /** Decoder classifier-free guidance weight (default 3). */
  guidanceScale?: number;
  /** Images per pipeline run (default 50). */
  batchSize?: number;
  /** Seed: class batch b from `Generator(seed).fork('classes/b')`, reference r from `fork('variations/r')` (default 0). */
  seed?: number;
  onProgress?: (event: { done: number; total: number }) => void;
}

/** The variations measure of {@link evaluateUnclip}: `evaluateReferenceVariations`'s result and the redraws. */
export interface UnclipVariationResult extends ReferenceVariationResult {
  /** The `redrawBelow` the variations were drawn with (0: plain draws). */
  redrawBelow: number;
  /** Rounds of redrawing at most (the `maxRedraws` option). */
  maxRedraws: number;
  /** Redraws per variation (copies drawn again, over all rounds, per variation measured). */
  redrawn: number;
}

export interface UnclipEvaluation {
  prompted?: {
    n: number;
    classAccuracy: number;
    perClassAccuracy: number[];
    classFractions: number[];
    templates: string[];
    examples: string[];
    /** With `real`: FID of the prompted samples, the real-vs-real floor at n, ratio, KID. */
    fid?: number;
    floor?: number;
    ratio?: number;
    kid?: number;
    kidStd?: number;
  };
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
    neighbours,
    referenceCount = 20,
    perReference = 8,
    copyThreshold = DEFAULT_COPY_THRESHOLD,
    redrawBelow = 0,
    maxRedraws = DEFAULT_MAX_REDRAWS,
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
  checkRedrawOptions(redrawBelow, maxRedraws);
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
        const scores = await classScores(samples, labels, classifier, options.real, seed);
        const { fid, floor, ratio, kid, kidStd } = scores;
        result.prompted = {
          n,
          classAccuracy: scores.classAccuracy,
          perClassAccuracy: scores.perClassAccuracy,
          classFractions: scores.classFractions,
          templates: [...templates],
          examples: prompts.slice(0, classCount),
          ...(fid !== undefined ? { fid, floor, ratio, kid, kidStd } : {}),
        };
      } finally {
        samples.dispose();
      }
    } finally {
      tf.dispose(parts);
    }
  }

  // 2. Variations of references, classes in turn.
  if (references) {
    let redrawn = 0;
    const measured = await evaluateReferenceVariations({
      references,
      referenceCount,
      perReference,
      classifier,
      classCount,
      copyThreshold,
      ...(neighbours ? { neighbours } : {}),
      seed,
      generate: async (reference, generator) => {
        const output = await imageVariations({ ...decoder, image: reference, n: perReference, generator, redrawBelow, maxRedraws });
        redrawn += output.redrawn;
        return output.images;
      },
      onProgress: () => onProgress?.({ done: ++done, total }),
    });
    result.variations = { ...measured, redrawBelow, maxRedraws, redrawn: redrawn / (measured.references * measured.perReference) };
  }
  return result;
}
