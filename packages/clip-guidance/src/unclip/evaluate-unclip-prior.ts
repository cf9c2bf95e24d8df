// How well does a prior map text to images, in CLIP space? On held-out phrasings of test images'
// classes: the cosine of the predicted image embedding with the image's true one (against the
// baseline of using the text embedding itself), and the zero-shot class of the predicted
// embedding (against the true embeddings' zero-shot accuracy, its ceiling).
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError, type ImageDataset } from '@gen/core';
import { checkTemplates } from '../captions/caption-corpus';
import { HELD_OUT_TEMPLATES, TRAINING_TEMPLATES } from '../captions/caption-templates';
import { canonicalPhrase } from '../captions/class-phrases';
import type { Clip } from '../clip';
import { classPrompt } from '../text-to-image/evaluate-text-to-image';
import { EmbeddingPrior, type PriorSampleOptions } from './prior';

export interface EvaluateUnclipPriorOptions {
  prior: EmbeddingPrior;
  /** The CLIP the prior was trained with. */
  clip: Clip;
  /** Labelled test images of the CLIP's image shape. */
  dataset: ImageDataset;
  /** Test images scored: the first n (default 1000). */
  n?: number;
  /** Prompt templates (default HELD_OUT_TEMPLATES: phrasings never used in training). */
  templates?: readonly string[];
  /** Pairs per forward pass (default 250). */
  batchSize?: number;
  /** Seed of a diffusion prior's samples (batch b from `Generator(seed).fork('batch/b')`; default 0). */
  seed?: number;
  /** Sampling options of a diffusion prior. */
  priorOptions?: Omit<PriorSampleOptions, 'generator'>;
}

export interface UnclipPriorEvaluation {
  n: number;
  kind: string;
  /** Mean cos(prior(text), true image embedding). */
  cosine: number;
  /** Mean cos(text embedding, true image embedding): the baseline without a prior. */
  textCosine: number;
  /** Fraction of predicted embeddings whose zero-shot class is the image's label. */
  zeroShotAccuracy: number;
  /** The same for the true image embeddings (the ceiling). */
  imageZeroShotAccuracy: number;
  templates: string[];
  /** The first prompts, for the record. */
  examples: string[];
}

/** Scores a prior on the first `n` test images (see the file's header); no tensor outlives the call. */
export async function evaluateUnclipPrior(options: EvaluateUnclipPriorOptions): Promise<UnclipPriorEvaluation> {
  const { prior, clip, dataset, n = 1000, templates = HELD_OUT_TEMPLATES, batchSize = 250, seed = 0, priorOptions = {} } = options ?? ({} as EvaluateUnclipPriorOptions);
  if (!(prior instanceof EmbeddingPrior)) throw new InvalidArgumentError('prior', prior, 'must be an EmbeddingPrior (loadPrior or trainUnclipPrior)');
  if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array)) throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset');
  checkPositiveInteger('n', n);
  checkPositiveInteger('batchSize', batchSize);
  checkTemplates(templates);
  const count = Math.min(n, dataset.size);
  const { height, width, channels, classNames } = dataset;
  const pixels = height * width * channels;
  const prompts = Array.from({ length: count }, (_, i) => classPrompt(classNames[dataset.labels[i]], i, templates));
  const labelEmbeddings = clip.labelEmbeddings(classNames.map(canonicalPhrase), { templates: TRAINING_TEMPLATES });
  let cosine = 0;
  let textCosine = 0;
  let predictedRight = 0;
  let imageRight = 0;
  try {
    for (let start = 0, batch = 0; start < count; start += batchSize, batch++) {
      const end = Math.min(count, start + batchSize);
      const scores = tf.tidy(() => {
        const images = tf.tensor4d(dataset.images.subarray(start * pixels, end * pixels), [end - start, height, width, channels]);
        const text = clip.encodeText(prompts.slice(start, end));
        const image = clip.encodeImage(images);
        const predicted = prior.predict(text, { ...priorOptions, generator: new Generator(seed).fork(`batch/${batch}`) });
        return tf.stack([
          tf.sum(tf.mul(predicted, image), -1),
          tf.sum(tf.mul(text, image), -1),
          tf.cast(tf.argMax(tf.matMul(predicted, labelEmbeddings, false, true), -1), 'float32'),
          tf.cast(tf.argMax(tf.matMul(image, labelEmbeddings, false, true), -1), 'float32'),
        ]);
      });
      const values = (await scores.data()) as Float32Array;
      scores.dispose();
      const size = end - start;
      for (let k = 0; k < size; k++) {
        const label = dataset.labels[start + k];
        cosine += values[k];
        textCosine += values[size + k];
        if (values[2 * size + k] === label) predictedRight += 1;
        if (values[3 * size + k] === label) imageRight += 1;
      }
    }
  } finally {
    labelEmbeddings.dispose();
  }
  return {
    n: count,
    kind: prior.config.kind,
    cosine: cosine / count,
    textCosine: textCosine / count,
    zeroShotAccuracy: predictedRight / count,
    imageZeroShotAccuracy: imageRight / count,
    templates: [...templates],
    examples: prompts.slice(0, Math.min(count, classNames.length)),
  };
}
