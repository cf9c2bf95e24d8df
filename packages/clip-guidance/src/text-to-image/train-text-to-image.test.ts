// trainTextToImage on four synthetic shape classes (16×16) with the tiny untrained CLIP: the loss
// falls, nothing leaks across steps, the CLIP's caption settings are used, bad input is one line.
// (Checkpoints and exact resume: train-text-to-image.node.test.ts.)
import * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { shapesDataset, tinyClip } from '../__fixtures__/tiny-clip';
import { TINY_TEXT_UNET } from '../__fixtures__/tiny-text-unet';
import { trainTextToImage } from './train-text-to-image';

describeWithBackends(
  'trainTextToImage',
  () => {
    const dataset = shapesDataset(8);

    it('lowers the loss and leaks no tensor across steps', async () => {
      const clip = tinyClip(1);
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      const counts: number[] = [];
      const result = await trainTextToImage({
        dataset,
        clip,
        config: TINY_TEXT_UNET,
        steps: 60,
        batchSize: 4,
        lr: 3e-3,
        logEvery: 20,
        onProgress: ({ losses: window }) => {
          losses.push(window.loss);
          counts.push(tf.memory().numTensors);
        },
      });
      expect(result.summary).toMatchObject({ steps: 60, stoppedBy: 'done' });
      expect(result.model.config.crossAttentionDim).toBe(16);
      expect(losses).toHaveLength(3);
      expect(losses[2]).toBeLessThan(0.7 * losses[0]);
      expect(new Set(counts.slice(1)).size).toBe(1);
      result.dispose();
      expect(tf.memory().numTensors).toBe(before);
      clip.dispose();
    });

    it('uses the CLIP checkpoint\'s own caption thresholds, and rejects a CLIP of other classes', async () => {
      const clip = tinyClip(1);
      const thresholds = { size: { low: 1, high: 2 }, strokeWidth: { low: 1, high: 2 }, slant: { low: -1, high: 1 }, x: { low: -1, high: 1 }, y: { low: -1, high: 1 } };
      Object.defineProperty(clip, 'checkpointConfig', {
        value: { captions: { classNames: dataset.classNames, thresholds, attributes: ['size'], attributeProbability: 1 } as unknown as JsonValue },
      });
      const result = await trainTextToImage({ dataset, clip, config: TINY_TEXT_UNET, steps: 1, batchSize: 4 });
      expect(result.corpus.thresholds).toEqual(thresholds);
      expect(result.textEncoder.captions).toMatchObject({ attributes: ['size'], attributeProbability: 1 });
      result.dispose();
      const other = { ...dataset, name: 'digits', classNames: ['0', '1', '2', '3'] };
      await expect(trainTextToImage({ dataset: other, clip, steps: 1 })).rejects.toThrow(
        'clip ("captions of [horizontal bar, vertical bar, square, cross]") was trained on other classes than the dataset\'s [0, 1, 2, 3]: use a CLIP trained on digits',
      );
      clip.dispose();
    });

    it('rejects bad input with one-line errors, leaving nothing behind', async () => {
      const clip = tinyClip(1);
      const before = tf.memory().numTensors;
      await expect(trainTextToImage({ dataset, clip: {} as never, steps: 1 })).rejects.toThrow('clip ({}) must be a Clip (loadClip(dir) or trainClip(…).clip)');
      await expect(trainTextToImage({ dataset, clip, config: { ...TINY_TEXT_UNET, crossAttentionDim: 8 }, steps: 1 })).rejects.toThrow(
        "config.crossAttentionDim (8) must be omitted or the CLIP's text width (16)",
      );
      await expect(trainTextToImage({ dataset, clip, config: { ...TINY_TEXT_UNET, numClasses: 4 }, steps: 1 })).rejects.toThrow(
        'config.numClasses (4) must be omitted: text replaces the class labels',
      );
      await expect(trainTextToImage({ dataset, clip, config: TINY_TEXT_UNET, templates: ['no slot'], steps: 1 })).rejects.toThrow(
        'templates (["no slot"]) must be a non-empty array of strings with exactly one {}',
      );
      await expect(trainTextToImage({ dataset, clip, config: { ...TINY_TEXT_UNET, attentionLevels: [false, false], midBlockAttention: false }, steps: 1 })).rejects.toThrow(
        'config.crossAttentionDim (16) needs attention somewhere (attentionLevels or midBlockAttention) to cross-attend',
      );
      expect(tf.memory().numTensors).toBe(before);
      clip.dispose();
    });
  },
  { only: ['wasm'] },
);
