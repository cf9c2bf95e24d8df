// CLIP zero-shot classification: train a small text–image model on MNIST with generated
// captions, then classify test digits by comparing them with the phrases "a zero" … "a nine".
//   node examples/node/clip-zero-shot.mjs [--quick] [--steps 2000] [--out gen-out/clip]
import * as tf from '@tensorflow/tfjs-core';
import { HELD_OUT_TEMPLATES, canonicalPhrase, saveClip, trainClip, zeroShotAccuracy } from '@gen/clip-guidance';
import { imagesOf, mnistSlice, setup } from './lib/setup.mjs';

const args = await setup('clip', { steps: { type: 'string' } });
const steps = Number(args.steps ?? (args.quick ? 3 : 2000));
const train = await mnistSlice(args.quick ? 256 : undefined);

const { clip, summary, dispose } = await trainClip({
  dataset: train,
  ...(args.quick
    ? { config: { embedDim: 16, text: { width: 16, layers: 1, heads: 2, mlpRatio: 2 }, image: { widths: [4, 8], outFeatures: 16 } }, tokenizer: { vocabSize: 600, maxLength: 16, corpusSize: 2000 } }
    : {}),
  steps,
  batchSize: args.quick ? 16 : 128,
  seed: args.seed,
  logEvery: Math.max(1, Math.floor(steps / 10)),
  onProgress: ({ step, losses }) => console.log(`step ${step}: InfoNCE ${losses.loss.toFixed(4)}`),
});

// Classify eight test digits: a softmax over the ten class phrases for each image.
const test = await mnistSlice(args.quick ? 64 : 2000, { split: 'test' });
const phrases = test.classNames.map((name) => canonicalPhrase(name)); // "a zero", "a one", …
const images = imagesOf(tf, test, 8);
const probs = clip.classify(images, phrases);                                      // [8, 10]
const predicted = Array.from(await tf.argMax(probs, 1).data());
console.log('true     ', Array.from(test.labels.subarray(0, 8)).join(' '));
console.log('predicted', predicted.join(' '));

// Accuracy over the test slice, with prompt templates the model never saw in training.
const { accuracy, n } = await zeroShotAccuracy(clip, test, { labels: phrases, templates: [...HELD_OUT_TEMPLATES] });
await saveClip(`${args.out}/model`, clip);
console.log(JSON.stringify({ example: 'clip-zero-shot', steps: summary.steps, n, accuracy }));
tf.dispose([images, probs]);
dispose();
