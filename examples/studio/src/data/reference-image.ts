// Reference images for unCLIP variations: one image of the studio's MNIST slice, or a picture the
// user uploads, brought to the CLIP's image shape (grayscale or RGB, values in [0, 1]).
import * as tf from '@tensorflow/tfjs-core';
import { GenError, type ImageDataset } from '@gen/core';

/** Image `index` of a dataset as `[H, W, C]` in [0, 1] (the caller disposes it). */
export function datasetImage(data: ImageDataset, index: number): tf.Tensor3D {
  if (!Number.isInteger(index) || index < 0 || index >= data.size) throw new GenError(`reference (${index}) must be an image of ${data.name}: 0 to ${data.size - 1}`);
  const per = data.height * data.width * data.channels;
  return tf.tensor3d(data.images.slice(index * per, (index + 1) * per), [data.height, data.width, data.channels]);
}

/**
 * RGBA pixels (`ImageData.data`) of `height × width` as `[height, width, channels]` in [0, 1]:
 * channels 1 averages red, green and blue; channels 3 keeps them. Alpha is dropped.
 */
export function pixelsToImage(rgba: Uint8ClampedArray, height: number, width: number, channels: number): tf.Tensor3D {
  if (channels !== 1 && channels !== 3) throw new GenError(`a reference image must have 1 or 3 channels, not ${channels}`);
  if (rgba.length !== height * width * 4) throw new GenError(`expected ${height * width * 4} RGBA bytes for ${height}×${width}, got ${rgba.length}`);
  const values = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (channels === 1) values[p] = (r + g + b) / (3 * 255);
    else values.set([r / 255, g / 255, b / 255], 3 * p);
  }
  return tf.tensor3d(values, [height, width, channels]);
}

/** An uploaded picture, scaled to `[height, width]` (smoothly) and read as `[height, width, channels]` in [0, 1]. */
export async function imageFileToReference(file: Blob, [height, width, channels]: readonly [number, number, number]): Promise<tf.Tensor3D> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new GenError('the uploaded file is not an image the browser can read (PNG, JPEG, …)');
  }
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0, width, height);
    return pixelsToImage(context.getImageData(0, 0, width, height).data, height, width, channels);
  } finally {
    bitmap.close();
  }
}
