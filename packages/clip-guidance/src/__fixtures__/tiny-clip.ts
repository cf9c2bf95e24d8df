// Tiny synthetic data and models for the clip-guidance tests: four shape classes on 16×16
// images at random positions, and a dual encoder small enough for every backend.
import { Generator, type ImageDataset } from '@gen/core';
import { Clip } from '../clip';
import { ClipModel, type PartialClipModelConfig } from '../model/clip-model';
import { BpeTokenizer } from '../tokenizer/bpe-tokenizer';

export const SHAPE_CLASSES = ['horizontal bar', 'vertical bar', 'square', 'cross'];
export const SIZE = 16;

/** `n` images of the four shapes (label i % 4), each at a random offset, with random stroke length. */
export function shapesDataset(n: number, seed = 0): ImageDataset {
  const generator = new Generator(seed);
  const draws = generator.uniformArray(3 * n);
  const images = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 4;
    labels[i] = label;
    const length = 6 + Math.floor(draws[3 * i] * 5); // 6…10
    const top = 1 + Math.floor(draws[3 * i + 1] * (SIZE - length - 2));
    const left = 1 + Math.floor(draws[3 * i + 2] * (SIZE - length - 2));
    const set = (r: number, c: number) => {
      images[i * SIZE * SIZE + r * SIZE + c] = 1;
    };
    for (let k = 0; k < length; k++) {
      if (label === 0) for (const r of [0, 1]) set(top + r, left + k);
      if (label === 1) for (const c of [0, 1]) set(top + k, left + c);
      if (label === 2) for (let j = 0; j < length; j++) if (k === 0 || j === 0 || k === length - 1 || j === length - 1) set(top + k, left + j);
      if (label === 3) {
        set(top + Math.floor(length / 2), left + k);
        set(top + k, left + Math.floor(length / 2));
      }
    }
  }
  return { name: 'shapes', images, labels, size: n, height: SIZE, width: SIZE, channels: 1, classNames: [...SHAPE_CLASSES], skipped: 0 };
}

export const TINY_CONFIG = {
  embedDim: 16,
  text: { width: 16, layers: 1, heads: 2, mlpRatio: 2 },
  image: { widths: [4, 8], outFeatures: 16 },
};

/** A small tokenizer and an untrained tiny Clip for shape texts. */
export function tinyClip(seed = 0, overrides: Partial<PartialClipModelConfig['text']> = {}): Clip {
  const tokenizer = BpeTokenizer.train(
    SHAPE_CLASSES.flatMap((name) => [`a ${name}`, `a photo of the ${name}`, `an image of a small ${name}`]),
    { vocabSize: 560, maxLength: 12 },
  );
  const model = ClipModel.fromConfig(
    { ...TINY_CONFIG, text: { ...TINY_CONFIG.text, vocabSize: tokenizer.vocabSize, contextLength: 12, ...overrides }, image: { ...TINY_CONFIG.image, height: SIZE, width: SIZE, channels: 1 } },
    new Generator(seed),
  );
  return new Clip(model, tokenizer);
}
