import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { InvalidArgumentError } from '../errors';
import { toUint8PixelsSync } from './pixels';
import type { PixelImage, ToPixelsOptions } from './pixels';

/** PNG colour types (PNG spec §11.2.2) for 1, 2, 3 and 4 channels. */
const COLOR_TYPE_OF_CHANNELS: Record<number, 0 | 4 | 2 | 6> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * Encodes an image as 8-bit PNG bytes: gray for 1 channel, RGB for 3, RGBA for 4. Takes
 * a tensor `[H, W]` / `[H, W, C]` with values in `range` (default [0, 1]; clamped and
 * rounded as `toUint8Pixels`) or ready 8-bit `PixelImage`s (written unchanged).
 */
export function encodePng(image: tf.Tensor2D | tf.Tensor3D | PixelImage, options: ToPixelsOptions = {}): Uint8Array {
  const pixels = image instanceof tf.Tensor ? toUint8PixelsSync(image, options) : checkPixels(image);
  const { data, height, width, channels } = pixels;
  const colorType = COLOR_TYPE_OF_CHANNELS[channels];
  const bytes = PNG.sync.write(
    { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) } as PNG,
    { colorType, inputColorType: colorType, inputHasAlpha: channels === 2 || channels === 4, bitDepth: 8 },
  );
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface DecodePngOptions {
  /**
   * Channels of the result: 1 (gray; RGB is converted with the ITU-R 601 luma weights),
   * 3 (RGB) or 4 (RGBA). Default: what the file stores — 1 for gray, 3 for RGB or palette
   * without transparency, 4 when it has an alpha channel.
   */
  channels?: 1 | 3 | 4;
}

/** Decodes PNG bytes (any bit depth / colour type pngjs reads; 16-bit is scaled to 8) to 8-bit pixels. */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): PixelImage {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', bytes, 'must be a Uint8Array (or Buffer) of PNG data');
  const { channels: requested } = options;
  if (requested !== undefined && requested !== 1 && requested !== 3 && requested !== 4) {
    throw new InvalidArgumentError('channels', requested, 'must be 1, 3 or 4');
  }
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data: rgba, alpha, color } = png;
  const channels = requested ?? (alpha ? 4 : color ? 3 : 1);
  const data = new Uint8Array(width * height * channels);
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    const o = 4 * p;
    if (channels === 1) {
      data[q] = color ? Math.round(0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) : rgba[o];
    } else {
      data[q] = rgba[o];
      data[q + 1] = rgba[o + 1];
      data[q + 2] = rgba[o + 2];
      if (channels === 4) data[q + 3] = rgba[o + 3];
    }
  }
  return { data, height, width, channels };
}

let temporaryCounter = 0;

/**
 * Writes an image as a PNG file atomically: the bytes go to a temporary file beside
 * `path`, which is then renamed over it, so readers never see half a file. Creates
 * missing parent folders.
 */
export async function writePng(
  path: string,
  image: tf.Tensor2D | tf.Tensor3D | PixelImage,
  options: ToPixelsOptions = {},
): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', path, 'must be a non-empty file path');
  const bytes = encodePng(image, options);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${temporaryCounter++}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function checkPixels(pixels: PixelImage): PixelImage {
  const valid =
    pixels !== null &&
    typeof pixels === 'object' &&
    pixels.data instanceof Uint8Array &&
    Number.isInteger(pixels.height) &&
    Number.isInteger(pixels.width) &&
    pixels.height > 0 &&
    pixels.width > 0 &&
    COLOR_TYPE_OF_CHANNELS[pixels.channels] !== undefined &&
    pixels.data.length === pixels.height * pixels.width * pixels.channels;
  if (!valid) {
    throw new InvalidArgumentError(
      'image',
      pixels,
      'must be an image tensor or { data: Uint8Array of height·width·channels bytes, height, width, channels: 1–4 }',
    );
  }
  return pixels;
}

/** Reads and decodes a PNG file. */
export async function readPng(path: string, options: DecodePngOptions = {}): Promise<PixelImage> {
  return decodePng(await readFile(path), options);
}
