// How well a reference-image route keeps its reference, by the repository's feature classifier
// (independent of any CLIP that guides the route): for references of each class in turn,
// `perReference` variations from `generate`; the share the classifier gives the reference's class
// (class agreement) and their RMS pixel distance to the reference, a variation closer than
// `copyThreshold` counting as a copy. For scale, the distance from each reference to another test
// image of its class is reported too. unCLIP's evaluateUnclip and the families' reference routes
// (docs/guides/reference-images.md) share it.
//
// A fixed threshold misjudges simple shapes: a plain "1" has real, distinct drawings in the
// training set within 0.1 RMS of it. With `neighbours` (the training images) each reference also
// gets its nearest-neighbour distance, and a variation closer than min(copyThreshold, that
// distance) — closer than any other real drawing is — counts in `copiesBelowNearest`.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError, metrics, type ImageDataset } from '@gen/core';

/** RMS distance (pixels in [0, 1]) under which a variation counts as a copy of its reference, by default. */
export const DEFAULT_COPY_THRESHOLD = 0.1;

/** Options of {@link evaluateReferenceVariations}. */
export interface EvaluateReferenceVariationsOptions {
  /** Labelled test images in [0, 1]: the references. */
  references: ImageDataset;
  /** References, classes in turn (default 20). */
  referenceCount?: number;
  /** Variations per reference (default 8). */
  perReference?: number;
  /** The feature classifier of the dataset (`loadFeatureClassifier`). */
  classifier: metrics.FeatureClassifier;
  /** Classes the references are drawn from (labels 0 … classCount − 1; default the classifier's). */
  classCount?: number;
  /** RMS pixel distance below which a variation is a copy (default 0.1). */
  copyThreshold?: number;
  /**
   * Training images in [0, 1] of the references' size: each reference's nearest-neighbour RMS
   * distance among them bounds what counts as a copy (`copiesBelowNearest`; omitted: not measured).
   */
  neighbours?: ImageDataset;
  /** Reference r's generator is `new Generator(seed).fork('variations/r')` (default 0). */
  seed?: number;
  /** `perReference` variations `[perReference, H, W, C]` in [0, 1] of one reference `[1, H, W, C]`; the evaluation disposes them. */
  generate: (reference: tf.Tensor4D, generator: Generator) => Promise<tf.Tensor4D>;
  /** Called after each reference. */
  onProgress?: (event: { done: number; total: number }) => void;
}

/** What {@link evaluateReferenceVariations} measures. */
export interface ReferenceVariationResult {
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
  /** The same per reference class (index = label): where the copies are. */
  perClassCopies: number[];
  copyThreshold: number;
  /** Mean RMS distance of a reference to the next test image of its class (the scale of "another drawing"). */
  sameClassDistance: number;
  /** With `neighbours`: mean RMS distance of a reference to its nearest training image. */
  nearestNeighbourDistance?: number;
  /** With `neighbours`: fraction of variations closer than min(copyThreshold, their reference's nearest-neighbour distance). */
  copiesBelowNearest?: number;
}

/** Measures a reference-image route (see the file's header); no tensor outlives the call. */
export async function evaluateReferenceVariations(options: EvaluateReferenceVariationsOptions): Promise<ReferenceVariationResult> {
  const { references, referenceCount = 20, perReference = 8, classifier, copyThreshold = DEFAULT_COPY_THRESHOLD, neighbours, seed = 0, generate, onProgress } = options ?? ({} as EvaluateReferenceVariationsOptions);
  if (!(classifier instanceof metrics.FeatureClassifier)) throw new InvalidArgumentError('classifier', classifier, 'must be a FeatureClassifier (loadFeatureClassifier)');
  const classCount = options.classCount ?? classifier.config.numClasses;
  checkPositiveInteger('referenceCount', referenceCount);
  checkPositiveInteger('perReference', perReference);
  checkPositiveInteger('classCount', classCount);
  if (typeof copyThreshold !== 'number' || !(copyThreshold >= 0)) throw new InvalidArgumentError('copyThreshold', copyThreshold, 'must be a number >= 0 (RMS pixel distance)');
  if (typeof generate !== 'function') throw new InvalidArgumentError('generate', generate, 'must be a function (reference, generator) → variations');
  const { height, width, channels } = references;
  const pixels = height * width * channels;
  if (neighbours !== undefined && (neighbours?.images?.length !== neighbours?.size * pixels || neighbours.size === 0)) {
    throw new InvalidArgumentError('neighbours', neighbours?.size, `must be a non-empty ImageDataset of ${height}×${width}×${channels} images (the references' size)`);
  }
  const picks = referenceIndices(references, referenceCount, classCount);
  const imageAt = (index: number) => references.images.subarray(index * pixels, (index + 1) * pixels);
  const classes = classifier.config.numClasses;
  let agree = 0;
  let referenceRight = 0;
  let distanceSum = 0;
  let minDistance = Infinity;
  let copies = 0;
  const classCopies = new Array<number>(classCount).fill(0);
  const classVariations = new Array<number>(classCount).fill(0);
  let sameClassSum = 0;
  let nearestSum = 0;
  let copiesBelowNearest = 0;
  for (const [r, { index, other }] of picks.entries()) {
    const label = references.labels[index];
    const reference = tf.tensor4d(imageAt(index), [1, height, width, channels]);
    let images: tf.Tensor | null = null;
    try {
      images = await generate(reference, new Generator(seed).fork(`variations/${r}`));
      if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[0] !== perReference || !tf.util.arraysEqual(images.shape.slice(1), [height, width, channels])) {
        throw new InvalidArgumentError('generate', images, `must return ${perReference} variations [${perReference}, ${height}, ${width}, ${channels}]`);
      }
      const both = tf.concat([reference, images]) as tf.Tensor4D;
      const { logits } = await metrics.classifierOutputs(classifier, both, { argument: 'variations' });
      both.dispose();
      const argmax = (row: number) => {
        let best = 0;
        for (let k = 1; k < classes; k++) if (logits[row * classes + k] > logits[row * classes + best]) best = k;
        return best;
      };
      if (argmax(0) === label) referenceRight += 1;
      const values = (await images.data()) as Float32Array;
      const ref = imageAt(index);
      const nearest = neighbours ? nearestDistance(ref, neighbours.images, neighbours.size) : Infinity;
      nearestSum += neighbours ? nearest : 0;
      for (let v = 0; v < perReference; v++) {
        if (argmax(v + 1) === label) agree += 1;
        const distance = rms(values.subarray(v * pixels, (v + 1) * pixels), ref);
        distanceSum += distance;
        minDistance = Math.min(minDistance, distance);
        classVariations[label] += 1;
        if (distance < copyThreshold) {
          copies += 1;
          classCopies[label] += 1;
        }
        if (distance < Math.min(copyThreshold, nearest)) copiesBelowNearest += 1;
      }
      sameClassSum += rms(imageAt(other), ref);
    } finally {
      reference.dispose();
      images?.dispose();
    }
    onProgress?.({ done: r + 1, total: picks.length });
  }
  const count = picks.length * perReference;
  return {
    references: picks.length,
    perReference,
    classAgreement: agree / count,
    referenceAccuracy: referenceRight / picks.length,
    meanDistance: distanceSum / count,
    minDistance,
    copies: copies / count,
    perClassCopies: classCopies.map((c, k) => (classVariations[k] > 0 ? c / classVariations[k] : 0)),
    copyThreshold,
    sameClassDistance: sameClassSum / picks.length,
    ...(neighbours ? { nearestNeighbourDistance: nearestSum / picks.length, copiesBelowNearest: copiesBelowNearest / count } : {}),
  };
}

/** RMS distance from `image` to the nearest of `count` images packed in `pool`. */
function nearestDistance(image: Float32Array, pool: Float32Array, count: number): number {
  const pixels = image.length;
  let best = Infinity;
  for (let j = 0; j < count; j++) {
    let sum = 0;
    const offset = j * pixels;
    // Stop summing once this candidate is already farther than the best one.
    for (let p = 0; p < pixels && sum < best; p++) sum += (pool[offset + p] - image[p]) ** 2;
    best = Math.min(best, sum);
  }
  return Math.sqrt(best / pixels);
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
