// Draws image batches on a canvas as a grid (core's makeGrid), scaled up with sharp pixels.
import * as tf from '@tensorflow/tfjs-core';
import { makeGrid, toImageData } from '@gen/core';

export interface ShowImagesOptions {
  columns?: number;
  /** Screen pixels per image pixel. Default 3. */
  scale?: number;
}

/** Draws `[N, H, W, C]` images in [0, 1] as a grid; resizes the canvas to fit. Does not dispose `images`. */
export async function showImages(canvas: HTMLCanvasElement, images: tf.Tensor4D, { columns, scale = 3 }: ShowImagesOptions = {}): Promise<void> {
  const grid = tf.tidy(() => makeGrid(images, { columns, padding: 1 }));
  let data: ImageData;
  try {
    data = (await toImageData(grid)) as ImageData;
  } finally {
    grid.dispose();
  }
  const source = new OffscreenCanvas(data.width, data.height);
  source.getContext('2d')!.putImageData(data, 0, 0);
  canvas.width = data.width * scale;
  canvas.height = data.height * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
}

/** The canvas as a PNG blob. */
export function canvasToPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas is empty'))), 'image/png'));
}
