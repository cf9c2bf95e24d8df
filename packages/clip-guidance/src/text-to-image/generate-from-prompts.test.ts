// generateFromPrompts and evaluateTextToImage with an untrained tiny text UNet and the tiny CLIP:
// the null prompt, CFG over the cross-attention, same-seed attribute pairs, memory, errors.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, metrics } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { DDIMScheduler, UNet2DModel, textToImagePipeline, unet2dConfig, type UNet2DConfig } from '@gen/diffusion';
import { SHAPE_CLASSES, SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { TINY_TEXT_UNET } from '../__fixtures__/tiny-text-unet';
import { HELD_OUT_TEMPLATES } from '../captions/caption-templates';
import { evaluateTextToImage } from './evaluate-text-to-image';
import { generateFromPrompts } from './generate-from-prompts';
import { encodePrompts } from './text-conditioning';

const config = (crossAttentionDim = 16): UNet2DConfig =>
  unet2dConfig({ ...TINY_TEXT_UNET, height: SIZE, width: SIZE, inChannels: 1, crossAttentionDim } as UNet2DConfig);
const scheduler = () => new DDIMScheduler({ numTrainTimesteps: 100 });

describeWithBackends(
  'generateFromPrompts',
  () => {
    it('"" is the null condition: its sample is the unconditional one, whatever the guidance scale', async () => {
      const clip = tinyClip(1);
      const model = new UNet2DModel({ ...config(), generator: new Generator(2) });
      const run = (prompts: string[], guidanceScale: number, seed = 3) =>
        generateFromPrompts({ model, scheduler: scheduler(), clip, prompts, guidanceScale, numInferenceSteps: 3, generator: new Generator(seed), outputType: 'sample' });
      const nullSample = (await run([''], 3)).images;
      await expectTensorsClose((await run([''], 1)).images, nullSample);
      await expectTensorsClose((await run([''], 7)).images, nullSample);
      // guidance 0 is the unconditional branch for any prompt.
      await expectTensorsClose((await run(['a square'], 0)).images, nullSample);
      // A prompt does change the sample, and CFG is the pipeline's: same output as textToImagePipeline on encodePrompts.
      const prompted = (await run(['a square'], 3)).images;
      expect(Math.max(...Array.from(await tf.abs(tf.sub(prompted, nullSample)).data()))).toBeGreaterThan(1e-4);
      const text = encodePrompts(clip, ['a square']);
      const direct = await textToImagePipeline({ model, scheduler: scheduler(), ...text, guidanceScale: 3, numInferenceSteps: 3, generator: new Generator(3), outputType: 'sample' });
      await expectTensorsClose(prompted, direct.images);
      model.dispose();
      clip.dispose();
    });

    it('leaves no tensor behind across calls (CFG and a negative prompt)', async () => {
      const clip = tinyClip(1);
      const model = new UNet2DModel({ ...config(), generator: new Generator(2) });
      const call = async () =>
        (await generateFromPrompts({ model, scheduler: scheduler(), clip, prompts: ['a cross', '', 'a square '.repeat(20)], negativePrompt: 'a square', guidanceScale: 4, numInferenceSteps: 2 })).images.dispose();
      await call();
      const before = tf.memory().numTensors;
      await call();
      await call();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      clip.dispose();
    });

    it('rejects an empty prompt list, a CLIP of another width and a UNet without cross-attention with one-line errors', async () => {
      const clip = tinyClip(1);
      const model = new UNet2DModel({ ...config(), generator: new Generator(2) });
      const other = new UNet2DModel({ ...config(8), generator: new Generator(2) });
      const plain = new UNet2DModel({ ...config(), crossAttentionDim: null, generator: new Generator(2) });
      const before = tf.memory().numTensors;
      await expect(generateFromPrompts({ model, scheduler: scheduler(), clip, prompts: [] })).rejects.toThrow(
        'prompts ([]) must be a non-empty array of strings ("" is the unconditional prompt)',
      );
      await expect(generateFromPrompts({ model: other, scheduler: scheduler(), clip, prompts: ['a cross'] })).rejects.toThrow(
        'clip ("text width 16") must match the UNet\'s crossAttentionDim (8): use the CLIP the model was trained with',
      );
      await expect(generateFromPrompts({ model: plain, scheduler: scheduler(), clip, prompts: ['a cross'] })).rejects.toThrow(
        'model ("config.crossAttentionDim null") must be a text-conditioned UNet (built with crossAttentionDim, e.g. by trainTextToImage)',
      );
      expect(tf.memory().numTensors).toBe(before);
      for (const unet of [model, other, plain]) unet.dispose();
      clip.dispose();
    });
  },
  { only: ['wasm'] },
);

describeWithBackends(
  'evaluateTextToImage',
  () => {
    const classifier = () => new metrics.FeatureClassifier({ inputShape: [SIZE, SIZE, 1], numClasses: 4, channels: [4, 4, 4], featureDim: 8, groups: 4 }, new Generator(5));

    it('reports prompted-class accuracy and attribute pairs; at guidance 0 every pair is the same image', async () => {
      const clip = tinyClip(1);
      const model = new UNet2DModel({ ...config(), generator: new Generator(2) });
      const features = classifier();
      const before = tf.memory().numTensors;
      const events: number[] = [];
      const common = { model, scheduler: scheduler(), clip, classifier: features, classNames: SHAPE_CLASSES, n: 6, pairs: 5, batchSize: 4, numInferenceSteps: 2 };
      const result = await evaluateTextToImage({ ...common, guidanceScale: 0, onProgress: ({ done }) => events.push(done) });
      expect(tf.memory().numTensors).toBe(before);
      // 2 class batches + size pairs (the only attribute shapes are captioned with): 2 batches × 2 members.
      expect(events).toEqual([1, 2, 3, 4, 5, 6]);
      expect(result.n).toBe(6);
      expect(result.classAccuracy).toBeGreaterThanOrEqual(0);
      expect(result.classAccuracy).toBeLessThanOrEqual(1);
      expect(result.perClassAccuracy).toHaveLength(4);
      expect(result.classFractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Object.keys(result.attributes)).toEqual(['size']);
      expect(result.examples.classes[0]).toBe('a close-up of a horizontal bar');
      expect(result.examples.pairs.size).toEqual(['a close-up of a small horizontal bar', 'a close-up of a large horizontal bar']);
      expect(result.templates).toEqual([...HELD_OUT_TEMPLATES]);
      const size = result.attributes.size!;
      expect(size).toMatchObject({ low: 'small', high: 'large', measure: 'size', pairs: 5, moved: 0 });
      if (size.noInk < 5) expect(size.meanDifference).toBe(0);

      // Guided, every attribute asked for: the same shape of report.
      const guided = await evaluateTextToImage({ ...common, n: 4, pairs: 2, attributes: ['weight', 'slant'], guidanceScale: 3 });
      expect(Object.keys(guided.attributes)).toEqual(['weight', 'slant']);
      expect(guided.attributes.weight).toMatchObject({ low: 'thin', high: 'bold', measure: 'strokeWidth', pairs: 2 });
      expect(guided.attributes.slant).toMatchObject({ low: 'left-slanted', high: 'right-slanted', measure: 'slant' });
      expect(tf.memory().numTensors).toBe(before);
      features.dispose();
      model.dispose();
      clip.dispose();
    });

    it('rejects bad options with one-line errors', async () => {
      const clip = tinyClip(1);
      const model = new UNet2DModel({ ...config(), generator: new Generator(2) });
      const features = classifier();
      const base = { model, scheduler: scheduler(), clip, classifier: features, classNames: SHAPE_CLASSES };
      await expect(evaluateTextToImage({ ...base, n: 0 })).rejects.toThrow('n (0) must be a positive integer');
      await expect(evaluateTextToImage({ ...base, attributes: ['colour' as never] })).rejects.toThrow('attributes (["colour"]) must be a list of weight, size, slant');
      await expect(evaluateTextToImage({ ...base, classifier: {} as never })).rejects.toThrow('classifier ({}) must be a FeatureClassifier (loadFeatureClassifier)');
      features.dispose();
      model.dispose();
      clip.dispose();
    });
  },
  { only: ['wasm'] },
);
