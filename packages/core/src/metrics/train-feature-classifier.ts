import * as tf from '@tensorflow/tfjs-core';
import { DataLoader } from '../data/data-loader';
import type { ImageDataset } from '../data/image-dataset';
import { InvalidArgumentError } from '../errors';
import { Adam } from '../optim/adam';
import { cosineWithWarmupLr } from '../optim/lr-schedules';
import { Generator } from '../random';
import { trainLoop } from '../train';
import type { ProgressEvent, TrainSummary } from '../train';
import { argMaxRows, classifierOutputs } from './classifier-outputs';
import { FeatureClassifier, type FeatureClassifierConfig } from './feature-classifier';

/**
 * Light augmentation: integer shifts up to `maxShift` pixels and optional mirror flips (the
 * `DataLoader`'s), then optionally a random rotation by up to ±`rotate` degrees and scaling by
 * a factor in [1 − `scale`, 1 + `scale`] about the image centre (bilinear, zeros outside).
 */
export interface FeatureClassifierAugment {
  maxShift?: number;
  horizontalFlip?: boolean;
  rotate?: number;
  scale?: number;
}

export interface TrainFeatureClassifierOptions {
  /** Training images (values in [0, 1]) and labels. */
  dataset: ImageDataset;
  /** Held-out images to report `testAccuracy` on (optional). */
  testDataset?: ImageDataset;
  /** Optimisation steps (default 2000). */
  steps?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** Seed of the weights, the batch order and the augmentation (default 0). */
  seed?: number;
  /** Augmentation of each batch; `false` for none. Default `{ maxShift: 2 }`. */
  augment?: FeatureClassifierAugment | false;
  /** Peak Adam learning rate of the warm-up + cosine schedule (default 2e-3). */
  learningRate?: number;
  /** Architecture overrides (sizes default to the dataset's images and classes). */
  config?: Partial<FeatureClassifierConfig>;
  onProgress?(event: ProgressEvent): void | Promise<void>;
  /** Read losses every this many steps (default 50). */
  logEvery?: number;
  /** Node (after `import '@gen/core/node'`): periodic checkpoints in this folder, resumed from when present. */
  checkpointDir?: string;
  /** Steps between checkpoints in `checkpointDir` (default 500). */
  checkpointEvery?: number;
  signal?: AbortSignal;
}

export interface TrainFeatureClassifierResult {
  /** The trained classifier, in eval mode. The caller owns it (`dispose()`). */
  model: FeatureClassifier;
  /** Accuracy on `testDataset`, or null without one. */
  testAccuracy: number | null;
  /** The training loop's summary (steps, seconds, stoppedBy). */
  summary: TrainSummary;
}

/**
 * Trains a {@link FeatureClassifier} with Adam (warm-up then cosine decay) on softmax cross
 * entropy, with the `DataLoader`'s deterministic batches and augmentation, through `trainLoop`
 * (NaN and leak guards, optional resumable checkpoints).
 */
export async function trainFeatureClassifier(options: TrainFeatureClassifierOptions): Promise<TrainFeatureClassifierResult> {
  const {
    dataset,
    testDataset,
    steps = 2000,
    batchSize = 64,
    seed = 0,
    augment = { maxShift: 2 },
    learningRate = 2e-3,
    config = {},
    onProgress,
    logEvery = 50,
    checkpointDir,
    checkpointEvery = 500,
    signal,
  } = options ?? ({} as TrainFeatureClassifierOptions);
  if (!dataset || !(dataset.images instanceof Float32Array)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (loadDataset(name, { split: "train" }) in @gen/core/node)');
  }
  if (!Number.isInteger(steps) || steps < 1) throw new InvalidArgumentError('steps', steps, 'must be a positive integer');
  const generator = new Generator(seed);
  const model = new FeatureClassifier(
    {
      inputShape: [dataset.height, dataset.width, dataset.channels],
      numClasses: dataset.classNames.length,
      dataset: dataset.name,
      classNames: [...dataset.classNames],
      ...config,
    },
    generator.fork('feature-classifier/init'),
  );
  const numClasses = model.config.numClasses;
  const loader = new DataLoader(dataset, {
    batchSize,
    generator: generator.fork('feature-classifier/data'),
    dropLast: true,
    augment: augment === false ? false : { maxShift: augment.maxShift ?? 2, horizontalFlip: augment.horizontalFlip ?? false },
  });
  const rotate = augment === false ? 0 : augment.rotate ?? 0;
  const scale = augment === false ? 0 : augment.scale ?? 0;
  if (!(rotate >= 0 && rotate < 180)) throw new InvalidArgumentError('augment.rotate', rotate, 'must be a number of degrees in [0, 180)');
  if (!(scale >= 0 && scale < 1)) throw new InvalidArgumentError('augment.scale', scale, 'must be in [0, 1)');
  const affineGenerator = generator.fork('feature-classifier/affine');
  const warmupSteps = Math.min(100, Math.max(1, Math.floor(steps / 10)));
  const optimizer = new Adam({ learningRate: cosineWithWarmupLr({ peak: learningRate, warmupSteps, totalSteps: Math.max(steps, warmupSteps + 1) }) });
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const byEngineName = new Map(named.map(([name, variable]) => [variable.name, name]));

  try {
    const summary = await trainLoop({
      totalSteps: steps,
      state: { model, optimizer },
      logEvery,
      onProgress,
      signal,
      checkpoint: checkpointDir ? { dir: checkpointDir, every: checkpointEvery, keep: 2, config: { featureClassifier: model.config as never } } : undefined,
      resume: checkpointDir !== undefined,
      step: ({ step }) => {
        const batch = loader.batchAt(step);
        if (rotate > 0 || scale > 0) {
          const warped = randomAffine(batch.images, rotate, scale, affineGenerator.fork(`step/${step}`));
          batch.images.dispose();
          batch.images = warped;
        }
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const { logits } = model.forward(batch.images);
            const target = tf.oneHot(batch.labels, numClasses);
            return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
          }, named.map(([, variable]) => variable));
          const renamed: Record<string, tf.Tensor> = {};
          for (const [engineName, grad] of Object.entries(grads)) renamed[byEngineName.get(engineName) as string] = grad;
          optimizer.step(params, renamed);
          return value;
        });
        tf.dispose([batch.images, batch.labels]);
        return { loss };
      },
    });
    model.eval();
    const calibration = Math.min(dataset.size, 2000);
    await model.calibrateFeatureScale(dataset.images.subarray(0, calibration * dataset.height * dataset.width * dataset.channels));
    const testAccuracy = testDataset ? await classifierAccuracy(model, testDataset) : null;
    return { model, testAccuracy, summary };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
}

/** Each image rotated by U(±rotate)° and scaled by U(1 ± scale) about its centre (tf.image.transform). */
function randomAffine(images: tf.Tensor4D, rotate: number, scale: number, generator: Generator): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const draws = generator.uniformArray(2 * batch);
  const transforms = new Float32Array(8 * batch);
  const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
  for (let b = 0; b < batch; b++) {
    const angle = ((2 * draws[2 * b] - 1) * rotate * Math.PI) / 180;
    const factor = 1 + (2 * draws[2 * b + 1] - 1) * scale;
    // Output pixel (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2): the inverse map.
    const [c, s] = [Math.cos(angle) / factor, Math.sin(angle) / factor];
    transforms.set([c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0], 8 * b);
  }
  return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [batch, 8]), 'bilinear', 'constant', 0));
}

/** Fraction of `dataset`'s images whose arg-max class equals their label (batched, no leaks). */
export async function classifierAccuracy(
  classifier: FeatureClassifier,
  dataset: Pick<ImageDataset, 'images' | 'labels'>,
  { batchSize = 250 }: { batchSize?: number } = {},
): Promise<number> {
  const { logits, rows } = await classifierOutputs(classifier, dataset.images, { batchSize, argument: 'dataset.images' });
  if (dataset.labels.length !== rows) {
    throw new InvalidArgumentError('dataset.labels length', dataset.labels.length, `must equal the number of images (${rows})`);
  }
  const predicted = argMaxRows(logits, classifier.config.numClasses);
  let correct = 0;
  for (let i = 0; i < rows; i++) if (predicted[i] === dataset.labels[i]) correct += 1;
  return correct / rows;
}
