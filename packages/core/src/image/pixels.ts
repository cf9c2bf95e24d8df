import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** 8-bit pixels, row-major, channels last. */
export interface PixelImage {
  data: Uint8Array;
  height: number;
  width: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

export interface ToPixelsOptions {
  /** The value range of the input that maps to 0..255: [0, 1] (default) or [-1, 1], or any [low, high]. */
  range?: readonly [number, number];
}

/** What `toImageData` returns: a real `ImageData` in browsers, this shape elsewhere. */
export interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  colorSpace?: string;
}

/**
 * Converts an image tensor `[H, W]` or `[H, W, C]` (C = 1, 3, 4) with values in `range`
 * to 8-bit pixels: `round(255 · clamp((v − low) / (high − low), 0, 1))`, halves rounding up.
 * Values outside the range are clamped (samples overshoot); NaN is an error.
 */
export async function toUint8Pixels(image: tf.Tensor2D | tf.Tensor3D, options: ToPixelsOptions = {}): Promise<PixelImage> {
  const { height, width, channels } = imageShape(image);
  const range = checkRange(options.range);
  return { data: quantize(await image.data(), range, image), height, width, channels };
}

/** Synchronous `toUint8Pixels` (reads with `dataSync`; fine on cpu / wasm / tfjs-node, blocks on webgl). */
export function toUint8PixelsSync(image: tf.Tensor2D | tf.Tensor3D, options: ToPixelsOptions = {}): PixelImage {
  const { height, width, channels } = imageShape(image);
  const range = checkRange(options.range);
  return { data: quantize(image.dataSync(), range, image), height, width, channels };
}

/**
 * An image tensor as RGBA `ImageData` for a canvas (`ctx.putImageData`). Returns a real
 * `ImageData` when the global exists (browsers), else an object of the same shape.
 */
export async function toImageData(image: tf.Tensor2D | tf.Tensor3D, options: ToPixelsOptions = {}): Promise<ImageDataLike> {
  return pixelsToImageData(await toUint8Pixels(image, options));
}

/** Expands 8-bit pixels (1, 3 or 4 channels) to RGBA `ImageData` (or an object shaped like it). */
export function pixelsToImageData(pixels: PixelImage): ImageDataLike {
  const { data, height, width, channels } = pixels;
  const rgba = new Uint8ClampedArray(height * width * 4);
  for (let p = 0, q = 0; p < height * width; p++, q += channels) {
    const o = 4 * p;
    if (channels === 1) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = data[q];
      rgba[o + 3] = 255;
    } else {
      rgba[o] = data[q];
      rgba[o + 1] = data[q + 1];
      rgba[o + 2] = data[q + 2];
      rgba[o + 3] = channels === 4 ? data[q + 3] : 255;
    }
  }
  const ImageDataClass = (globalThis as { ImageData?: new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike })
    .ImageData;
  if (ImageDataClass) return new ImageDataClass(rgba, width, height);
  return { data: rgba, width, height, colorSpace: 'srgb' };
}

/** Height, width and channels of an image tensor `[H, W]` or `[H, W, C]` with C in {1, 3, 4}. */
export function imageShape(image: tf.Tensor): { height: number; width: number; channels: number } {
  if (!(image instanceof tf.Tensor) || (image.rank !== 2 && image.rank !== 3)) {
    throw new InvalidArgumentError('image', image, 'must be a tensor [height, width] or [height, width, channels]');
  }
  const [height, width, channels = 1] = image.shape;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError('image', image, 'must have 1, 3 or 4 channels');
  }
  return { height, width, channels };
}

/** Validates a value range `[low, high]` (default [0, 1]). */
export function checkRange(range: readonly [number, number] = [0, 1]): readonly [number, number] {
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !Number.isFinite(range[0]) ||
    !Number.isFinite(range[1]) ||
    !(range[1] > range[0])
  ) {
    throw new InvalidArgumentError('range', range, 'must be [low, high] with finite low < high, e.g. [0, 1] or [-1, 1]');
  }
  return range;
}

/** Maps values in `range` to bytes, clamped and rounded half up; throws on NaN. */
export function quantize(values: ArrayLike<number>, range: readonly [number, number], source?: unknown): Uint8Array {
  const [low, high] = range;
  const scale = 255 / (high - low);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - low) * scale;
    if (Number.isNaN(v)) {
      throw new InvalidArgumentError('image', source ?? values, `must not contain NaN (first at index ${i})`);
    }
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5);
  }
  return out;
}
