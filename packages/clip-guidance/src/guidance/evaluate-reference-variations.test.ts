// evaluateReferenceVariations' distance accounting with a fake route whose variations sit at known
// RMS distances from their references: copies (fixed threshold), per class, and copies closer
// than the nearest training image; memory and one-line errors.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, metrics, type ImageDataset } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { shapesDataset, SIZE } from '../__fixtures__/tiny-clip';
import { evaluateReferenceVariations } from './evaluate-reference-variations';

describeWithBackends('evaluateReferenceVariations', () => {
  const classifier = () => new metrics.FeatureClassifier({ inputShape: [SIZE, SIZE, 1], numClasses: 4, channels: [4, 4, 4], featureDim: 8, groups: 4 }, new Generator(5));
  // Shapes 0…3 (one per class) are the references; row 0 of each route output is 0.05 RMS away, row 1 0.3.
  const references = shapesDataset(8, 3);
  const offsetRoute = async (reference: tf.Tensor4D) => tf.tidy(() => tf.concat([tf.add(reference, 0.05), tf.add(reference, 0.3)]) as tf.Tensor4D);
  const pixels = SIZE * SIZE;
  // Training images: the class-0 reference redrawn 0.04 away (closer than the route's row 0), the others 0.5 away.
  const neighbours: ImageDataset = {
    ...references,
    size: 4,
    images: Float32Array.from(references.images.subarray(0, 4 * pixels), (v, i) => v + (i < pixels ? 0.04 : 0.5)),
    labels: references.labels.slice(0, 4),
  };

  it('copies under the fixed threshold, per class, and under min(threshold, nearest training image)', async () => {
    const features = classifier();
    const before = tf.memory().numTensors;
    const result = await evaluateReferenceVariations({ references, referenceCount: 4, perReference: 2, classifier: features, classCount: 4, neighbours, generate: offsetRoute });
    expect(tf.memory().numTensors).toBe(before);
    expect(result).toMatchObject({ references: 4, perReference: 2, copies: 0.5, copyThreshold: 0.1, perClassCopies: [0.5, 0.5, 0.5, 0.5] });
    expect(result.meanDistance).toBeCloseTo(0.175, 5);
    expect(result.minDistance).toBeCloseTo(0.05, 5);
    // Class 0's 0.05 row is farther than a real training drawing (0.04): not a copy; the other three are.
    expect(result.copiesBelowNearest).toBeCloseTo(3 / 8, 10);
    expect(result.nearestNeighbourDistance).toBeGreaterThan(0.04 / 4);
    const plain = await evaluateReferenceVariations({ references, referenceCount: 4, perReference: 2, classifier: features, classCount: 4, generate: offsetRoute });
    expect(plain.copiesBelowNearest).toBeUndefined();
    expect(plain.nearestNeighbourDistance).toBeUndefined();
    features.dispose();
  });

  it('one-line errors: neighbours of another size, a route returning the wrong shape', async () => {
    const features = classifier();
    const small = { ...neighbours, images: neighbours.images.subarray(0, 10) };
    await expect(evaluateReferenceVariations({ references, referenceCount: 4, perReference: 2, classifier: features, neighbours: small, generate: offsetRoute })).rejects.toThrow(/^neighbours \(4\) must be a non-empty ImageDataset of 16×16×1 images/);
    const before = tf.memory().numTensors;
    await expect(evaluateReferenceVariations({ references, referenceCount: 4, perReference: 3, classifier: features, generate: offsetRoute })).rejects.toThrow(/generate .* must return 3 variations \[3, 16, 16, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
    features.dispose();
  });
});
