// trainUnclipDecoder and trainUnclipPrior with checkpoints in folders (Node, wasm): the decoder's
// checkpoints record the image encoder, a prior loads back to the same predictions, the
// evaluations run end to end at tiny sizes, and bad input is one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@gen/core/node';
import { Generator, loadCheckpoint, metrics } from '@gen/core';
import { DDIMScheduler } from '@gen/diffusion';
import { SHAPE_CLASSES, SIZE, shapesDataset, tinyClip } from '../__fixtures__/tiny-clip';
import { TINY_TEXT_UNET } from '../__fixtures__/tiny-text-unet';
import { evaluateUnclip } from './evaluate-unclip';
import { evaluateUnclipPrior } from './evaluate-unclip-prior';
import { imageEncoderRecordOf } from './image-conditioning';
import { loadPrior } from './prior-checkpoint';
import { trainUnclipDecoder } from './train-unclip-decoder';
import { trainUnclipPrior } from './train-unclip-prior';

let root: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-unclip-'));
});
afterAll(async () => {
  await fs.promises.rm(root, { recursive: true, force: true });
});

describe('unCLIP training (wasm)', () => {
  const dataset = shapesDataset(8);

  it('trainUnclipDecoder: 2 steps, the image encoder recorded in the checkpoint, nothing leaked; then evaluateUnclip end to end', async () => {
    const clip = tinyClip(1);
    const before = tf.memory().numTensors;
    const result = await trainUnclipDecoder({ dataset, clip, clipLocation: 'pretrained:shapes', tokens: 2, config: TINY_TEXT_UNET, steps: 2, batchSize: 4, checkpointDir: path.join(root, 'decoder') });
    expect(result.summary).toMatchObject({ steps: 2, stoppedBy: 'done' });
    expect(result.model.config.crossAttentionDim).toBe(16);
    const { config, tensors } = await loadCheckpoint(path.join(root, 'decoder', 'step-00000002'));
    tf.dispose(tensors);
    expect(imageEncoderRecordOf(config as Record<string, unknown>)).toEqual({
      kind: 'clip-image-embedding',
      clip: 'pretrained:shapes',
      embedDim: 16,
      tokens: 2,
      imageShape: [SIZE, SIZE, 1],
      classNames: SHAPE_CLASSES,
    });

    const classifier = new metrics.FeatureClassifier({ inputShape: [SIZE, SIZE, 1], numClasses: 4, channels: [4, 4, 4], featureDim: 8, groups: 4 }, new Generator(5));
    const prior = await trainUnclipPrior({ dataset, clip, config: { hidden: 16, layers: 1 }, steps: 2, batchSize: 4 });
    const events: number[] = [];
    const evaluation = await evaluateUnclip({
      model: result.model,
      scheduler: DDIMScheduler.fromConfig(result.schedulerConfig),
      numInferenceSteps: 2,
      clip,
      tokens: 2,
      classifier,
      classNames: SHAPE_CLASSES,
      prior: prior.prior,
      n: 4,
      references: shapesDataset(16, 3),
      referenceCount: 3,
      perReference: 2,
      batchSize: 4,
      onProgress: ({ done }) => events.push(done),
    });
    expect(events).toEqual([1, 2, 3, 4]);
    expect(evaluation.prompted).toMatchObject({ n: 4 });
    expect(evaluation.prompted!.examples[0]).toBe('a close-up of a horizontal bar');
    expect(evaluation.variations).toMatchObject({ references: 3, perReference: 2, copyThreshold: 0.1 });
    const variations = evaluation.variations!;
    for (const value of [variations.classAgreement, variations.copies, variations.referenceAccuracy]) expect(value).toBeGreaterThanOrEqual(0);
    expect(variations.meanDistance).toBeGreaterThan(0);
    expect(variations.sameClassDistance).toBeGreaterThan(0);
    await expect(evaluateUnclip({ model: result.model, scheduler: DDIMScheduler.fromConfig(result.schedulerConfig), clip, classifier, classNames: SHAPE_CLASSES })).rejects.toThrow(
      'prior (undefined) or references must be given: there is nothing to measure',
    );
    prior.dispose();
    classifier.dispose();
    result.dispose();
    expect(tf.memory().numTensors).toBe(before);
    clip.dispose();
  }, 120_000);

  it('trainUnclipPrior: both kinds train and checkpoint; loadPrior gives the same predictions; evaluateUnclipPrior reports cosines', async () => {
    const clip = tinyClip(1);
    for (const kind of ['regression', 'diffusion'] as const) {
      const dir = path.join(root, `prior-${kind}`);
      const result = await trainUnclipPrior({ dataset, clip, clipLocation: 'pretrained:shapes', config: { kind, hidden: 16, layers: 1 }, steps: 3, batchSize: 4, checkpointDir: dir, checkpointEvery: 3 });
      expect(result.summary).toMatchObject({ steps: 3, stoppedBy: 'done' });
      const loaded = await loadPrior(path.join(dir, 'step-00000003'));
      expect(loaded.config).toEqual(result.prior.config);
      expect(loaded.checkpointConfig).toMatchObject({ family: 'unclip-prior', clip: 'pretrained:shapes', embedDim: 16 });
      const text = clip.encodeText(['a square', 'a cross']);
      const a = result.prior.predict(text, { generator: new Generator(1), numInferenceSteps: 3 });
      const b = loaded.predict(text, { generator: new Generator(1), numInferenceSteps: 3 });
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([text, a, b]);
      const before = tf.memory().numTensors;
      const evaluation = await evaluateUnclipPrior({ prior: loaded, clip, dataset: shapesDataset(6, 2), n: 5, batchSize: 2, priorOptions: { numInferenceSteps: 2 } });
      expect(tf.memory().numTensors).toBe(before);
      expect(evaluation).toMatchObject({ n: 5, kind });
      for (const value of [evaluation.cosine, evaluation.textCosine]) expect(Math.abs(value)).toBeLessThanOrEqual(1 + 1e-5);
      for (const value of [evaluation.zeroShotAccuracy, evaluation.imageZeroShotAccuracy]) expect(value >= 0 && value <= 1).toBe(true);
      loaded.dispose();
      result.dispose();
    }
    await expect(loadPrior(path.join(root, 'decoder', 'step-00000002'))).rejects.toThrow(/^loadPrior: .* is not an unCLIP prior checkpoint \(config.family is "diffusion"/);
    clip.dispose();
  }, 120_000);

  it('trainUnclipPrior: a run interrupted at step 2 and resumed ends with the same weights as an uninterrupted run', async () => {
    const clip = tinyClip(1);
    const options = { dataset, clip, config: { kind: 'diffusion' as const, hidden: 16, layers: 1 }, batchSize: 4, checkpointEvery: 2 };
    const straight = await trainUnclipPrior({ ...options, steps: 4, checkpointDir: path.join(root, 'resume-straight') });
    await trainUnclipPrior({ ...options, steps: 2, checkpointDir: path.join(root, 'resume-split') }).then((first) => first.dispose());
    const before = tf.memory().numTensors;
    const resumed = await trainUnclipPrior({ ...options, steps: 4, checkpointDir: path.join(root, 'resume-split'), resume: true });
    expect(resumed.summary).toMatchObject({ steps: 4, stoppedBy: 'done' });
    const weights = async (result: typeof straight) => Promise.all(result.prior.namedParameters().map(async ([name, variable]) => [name, Array.from(await variable.data())]));
    expect(await weights(resumed)).toEqual(await weights(straight));
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before);
    straight.dispose();
    clip.dispose();
  }, 120_000);

  it('rejects bad input with one-line errors', async () => {
    const clip = tinyClip(1);
    const big = { ...dataset, height: 28, width: 28, images: new Float32Array(8 * 28 * 28) };
    await expect(trainUnclipDecoder({ dataset, clip: {} as never, steps: 1 })).rejects.toThrow('clip ({}) must be a Clip (loadClip(dir) or trainClip(…).clip)');
    await expect(trainUnclipDecoder({ dataset: big, clip, steps: 1 })).rejects.toThrow('dataset ("28×28×1 images") must have the CLIP\'s image shape (16×16×1)');
    await expect(trainUnclipDecoder({ dataset, clip, tokens: 3, steps: 1 })).rejects.toThrow("tokens (3) must be a positive integer dividing the CLIP's embedding width (16)");
    await expect(trainUnclipDecoder({ dataset, clip, config: { crossAttentionDim: 8 }, steps: 1 })).rejects.toThrow(
      "config.crossAttentionDim (8) must be omitted or the CLIP's embedding width (16)",
    );
    await expect(trainUnclipPrior({ dataset: big, clip, steps: 1 })).rejects.toThrow('dataset ("28×28×1 images") must have the CLIP\'s image shape (16×16×1)');
    await expect(trainUnclipPrior({ dataset, clip, steps: 1, batchSize: 9 })).rejects.toThrow('batchSize (9) must be at most the dataset size (8)');
    await expect(trainUnclipPrior({ dataset, clip, steps: 1, batchSize: 4, config: { kind: 'gan' as never } })).rejects.toThrow("config.kind (\"gan\") must be one of 'regression', 'diffusion'");
    clip.dispose();
  });
});
