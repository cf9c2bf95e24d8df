import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { pixelsToImageData, toImageData, toUint8Pixels, toUint8PixelsSync } from './pixels';

describeWithBackends('toUint8Pixels', () => {
  it('clamps and rounds [0, 1] values to bytes', async () => {
    const image = tf.tensor2d([[-0.5, 0, 0.5 / 255, 0.49 / 255], [1.5 / 255, 0.5, 1, 7]]);
    const pixels = await toUint8Pixels(image);
    expect(pixels).toEqual({ data: Uint8Array.from([0, 0, 1, 0, 2, 128, 255, 255]), height: 2, width: 4, channels: 1 });
    expect(toUint8PixelsSync(image)).toEqual(pixels);
  });

  it('maps [-1, 1] with the range option', async () => {
    const pixels = await toUint8Pixels(tf.tensor3d([-1, 0, 1, -2, 2, 0.5], [1, 2, 3]), { range: [-1, 1] });
    expect(Array.from(pixels.data)).toEqual([0, 128, 255, 0, 255, 191]);
    expect([pixels.height, pixels.width, pixels.channels]).toEqual([1, 2, 3]);
  });

  it('round-trips every byte value k/255 exactly', async () => {
    const bytes = Array.from({ length: 256 }, (_, k) => k);
    const pixels = await toUint8Pixels(tf.tensor2d(bytes.map((k) => k / 255), [16, 16]));
    expect(Array.from(pixels.data)).toEqual(bytes);
  });

  it('rejects NaN, bad shapes and ranges in one line', async () => {
    await expect(toUint8Pixels(tf.tensor2d([[0, Number.NaN]]))).rejects.toThrow(
      'image (Tensor<float32>[1, 2]) must not contain NaN (first at index 1)',
    );
    await expect(toUint8Pixels(tf.zeros([2, 2, 2]) as tf.Tensor3D)).rejects.toThrow('image (Tensor<float32>[2, 2, 2]) must have 1, 3 or 4 channels');
    await expect(toUint8Pixels(tf.zeros([1, 2, 2, 1]) as never)).rejects.toThrow(
      'image (Tensor<float32>[1, 2, 2, 1]) must be a tensor [height, width] or [height, width, channels]',
    );
    await expect(toUint8Pixels(tf.zeros([2, 2]) as tf.Tensor2D, { range: [1, 0] })).rejects.toThrow(
      'range ([1, 0]) must be [low, high] with finite low < high, e.g. [0, 1] or [-1, 1]',
    );
  });
});

describeWithBackends('toImageData', () => {
  it('expands gray and RGB to RGBA with opaque alpha', async () => {
    const gray = await toImageData(tf.tensor2d([[0, 1]]));
    expect([gray.width, gray.height]).toEqual([2, 1]);
    expect(Array.from(gray.data)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const rgba = pixelsToImageData({ data: Uint8Array.from([1, 2, 3, 4]), height: 1, width: 1, channels: 4 });
    expect(Array.from(rgba.data)).toEqual([1, 2, 3, 4]);
    const rgb = pixelsToImageData({ data: Uint8Array.from([1, 2, 3]), height: 1, width: 1, channels: 3 });
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 255]);
    expect(rgb.data).toBeInstanceOf(Uint8ClampedArray);
  });
});
