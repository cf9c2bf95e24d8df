import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileCheckpoint } from '@gen/core/node';
import type { SampleRequest } from './family';
import { UnclipStudioModel } from './unclip-model';

// The shipped MNIST unCLIP decoder (latent: its autoencoder/ inside), its CLIP and priors, read as the studio reads them.
const pretrained = path.join(__dirname, '../../../../packages/clip-guidance/pretrained');
const decoderDir = path.join(pretrained, 'unclip-mnist');

describe('UnclipStudioModel (the shipped pretrained:mnist decoder)', () => {
  let model: UnclipStudioModel;
  const request = (overrides: Partial<SampleRequest>): SampleRequest => ({
    n: 2,
    seed: 1,
    label: null,
    truncation: Infinity,
    steps: 2,
    scheduler: 'ddim',
    guidanceScale: 1.5,
    ...overrides,
  });
  const prior = (name: string) => ({ url: name, steps: 3, guidanceScale: 1, candidates: 1 });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await UnclipStudioModel.load(
      fileCheckpoint(decoderDir),
      'unclip-mnist',
      (relative) => fileCheckpoint(path.join(decoderDir, relative)),
      fileCheckpoint(path.join(pretrained, 'mnist')),
      'pretrained/clip-guidance/mnist',
      (url) => fileCheckpoint(path.join(pretrained, url)),
    );
  });
  afterAll(() => model?.dispose());

  it('draws a prompt through a diffusion and a regression prior; the same seed gives the same images', async () => {
    const a = await model.sample(request({ prompt: 'a seven', prior: prior('unclip-prior-mnist-diffusion') }));
    const b = await model.sample(request({ prompt: 'a seven', prior: prior('unclip-prior-mnist-diffusion') }));
    const c = await model.sample(request({ prompt: 'a seven', prior: prior('unclip-prior-mnist-regression') }));
    expect(a.shape).toEqual([2, 28, 28, 1]);
    expect(c.shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, c]);
  });

  it('draws variations of a reference image and leaves no tensor behind (priors stay loaded until dispose)', async () => {
    const reference = tf.tidy(() => tf.pad(tf.ones([14, 14, 1]), [[7, 7], [7, 7], [0, 0]]) as tf.Tensor3D);
    const before = tf.memory().numTensors;
    const images = await model.sample(request({ reference }));
    expect(images.shape).toEqual([2, 28, 28, 1]);
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
    reference.dispose();
  });

  it("an empty prompt is the library's one-line error (checkPrompt), before the prior or the decoder runs", async () => {
    const before = tf.memory().numTensors;
    await expect(model.sample(request({ prompt: '', prior: prior('unclip-prior-mnist-regression') }))).rejects.toThrow(/^prompt \(""\) must not be empty: say what to draw$/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(model.sample(request({ prompt: 'a seven' }))).rejects.toThrow('pick a prior (text → image embedding) or a reference image (variations)');
  });
});
