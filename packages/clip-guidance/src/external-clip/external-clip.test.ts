// The external-CLIP adapter on tiny exports in the converter's formats (graph models hand-built
// as GraphDef JSON, layers models saved by tfjs-layers), loaded from in-memory tf.io handlers so
// that it runs on every backend, webgl included. Loading from folders and URLs, and the config
// errors: load-external-clip.test.ts (Node).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { oneLine, quadrantImages } from '../__fixtures__/external-clip-test-helpers';
import { TINY_QUADRANTS, tinyExternalClipFiles, tinyExternalClipSources, type TinyTowerKind } from '../__fixtures__/tiny-external-clip';
import { clipGuidance } from '../guidance/clip-guidance';
import { steerLatents } from '../steering/steer-latents';
import { ExternalClip } from './external-clip';
import { loadExternalClip } from './load-external-clip';

const KINDS: Array<[TinyTowerKind, TinyTowerKind]> = [
  ['graph', 'graph'],
  ['layers', 'layers'],
];

describeWithBackends('ExternalClip', () => {
  for (const [imageKind, textKind] of KINDS) {
    describe(`${imageKind} image tower, ${textKind} text tower`, () => {
      let clip: ExternalClip;
      beforeAll(async () => {
        clip = await loadExternalClip(tinyExternalClipSources(await tinyExternalClipFiles({ image: imageKind, text: textKind })));
      });
      afterAll(() => clip?.dispose());

      it('loads both towers as their kind and gives unit-length embeddings of our 28×28 grey images and of texts', async () => {
        expect(clip).toBeInstanceOf(ExternalClip);
        expect(clip.towerKinds).toEqual({ image: imageKind, text: textKind });
        expect(clip.embedDim).toBe(8);
        expect(clip.imageShape).toEqual({ height: 8, width: 8, channels: 3 });
        const images = quadrantImages(3);
        const imageEmbeddings = clip.encodeImage(images);
        expect(imageEmbeddings.shape).toEqual([3, 8]);
        const texts = clip.encodeText(['a photo of the top left', 'bottom right']);
        expect(texts.shape).toEqual([2, 8]);
        for (const norm of [...(await tf.norm(imageEmbeddings, 2, 1).data()), ...(await tf.norm(texts, 2, 1).data())]) expect(norm).toBeCloseTo(1, 5);
        // RGB input of the same picture embeds the same as grey.
        const rgb = clip.encodeImage(tf.tile(images, [1, 1, 1, 3]));
        expect((await tf.max(tf.abs(tf.sub(rgb, imageEmbeddings))).data())[0]).toBeLessThan(1e-5);
      });

      it('classifies each quadrant image as its quadrant label (constructed case), with templates', async () => {
        const images = quadrantImages(8, 1);
        const probs = clip.classify(images, [...TINY_QUADRANTS], { templates: ['a photo of the {}', '{}'] });
        expect(probs.shape).toEqual([8, 4]);
        const predicted = await tf.argMax(probs, 1).data();
        expect(Array.from(predicted)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
        const scores = await clip.clipScore(images, ['top left']).data();
        expect(scores[0]).toBeGreaterThan(scores[1]);
        expect(scores[0]).toBeGreaterThan(scores[3]);
      });

      it('passes gradients w.r.t. the images: tf.grad matches central finite differences', async () => {
        expect(() => clip.checkImageGradients()).not.toThrow();
        const x = tf.add(0.3, tf.mul(0.4, new Generator(2).uniform([2, 28, 28, 1])));
        const direction = tf.cos(tf.range(0, 8, 1, 'float32'));
        const f = (input: tf.Tensor) => tf.sum(tf.mul(clip.encodeImage(input), direction));
        const grad = tf.grad(f)(x);
        const v = new Generator(3).uniform(x.shape, { low: -1, high: 1 });
        const h = 1e-2;
        const numeric = (await tf.div(tf.sub(f(tf.add(x, tf.mul(v, h))), f(tf.sub(x, tf.mul(v, h)))), 2 * h).data())[0];
        const analytic = (await tf.sum(tf.mul(grad, v)).data())[0];
        const relative = Math.abs(analytic - numeric) / Math.abs(numeric);
        expect(Math.abs(numeric)).toBeGreaterThan(1e-3);
        expect(relative).toBeLessThan(1e-2);
        console.log(`[external-clip ${imageKind}] directional derivative: tf.grad ${analytic.toPrecision(6)}, finite differences ${numeric.toPrecision(6)}, relative error ${relative.toExponential(2)}`);
      });

      it('drives CLIP guidance (a gradient toward the prompt) and CLIP steering', async () => {
        const x0 = tf.sub(tf.mul(quadrantImages(2, 3), 2), 1);
        const guidance = clipGuidance({ clip, prompt: 'top left', scale: 1, cutouts: 2, maxShift: 1, generator: new Generator(4) });
        const g = guidance({ step: 0, timestep: 500, sample: x0, predOriginalSample: x0, alphaProdT: 0.5 })!;
        expect(g.shape).toEqual(x0.shape);
        const eta = 0.05 / (await tf.max(tf.abs(g)).data())[0];
        const toPixels = (t: tf.Tensor) => tf.div(tf.add(t, 1), 2);
        const before = await clip.clipScore(toPixels(x0), ['top left']).data();
        const after = await clip.clipScore(toPixels(tf.add(x0, tf.mul(g, eta))), ['top left']).data();
        for (let i = 0; i < 2; i++) expect(after[i]).toBeGreaterThan(before[i]);
        guidance.dispose();

        const latents = new Generator(5).normal([1, 16]);
        const result = await steerLatents({
          clip,
          prompt: 'bottom right',
          rng: new Generator(6),
          steps: 3,
          lr: 0.2,
          cutouts: 1,
          maxShift: 0,
          latents,
          latentShape: [16],
          prior: { kind: 'gaussian', weight: 0.01 },
          render: (z) => tf.image.resizeBilinear(tf.sigmoid(tf.reshape(z, [-1, 4, 4, 1])) as tf.Tensor4D, [28, 28]),
        });
        expect(result.images.shape).toEqual([1, 28, 28, 1]);
        expect(result.finalScores[0]).toBeGreaterThan(result.initialScores[0]);
        result.dispose();
      });

      it('leaks no tensors across repeated calls', async () => {
        const images = quadrantImages(2);
        const run = () => {
          tf.dispose([clip.encodeImage(images), clip.encodeText(['top left', 'a photo of the bottom']), clip.classify(images, ['left', 'right'])]);
          tf.dispose(tf.grad((x: tf.Tensor) => tf.sum(clip.encodeImage(x)))(images));
        };
        run();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) run();
        expect(tf.memory().numTensors).toBe(before);
      });

      it('rejects bad images and prompts with one-line errors naming the argument', () => {
        expect(oneLine(() => clip.encodeImage(tf.zeros([28, 28, 1])))).toMatch(/^images \(.*\) must be a float32 NHWC tensor/);
        expect(oneLine(() => clip.encodeImage(tf.zeros([1, 28, 28, 2])))).toMatch(/^images /);
        expect(oneLine(() => clip.encodeText(['top left', ' ']))).toMatch(/^texts\[1\] \(" "\) must be a non-empty string/);
        expect(oneLine(() => clip.encodeText([]))).toMatch(/^texts \(\[\]\) must be a non-empty array/);
        const long = Array.from({ length: 80 }, () => 'left').join(' ');
        expect(oneLine(() => clip.encodeText([long], { truncate: false }))).toMatch(/^texts\[0\] \(.*\) has 80 tokens; at most 75 fit/);
        expect(clip.encodeText([long]).shape).toEqual([1, 8]);
        expect(oneLine(() => clipGuidance({ clip, prompt: '' }))).toMatch(/^prompt \(""\) must be a non-empty string/);
      });
    });
  }
});
