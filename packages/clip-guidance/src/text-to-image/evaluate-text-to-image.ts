// Does a text-conditioned UNet follow its prompts? Two measures, both independent of the CLIP that
// encodes the text:
//   1. prompted-class accuracy — samples from prompts about class c (held-out templates, so the
//      phrasing was never seen in training) classified by the repository's feature classifier;
//   2. attribute pairs — two samples from the same seed and class whose prompts differ only in
//      opposite attribute words ("a thin seven" / "a bold seven"); the pair counts when the
//      attribute measured from the pixels (`measureImage`) moves the intended way.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError, metrics } from '@gen/core';
import type { PipelineOptions } from '@gen/diffusion';
import { ATTRIBUTE_WORDS, checkTemplates, defaultAttributeKinds, type AttributeKind } from '../captions/caption-corpus';
import { applyTemplate, HELD_OUT_TEMPLATES } from '../captions/caption-templates';
import { classPhrases, fillPhrase } from '../captions/class-phrases';
import { measureImage, type AttributeName } from '../captions/image-attributes';
import type { Clip } from '../clip';
import { generateFromPrompts } from './generate-from-prompts';

/** The attribute pairs: the low and high words (each group's canonical synonym) and what is measured. */
export const ATTRIBUTE_PAIRS = {
  weight: { low: ATTRIBUTE_WORDS.weight.thin[0], high: ATTRIBUTE_WORDS.weight.bold[0], measure: 'strokeWidth' },
  size: { low: ATTRIBUTE_WORDS.size.small[0], high: ATTRIBUTE_WORDS.size.large[0], measure: 'size' },
  slant: { low: ATTRIBUTE_WORDS.slant.left[0], high: ATTRIBUTE_WORDS.slant.right[0], measure: 'slant' },
} as const satisfies Record<string, { low: string; high: string; measure: AttributeName }>;
export type AttributePairKind = keyof typeof ATTRIBUTE_PAIRS;
const PAIR_KINDS = Object.keys(ATTRIBUTE_PAIRS) as AttributePairKind[];

/** Options of {@link evaluateTextToImage}. */
export interface EvaluateTextToImageOptions extends Pick<PipelineOptions, 'model' | 'scheduler' | 'numInferenceSteps' | 'vae' | 'vaeScalingFactor'> {
  /** The CLIP the UNet was trained with. */
  clip: Clip;
  /** The feature classifier of the dataset (`loadFeatureClassifier`), 10 classes for MNIST / Fashion-MNIST. */
  classifier: metrics.FeatureClassifier;
  /** Class names by label (the dataset's / the checkpoint's `textEncoder.captions.classNames`). */
  classNames: readonly string[];
  /** Class-prompted samples, classes in turn (default 100). */
  n?: number;
  /** Pairs per attribute, classes in turn (default 100; 0 skips the attribute check). */
  pairs?: number;
  /** Attribute pairs to check (default: those the captions mention — weight, size and slant for digits, size otherwise). */
  attributes?: readonly AttributePairKind[];
  /** Prompt templates (default HELD_OUT_TEMPLATES: phrasings never used in training). */
  templates?: readonly string[];
  /** Classifier-free guidance weight (default 3). */
  guidanceScale?: number;
  /** Images per pipeline run (default 50). */
  batchSize?: number;
  /** Seed of every sample: class batch b draws from `Generator(seed).fork('classes/b')`, pair batch b of kind k from `fork('pairs/k/b')` (both members). Default 0. */
  seed?: number;
  /** Real test images (NHWC in [0, 1], at least 2n): adds FID, floor, ratio and KID of the class-prompted samples (`evaluateSamples`). */
  real?: metrics.ImageInput;
  /** Called after every pipeline run. */
  onProgress?: (event: { done: number; total: number }) => void;
}

/** One attribute's pairs. */
export interface AttributePairResult {
  /** The prompts' words, e.g. "thin" / "bold", and the measured attribute. */
  low: string;
  high: string;
  measure: AttributeName;
  pairs: number;
  /** Fraction of pairs with measure(high) > measure(low); a pair with an ink-less image counts as not moved. */
  moved: number;
  /** Pairs where either image has no ink (no measurement). */
  noInk: number;
  /** Mean of measure(high) − measure(low) over the measured pairs (NaN when none). */
  meanDifference: number;
}

/** What {@link evaluateTextToImage} measures. */
export interface TextToImageEvaluation {
  /** Class-prompted samples. */
  n: number;
  /** Fraction of them the feature classifier assigns to the prompted class. */
  classAccuracy: number;
  /** Per prompted class (NaN for a class no prompt asked for). */
  perClassAccuracy: number[];
  /** Share of the samples the classifier gives each class. */
  classFractions: number[];
  /** FID, floor, ratio, KID (with `real`). */
  fid?: number;
  floor?: number;
  ratio?: number;
  kid?: number;
  kidStd?: number;
  attributes: Partial<Record<AttributePairKind, AttributePairResult>>;
  guidanceScale: number;
  templates: string[];
  /** The first prompts of each kind, for the record. */
  examples: { classes: string[]; pairs: Partial<Record<AttributePairKind, [string, string]>> };
}

/**
 * The `index`-th prompt about a class, with optional adjectives: its phrasings and the templates
 * in turn (`classPrompt('7', 2, HELD_OUT_TEMPLATES, 'thin')` → "a sketch of the thin number seven").
 */
export function classPrompt(className: string, index: number, templates: readonly string[], adjectives = ''): string {
  const phrases = classPhrases(className);
  return applyTemplate(templates[index % templates.length], fillPhrase(phrases[index % phrases.length], adjectives));
}

/**
 * Samples from held-out-template prompts and measures prompted-class accuracy and the attribute
 * pairs (see the file's header). Generation goes through {@link generateFromPrompts}; no tensor
 * outlives the call.
 */
export async function evaluateTextToImage(options: EvaluateTextToImageOptions): Promise<TextToImageEvaluation> {
  const {
    clip,
    classifier,
    classNames,
    n = 100,
    pairs = 100,
    templates = HELD_OUT_TEMPLATES,
    guidanceScale = 3,
    batchSize = 50,
    seed = 0,
    real,
    onProgress,
    ...pipeline
  } = options ?? ({} as EvaluateTextToImageOptions);
  if (!(classifier instanceof metrics.FeatureClassifier)) throw new InvalidArgumentError('classifier', classifier, 'must be a FeatureClassifier (loadFeatureClassifier)');
  if (!Array.isArray(classNames) || classNames.length === 0) throw new InvalidArgumentError('classNames', classNames, 'must be a non-empty array of class names');
  if (classNames.length > classifier.config.numClasses) {
    throw new InvalidArgumentError('classNames', classNames.length, `must not hold more classes than the classifier (${classifier.config.numClasses})`);
  }
  checkPositiveInteger('n', n);
  if (!Number.isSafeInteger(pairs) || pairs < 0) throw new InvalidArgumentError('pairs', pairs, 'must be an integer >= 0');
  checkPositiveInteger('batchSize', batchSize);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  checkTemplates(templates);
  const kinds: readonly AttributePairKind[] = options.attributes ?? PAIR_KINDS.filter((kind) => defaultAttributeKinds(classNames).includes(kind as AttributeKind));
  if (!Array.isArray(kinds as unknown) || !kinds.every((kind) => PAIR_KINDS.includes(kind))) {
    throw new InvalidArgumentError('attributes', kinds, `must be a list of ${PAIR_KINDS.join(', ')}`);
  }
  const classCount = classNames.length;
  const total = Math.ceil(n / batchSize) + (pairs > 0 ? kinds.length * 2 * Math.ceil(pairs / batchSize) : 0);
  let done = 0;
  const generate = async (prompts: string[], stream: string): Promise<tf.Tensor4D> => {
    const { images } = await generateFromPrompts({ ...pipeline, clip, prompts, guidanceScale, generator: new Generator(seed).fork(stream) });
    onProgress?.({ done: ++done, total });
    return images;
  };

  // 1. Class-prompted samples: classes in turn, phrasings and held-out templates in turn per class.
  const labels = Int32Array.from({ length: n }, (_, i) => i % classCount);
  const classPrompts = Array.from(labels, (label, i) => classPrompt(classNames[label], label + Math.floor(i / classCount), templates));
  const parts: tf.Tensor4D[] = [];
  let samples: tf.Tensor4D | null = null;
  let result: TextToImageEvaluation;
  try {
    for (let start = 0, batch = 0; start < n; start += batchSize, batch++) parts.push(await generate(classPrompts.slice(start, start + batchSize), `classes/${batch}`));
    samples = tf.concat(parts) as tf.Tensor4D;
    tf.dispose(parts.splice(0));
    result = {
      ...(await classScores(samples, labels, classifier, real, seed)),
      attributes: {},
      guidanceScale,
      templates: [...templates],
      examples: { classes: classPrompts.slice(0, classCount), pairs: {} },
    };
  } finally {
    tf.dispose(parts);
    samples?.dispose();
  }

  // 2. Attribute pairs: the same seed, class and phrasing, with the low and then the high word.
  for (const kind of pairs > 0 ? kinds : []) {
    const { low, high, measure } = ATTRIBUTE_PAIRS[kind];
    const differences: number[] = [];
    let moved = 0;
    let noInk = 0;
    for (let start = 0, batch = 0; start < pairs; start += batchSize, batch++) {
      const indices = Array.from({ length: Math.min(batchSize, pairs - start) }, (_, k) => start + k);
      const prompt = (i: number, word: string) => classPrompt(classNames[i % classCount], (i % classCount) + Math.floor(i / classCount), templates, word);
      const lowPrompts = indices.map((i) => prompt(i, low));
      const highPrompts = indices.map((i) => prompt(i, high));
      if (start === 0) result.examples.pairs[kind] = [lowPrompts[0], highPrompts[0]];
      const lowValues = await pixelsOf(await generate(lowPrompts, `pairs/${kind}/${batch}`));
      const highValues = await pixelsOf(await generate(highPrompts, `pairs/${kind}/${batch}`));
      const [height, width, channels] = lowValues.shape;
      const size = height * width * channels;
      for (let k = 0; k < indices.length; k++) {
        const a = measureImage(lowValues.values, height, width, channels, k * size);
        const b = measureImage(highValues.values, height, width, channels, k * size);
        if (a === null || b === null) {
          noInk += 1;
          continue;
        }
        differences.push(b[measure] - a[measure]);
        if (b[measure] > a[measure]) moved += 1;
      }
    }
    result.attributes[kind] = {
      low,
      high,
      measure,
      pairs,
      moved: moved / pairs,
      noInk,
      meanDifference: differences.length > 0 ? differences.reduce((sum, d) => sum + d, 0) / differences.length : NaN,
    };
  }
  return result;
}

/** Reads images back and disposes them. */
async function pixelsOf(images: tf.Tensor4D): Promise<{ values: Float32Array; shape: [number, number, number] }> {
  try {
    const [, height, width, channels] = images.shape;
    return { values: (await images.data()) as Float32Array, shape: [height, width, channels] };
  } finally {
    images.dispose();
  }
}

/**
 * Prompted-class accuracy by the feature classifier (and FID etc. against `real`): `labels[i]` is
 * the class sample i was prompted with. Shared with evaluateClipGuidance.
 */
export async function classScores(
  samples: tf.Tensor4D,
  labels: Int32Array,
  classifier: metrics.FeatureClassifier,
  real: metrics.ImageInput | undefined,
  seed: number,
): Promise<Omit<TextToImageEvaluation, 'attributes' | 'guidanceScale' | 'templates' | 'examples'>> {
  const n = labels.length;
  if (real !== undefined) {
    const evaluation = await metrics.evaluateSamples({ samples, labels, classifier, real, n, generator: new Generator(seed).fork('eval/real') });
    return {
      n,
      classAccuracy: evaluation.classAccuracy as number,
      perClassAccuracy: evaluation.perClassAccuracy as number[],
      classFractions: evaluation.classFractions,
      fid: evaluation.fid,
      floor: evaluation.floor,
      ratio: evaluation.ratio,
      kid: evaluation.kid,
      kidStd: evaluation.kidStd,
    };
  }
  const { logits } = await metrics.classifierOutputs(classifier, samples, { argument: 'samples' });
  const classes = classifier.config.numClasses;
  const asked = new Array<number>(classes).fill(0);
  const right = new Array<number>(classes).fill(0);
  const classFractions = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    classFractions[best] += 1 / n;
    asked[labels[i]] += 1;
    if (best === labels[i]) right[labels[i]] += 1;
  }
  return {
    n,
    classAccuracy: right.reduce((sum, r) => sum + r, 0) / n,
    perClassAccuracy: asked.map((count, k) => (count > 0 ? right[k] / count : NaN)),
    classFractions,
  };
}
