import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { Generator } from '../random';
import { classAccuracy, type LabelInput } from './class-accuracy';
import { argMaxRows, classifierOutputs, countImages, type ImageInput } from './classifier-outputs';
import { FeatureClassifier } from './feature-classifier';
import type { FeatureMatrix } from './features';
import { frechetDistanceFromStatistics, statisticsOf } from './frechet-distance';
import { kernelInceptionDistance } from './kernel-inception-distance';

/** Largest distance outside [0, 1] a sample value may have (float rounding of clipped outputs). */
export const SAMPLE_RANGE_TOLERANCE = 1e-3;

export interface EvaluateSamplesOptions {
  /** Generated images, NHWC in [0, 1]: a `[N, H, W, C]` tensor or N·H·W·C floats. The first `n` are used. */
  samples: ImageInput;
  /** The labels the samples were conditioned on (conditional models): gives `classAccuracy`. */
  labels?: LabelInput;
  /** The feature classifier (`loadFeatureClassifier`). */
  classifier: FeatureClassifier;
  /** Real images of the same size, NHWC in [0, 1]; at least 2·n of them (two disjoint subsets of n). */
  real: ImageInput;
  /** Samples compared (default: all of them); at least 2. FID, floor and KID all use n rows a side. */
  n?: number;
  /** Draws the two real subsets and the KID subsets. Default `new Generator(0)`: the same inputs give the same numbers. */
  generator?: Generator;
  /** Images per classifier forward pass (default 250). */
  batchSize?: number;
  /** KID subsets: `numSubsets` (default 10) random subsets of `subsetSize` rows (default min(n, 1000)). */
  kid?: { numSubsets?: number; subsetSize?: number };
}

/** What {@link evaluateSamples} measures. */
export interface SampleEvaluation {
  /** Samples compared (and size of each real subset). */
  n: number;
  /** FID between the n samples and real subset A (classifier features). */
  fid: number;
  /** FID between two disjoint real subsets A and B of n images each: what a perfect model would score at this n. */
  floor: number;
  /** fid / floor: ≈ 1 for samples indistinguishable from real data; comparable across n. */
  ratio: number;
  /** KID (unbiased MMD², cubic kernel) between the samples and real subset A: ≈ 0 for a perfect model. */
  kid: number;
  /** Standard deviation of the KID estimate over its subsets. */
  kidStd: number;
  /** Fraction of samples the classifier assigns to their intended label (only with `labels`). */
  classAccuracy?: number;
  /** classAccuracy per intended label (NaN for a label no sample asked for; only with `labels`). */
  perClassAccuracy?: number[];
  /**
   * Fraction of the samples the classifier assigns to each class, whatever was asked for:
   * the coverage of the data's modes (mode collapse shows as classes near 0).
   */
  classFractions: number[];
}

/**
 * The one evaluation every model family uses: classifier-feature FID with its real-vs-real floor
 * at the same n (so `ratio` is comparable across sample counts), KID, and the class accuracy
 * of conditional samples. Browser-safe; `@gen/core/node`'s `evaluateSamples` loads the
 * shipped classifier and the real test split by dataset name.
 *
 * Features are extracted in batches of `batchSize` (one async read each); no tensor outlives
 * the call. Samples outside [0, 1] (beyond {@link SAMPLE_RANGE_TOLERANCE}) are rejected, never
 * clipped: map [-1, 1] outputs with `(x + 1) / 2` first.
 */
export async function evaluateSamples(options: EvaluateSamplesOptions): Promise<SampleEvaluation> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('evaluateSamples options', options, 'must be { samples, classifier, real, n?, labels?, generator? }');
  }
  const { samples, labels, classifier, real, generator = new Generator(0), batchSize = 250, kid = {} } = options;
  if (!(classifier instanceof FeatureClassifier)) {
    throw new InvalidArgumentError('classifier', classifier, 'must be a FeatureClassifier (loadFeatureClassifier)');
  }
  const sampleCount = countImages(classifier, samples, 'samples');
  const realCount = countImages(classifier, real, 'real');
  const n = options.n ?? sampleCount;
  if (!Number.isInteger(n) || n < 2 || n > sampleCount) {
    throw new InvalidArgumentError('n', n, `must be an integer in [2, ${sampleCount}] (the number of samples)`);
  }
  if (2 * n > realCount) {
    throw new InvalidArgumentError('n', n, `must be at most ${Math.floor(realCount / 2)}: the floor needs two disjoint real subsets of n from ${realCount} real images`);
  }
  const { numSubsets = 10, subsetSize = Math.min(n, 1000) } = kid;
  let targets: ArrayLike<number> | undefined;
  if (labels !== undefined) {
    targets = labels instanceof tf.Tensor ? await labels.data() : labels;
    if (labels instanceof tf.Tensor && labels.rank !== 1) throw new InvalidArgumentError('labels', labels, 'must be a Tensor1D or an array of integer labels');
    if (targets == null || typeof targets.length !== 'number' || targets.length < n) {
      throw new InvalidArgumentError('labels length', targets?.length, `must be at least n (${n}), one intended label per sample`);
    }
  }

  const first = Int32Array.from({ length: n }, (_, i) => i);
  const generated = await classifierOutputs(classifier, samples, { batchSize, indices: first, logits: true, argument: 'samples' });
  if (Number.isNaN(generated.min) || Number.isNaN(generated.max)) {
    throw new InvalidArgumentError('samples', 'NaN', 'must hold finite values in [0, 1]');
  }
  if (generated.min < -SAMPLE_RANGE_TOLERANCE || generated.max > 1 + SAMPLE_RANGE_TOLERANCE) {
    throw new InvalidArgumentError(
      'samples range',
      [round(generated.min), round(generated.max)],
      'must be within [0, 1] (map [-1, 1] outputs with (x + 1) / 2 first)',
    );
  }
  const order = generator.fork('evaluate-samples/real').permutation(realCount).subarray(0, 2 * n);
  const realOutputs = await classifierOutputs(classifier, real, { batchSize, indices: order, logits: false, argument: 'real' });

  const d = classifier.featureDim;
  const fake = matrix(generated.features, n, d);
  const realA = matrix(realOutputs.features.subarray(0, n * d), n, d);
  const realB = matrix(realOutputs.features.subarray(n * d), n, d);
  const statsA = statisticsOf(realA, 'real');
  const fid = frechetDistanceFromStatistics(statisticsOf(fake, 'samples'), statsA);
  const floor = frechetDistanceFromStatistics(statisticsOf(realB, 'real'), statsA);
  const kernel = await kernelInceptionDistance(
    { values: fake.values, shape: [n, d] },
    { values: realA.values, shape: [n, d] },
    { numSubsets, subsetSize, generator: generator.fork('evaluate-samples/kid') },
  );
  const classes = classifier.config.numClasses;
  const predicted = argMaxRows(generated.logits, classes);
  const classFractions = new Array<number>(classes).fill(0);
  for (const k of predicted) classFractions[k] += 1 / n;
  const result: SampleEvaluation = { n, fid, floor, ratio: fid / floor, kid: kernel.mean, kidStd: kernel.std, classFractions };
  if (targets !== undefined) {
    const intended = Array.from(targets).slice(0, n);
    result.classAccuracy = await classAccuracy(predicted, intended);
    const asked = new Array<number>(classes).fill(0);
    const right = new Array<number>(classes).fill(0);
    intended.forEach((label, i) => {
      asked[label] += 1;
      if (predicted[i] === label) right[label] += 1;
    });
    result.perClassAccuracy = asked.map((count, k) => (count > 0 ? right[k] / count : NaN));
  }
  return result;
}

function matrix(values: Float32Array, rows: number, cols: number): FeatureMatrix {
  return { values: Float64Array.from(values), rows, cols };
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
