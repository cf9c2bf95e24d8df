// trainTextToImage checkpoints in folders (Node): every checkpoint records the text encoder, and an
// aborted and resumed run ends bit-identical to an uninterrupted one (wasm).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@gen/core/node';
import { loadCheckpoint } from '@gen/core';
import { shapesDataset, tinyClip } from '../__fixtures__/tiny-clip';
import { TINY_TEXT_UNET } from '../__fixtures__/tiny-text-unet';
import { TRAINING_TEMPLATES } from '../captions/caption-templates';
import { textEncoderRecordOf } from './text-conditioning';
import { trainTextToImage, type TrainTextToImageOptions, type TrainTextToImageResult } from './train-text-to-image';

let root: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-text-to-image-'));
});
afterAll(async () => {
  await fs.promises.rm(root, { recursive: true, force: true });
});

async function weights(result: TrainTextToImageResult): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[`model/${name}`] = Array.from(await tensor.data());
  for (const [name, tensor] of Object.entries(result.ema?.stateDict() ?? {})) out[`ema/${name}`] = Array.from(await tensor.data());
  for (const [name, tensor] of Object.entries(result.optimizer.stateDict())) out[`optimizer/${name}`] = Array.from(await tensor.data());
  return out;
}

describe('trainTextToImage: checkpoints and exact resume (wasm)', () => {
  const dataset = shapesDataset(8);

  it('records the text encoder in every checkpoint; an aborted and resumed run ends bit-identical', async () => {
    const clip = tinyClip(1);
    const options = (seed: number): TrainTextToImageOptions => ({
      dataset,
      clip,
      clipLocation: 'runs/clip/checkpoints/step-00000010',
      config: { ...TINY_TEXT_UNET, selfConditioning: true },
      steps: 6,
      batchSize: 4,
      conditionDropProb: 0.3,
      lr: 2e-3,
      seed,
      logEvery: 1,
      checkpointEvery: 3,
    });
    const straight = await trainTextToImage({ ...options(4), checkpointDir: path.join(root, 'straight') });
    const dir = path.join(root, 'interrupted');
    const controller = new AbortController();
    const first = await trainTextToImage({ ...options(4), checkpointDir: dir, signal: controller.signal, onProgress: ({ step }) => (step === 4 ? controller.abort() : undefined) });
    expect(first.summary).toMatchObject({ steps: 4, stoppedBy: 'aborted', lastCheckpoint: { step: 4 } });
    first.dispose();
    // Another seed: other initial weights; the checkpoint restores everything, the captions are a function of (seed, step).
    const resumed = await trainTextToImage({ ...options(4), checkpointDir: dir, resume: true });
    expect(resumed.summary).toMatchObject({ steps: 6, stoppedBy: 'done' });
    expect(await weights(resumed)).toEqual(await weights(straight));

    const { config, tensors } = await loadCheckpoint(path.join(dir, 'step-00000006'));
    tf.dispose(tensors);
    const record = textEncoderRecordOf(config as Record<string, unknown>);
    expect(record).toMatchObject({
      kind: 'clip-token-states',
      clip: 'runs/clip/checkpoints/step-00000010',
      width: 16,
      vocabSize: clip.tokenizer.vocabSize,
      maxLength: 12,
      captions: { classNames: dataset.classNames, attributes: ['size', 'position'], attributeProbability: 0.5 },
      templates: [...TRAINING_TEMPLATES],
    });
    expect((config as { model: { crossAttentionDim: number; numClasses: null } }).model).toMatchObject({ crossAttentionDim: 16, numClasses: null });
    expect(straight.corpus.thresholds).toEqual(record?.captions.thresholds);
    straight.dispose();
    resumed.dispose();
    clip.dispose();
  });

});
