// The unCLIP pipelines on an untrained tiny decoder and the tiny CLIP: variations of a reference,
// text through a prior, "" as the null condition, memory, one-line errors.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { DDIMScheduler, textToImagePipeline } from '@gen/diffusion';
import { shapesDataset, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { tinyDecoder } from '../__fixtures__/tiny-decoder';
import { imageTokens } from './image-conditioning';
import { createPrior } from './prior';
import { generateFromImageEmbeddings, imageVariations, unclipPipeline } from './unclip-pipeline';

const scheduler = () => new DDIMScheduler({ numTrainTimesteps: 100 });

describeWithBackends(
  'unCLIP pipelines',
  () => {
    it('imageVariations: n images of the decoder shape from one reference, different per seed, the same as decoding its embedding', async () => {
      const clip = tinyClip(1);
      const model = tinyDecoder();
      const dataset = shapesDataset(1);
      const reference = tf.tensor3d(dataset.images, [SIZE, SIZE, 1]);
      const run = (seed: number) => imageVariations({ model, scheduler: scheduler(), clip, image: reference, n: 3, numInferenceSteps: 2, generator: new Generator(seed) });
      await (await run(0)).images.dispose();
      const before = tf.memory().numTensors;
      const { images } = await run(0);
      expect(images.shape).toEqual([3, SIZE, SIZE, 1]);
      const values = Array.from(await images.data());
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      // Three images from three noise draws: not all the same.
      const size = SIZE * SIZE;
      expect(values.slice(0, size)).not.toEqual(values.slice(size, 2 * size));
      // The same as decoding the reference's embedding through textToImagePipeline.
      const embeddings = tf.tidy(() => tf.tile(clip.encodeImage(tf.reshape(reference, [1, SIZE, SIZE, 1])), [3, 1]) as tf.Tensor2D);
      const condition = imageTokens(embeddings, 4);
      const direct = await textToImagePipeline({ model, scheduler: scheduler(), ...condition, guidanceScale: 3, numInferenceSteps: 2, generator: new Generator(0) });
      await expectTensorsClose(images, direct.images);
      tf.dispose([images, embeddings, condition.encoderHiddenStates, condition.encoderMask, direct.images]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(reference);
      model.dispose();
      clip.dispose();
    });

    it('imageVariations redrawBelow: rows closer than it are drawn again, the others are the plain draw', async () => {
      const clip = tinyClip(1);
      const model = tinyDecoder();
      const reference = tf.tensor3d(shapesDataset(1).images, [SIZE, SIZE, 1]);
      const common = { model, scheduler: scheduler(), clip, image: reference, n: 4, numInferenceSteps: 2 };
      const plain = await imageVariations({ ...common, generator: new Generator(2) });
      expect(plain).toMatchObject({ redrawn: 0, copiesLeft: 0 });
      const sorted = [...plain.distances].sort((a, b) => a - b);
      const threshold = (sorted[1] + sorted[2]) / 2; // the two closest rows count as copies
      const before = tf.memory().numTensors;
      const redrawn = await imageVariations({ ...common, generator: new Generator(2), redrawBelow: threshold, maxRedraws: 1 });
      expect(redrawn.redrawn).toBe(2);
      const size = SIZE * SIZE;
      const [a, b] = [await plain.images.data(), await redrawn.images.data()];
      for (let row = 0; row < 4; row++) {
        const same = Array.from(a.slice(row * size, (row + 1) * size)).every((v, i) => v === b[row * size + i]);
        expect(same).toBe(plain.distances[row] >= threshold);
      }
      expect(redrawn.copiesLeft).toBe(redrawn.distances.filter((d) => d < threshold).length);
      await expect(imageVariations({ ...common, redrawBelow: Number.NaN })).rejects.toThrow(/redrawBelow.*finite number >= 0/);
      // Checked before any decoding: a bad maxRedraws costs no pipeline run.
      await expect(imageVariations({ ...common, redrawBelow: 0.1, maxRedraws: -1 })).rejects.toThrow(/maxRedraws/);
      redrawn.images.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([plain.images, reference]);
      model.dispose();
      clip.dispose();
    });

    it('unclipPipeline: prompts through the prior; "" is the null condition (the unconditional sample)', async () => {
      const clip = tinyClip(1);
      const model = tinyDecoder();
      const prior = createPrior({ kind: 'diffusion', embedDim: 16, hidden: 16, layers: 1, numTrainTimesteps: 50 }, new Generator(3));
      const common = { model, scheduler: scheduler(), clip, prior, numInferenceSteps: 2, priorOptions: { numInferenceSteps: 3 } };
      await (await unclipPipeline({ ...common, prompts: ['a square'] })).images.dispose();
      const before = tf.memory().numTensors;
      const output = await unclipPipeline({ ...common, prompts: ['a square', '', 'a cross'], generator: new Generator(5) });
      expect(output.images.shape).toEqual([3, SIZE, SIZE, 1]);
      expect(output.embeddings.shape).toEqual([3, 16]);
      const rows = (await output.embeddings.array()) as number[][];
      expect(rows[1].every((v) => v === 0)).toBe(true);
      expect(Math.hypot(...rows[0])).toBeCloseTo(1, 4);
      // The "" row is what the null condition gives at any guidance scale.
      const zeros = tf.zeros([3, 16]) as tf.Tensor2D;
      const nullOnly = await generateFromImageEmbeddings({ model, scheduler: scheduler(), embeddings: zeros, keep: [false, false, false], numInferenceSteps: 2, generator: new Generator(5) });
      const slice = (t: tf.Tensor) => tf.slice(t, [1, 0, 0, 0], [1, SIZE, SIZE, 1]);
      const [a, b] = [slice(output.images), slice(nullOnly.images)];
      await expectTensorsClose(a, b);
      tf.dispose([output.images, output.embeddings, nullOnly.images, a, b, zeros]);
      expect(tf.memory().numTensors).toBe(before);
      prior.dispose();
      model.dispose();
      clip.dispose();
    });

    it('rejects a reference of the wrong size, empty prompt lists, a mismatched decoder or prior with one-line errors, leaving nothing behind', async () => {
      const clip = tinyClip(1);
      const model = tinyDecoder();
      const other = tinyDecoder(2, 8);
      const prior = createPrior({ embedDim: 8 });
      const fitting = createPrior({ embedDim: 16 });
      const wrong = tf.zeros([28, 28, 1]);
      const batch = tf.zeros([2, SIZE, SIZE, 1]);
      const before = tf.memory().numTensors;
      const base = { model, scheduler: scheduler(), clip, numInferenceSteps: 1 };
      await expect(imageVariations({ ...base, image: wrong })).rejects.toThrow('image ("shape [28, 28, 1]") must be one 16×16×1 image in [0, 1] (the CLIP\'s image size)');
      await expect(imageVariations({ ...base, image: batch })).rejects.toThrow('image ("shape [2, 16, 16, 1]") must be one 16×16×1 image');
      await expect(imageVariations({ ...base, image: batch, n: 0 })).rejects.toThrow('n (0) must be a positive integer');
      await expect(imageVariations({ ...base, model: other, image: wrong })).rejects.toThrow(
        'clip ("embedding width 16") must match the decoder\'s crossAttentionDim (8): use the CLIP the decoder was trained with',
      );
      await expect(unclipPipeline({ ...base, prior: fitting, prompts: [] })).rejects.toThrow('prompts ([]) must be a non-empty array of strings ("" is the unconditional prompt)');
      await expect(unclipPipeline({ ...base, prior, prompts: ['a square'] })).rejects.toThrow(
        'prior ("embedDim 8") must map the CLIP\'s embeddings (embedDim 16): use the prior trained with this CLIP',
      );
      await expect(unclipPipeline({ ...base, prior: {} as never, prompts: ['a'] })).rejects.toThrow('prior ({}) must be an EmbeddingPrior (loadPrior or trainUnclipPrior)');
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([wrong, batch]);
      for (const unet of [model, other]) unet.dispose();
      prior.dispose();
      fitting.dispose();
      clip.dispose();
    });
  },
  { only: ['wasm'] },
);
