import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileCheckpoint } from '@gen/core/node';
import { DalleStudioModel } from './dalle-model';
import type { SampleRequest } from './family';

// The shipped MNIST transformer with its VQ-VAE and CLIP, read as the studio reads them (a handler per folder).
const pretrained = (pkg: string, name: string) => path.join(__dirname, '../../../../packages', pkg, 'pretrained', name);

describe('DalleStudioModel (the shipped pretrained:mnist transformer)', () => {
  let model: DalleStudioModel;
  const request = (overrides: Partial<SampleRequest>): SampleRequest => ({
    n: 2,
    seed: 1,
    label: null,
    truncation: Infinity,
    steps: 1,
    scheduler: 'ddim',
    guidanceScale: 3,
    prompt: 'a seven',
    tokenSampling: { temperature: 1, topK: 0, topP: 1, candidates: 1 },
    ...overrides,
  });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await DalleStudioModel.load(fileCheckpoint(pretrained('transformer', 'mnist')), 'mnist', fileCheckpoint(pretrained('vae', 'mnist-vq')), fileCheckpoint(pretrained('clip-guidance', 'mnist')));
  });
  afterAll(() => model?.dispose());

  it('draws n images in [0, 1] of the VQ-VAE shape; the same seed gives the same images; no tensor is left behind', async () => {
    const before = tf.memory().numTensors;
    const a = await model.sample(request({}));
    const b = await model.sample(request({}));
    expect(a.shape).toEqual([2, 28, 28, 1]);
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('re-ranks n × candidates draws with the CLIP and keeps n', async () => {
    const before = tf.memory().numTensors;
    const images = await model.sample(request({ tokenSampling: { temperature: 1, topK: 8, topP: 0.9, candidates: 2 } }));
    expect(images.shape).toEqual([2, 28, 28, 1]);
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an empty prompt is the library's one-line error (generateImages), before any token is drawn", async () => {
    const before = tf.memory().numTensors;
    await expect(model.sample(request({ prompt: ' ' }))).rejects.toThrow(/^prompt \(" "\) must be a non-empty string$/);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.promptTokens('a thin, slanted seven')).toBeGreaterThan(2);
  });
});
