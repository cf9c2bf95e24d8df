import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '@gen/core';
import { datasetImage, pixelsToImage } from './reference-image';

describe('reference images for unCLIP variations', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('an image of a dataset, by index; one-line errors outside it', () => {
    const data = { name: 'mnist/train-slice', images: Float32Array.from({ length: 2 * 4 }, (_, i) => i / 8), size: 2, height: 2, width: 2, channels: 1 } as unknown as ImageDataset;
    const second = datasetImage(data, 1);
    expect(second.shape).toEqual([2, 2, 1]);
    expect(Array.from(second.dataSync())).toEqual([4 / 8, 5 / 8, 6 / 8, 7 / 8]);
    second.dispose();
    expect(() => datasetImage(data, 2)).toThrow('reference (2) must be an image of mnist/train-slice: 0 to 1');
  });

  it('RGBA pixels as grayscale (the mean of red, green and blue) or RGB in [0, 1], alpha dropped', () => {
    const rgba = Uint8ClampedArray.from([255, 0, 0, 255, 51, 51, 51, 0]);
    const gray = pixelsToImage(rgba, 1, 2, 1);
    expect(Array.from(gray.dataSync()).map((v) => +v.toFixed(4))).toEqual([+(1 / 3).toFixed(4), 0.2]);
    const rgb = pixelsToImage(rgba, 1, 2, 3);
    expect(Array.from(rgb.dataSync()).map((v) => +v.toFixed(4))).toEqual([1, 0, 0, 0.2, 0.2, 0.2]);
    tf.dispose([gray, rgb]);
    expect(() => pixelsToImage(rgba, 2, 2, 1)).toThrow('expected 16 RGBA bytes for 2×2, got 8');
    expect(() => pixelsToImage(rgba, 1, 2, 4)).toThrow('a reference image must have 1 or 3 channels, not 4');
  });
});
