import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidArgumentError } from '../errors';
import { decodePng } from '../image/png';
import { resizeBilinear } from '../image/resize';
import { ImageDatasetBuilder } from './image-dataset';
import type { ImageDataset } from './image-dataset';

export interface LoadPngFolderOptions {
  /** One channel (ITU-R 601 luma of RGB) instead of three (RGB). Default false. Alpha is composited over black. */
  grayscale?: boolean;
  /**
   * Resize every image to `size × size` (a number) or `[height, width]`, bilinearly with
   * half-pixel centres. Default: keep sizes; images whose size differs from the first
   * image's are skipped (and counted in `skipped`).
   */
  size?: number | [number, number];
  /** Dataset name, default the folder's name. */
  name?: string;
}

/**
 * Loads `dir/<class>/*.png` as an `ImageDataset`: each subfolder is a class (labels follow
 * the sorted folder names), files are read in sorted order. A folder with PNGs and no
 * subfolders is one class named after it. Files that fail to decode are skipped and counted.
 */
export async function loadPngFolder(dir: string, options: LoadPngFolderOptions = {}): Promise<ImageDataset> {
  const { grayscale = false, size, name = basename(dir) } = options;
  const target = parseSize(size);
  if (typeof dir !== 'string' || !(await isDirectory(dir))) {
    throw new InvalidArgumentError('dir', dir, 'must be an existing folder');
  }
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name));
  const classFolders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  const classes: Array<{ className: string; files: string[] }> = [];
  if (classFolders.length > 0) {
    for (const className of classFolders) classes.push({ className, files: await pngFiles(join(dir, className)) });
  } else {
    classes.push({ className: basename(dir), files: await pngFiles(dir) });
  }
  const total = classes.reduce((sum, c) => sum + c.files.length, 0);
  if (total === 0) {
    throw new InvalidArgumentError('dir', dir, 'holds no PNG files (expected dir/<class>/*.png)');
  }

  const channels = grayscale ? 1 : 3;
  let builder: ImageDatasetBuilder | undefined;
  let shape: [number, number] | undefined = target;
  let skippedBeforeFirst = 0;
  for (let label = 0; label < classes.length; label++) {
    for (const file of classes[label].files) {
      let pixels;
      try {
        pixels = decodePng(await readFile(file), { channels: 4 });
      } catch {
        if (builder) builder.skip();
        else skippedBeforeFirst++;
        continue;
      }
      shape ??= [pixels.height, pixels.width];
      const [height, width] = shape;
      if (!builder) {
        builder = new ImageDatasetBuilder({
          name,
          height,
          width,
          channels,
          classNames: classes.map((c) => c.className),
          capacity: total,
        });
        for (let s = 0; s < skippedBeforeFirst; s++) builder.skip();
      }
      // 1. RGBA bytes → gray or RGB in [0, 1], alpha composited over black.
      const n = pixels.height * pixels.width;
      let values: Float32Array = new Float32Array(n * channels);
      for (let p = 0; p < n; p++) {
        const alpha = pixels.data[4 * p + 3] / 255;
        const r = (pixels.data[4 * p] / 255) * alpha;
        const g = (pixels.data[4 * p + 1] / 255) * alpha;
        const b = (pixels.data[4 * p + 2] / 255) * alpha;
        if (grayscale) values[p] = 0.299 * r + 0.587 * g + 0.114 * b;
        else values.set([r, g, b], 3 * p);
      }
      // 2. Resize when asked; otherwise a different size is a malformed record.
      if (target && (pixels.height !== height || pixels.width !== width)) {
        values = resizeBilinear(values, pixels.height, pixels.width, channels, height, width);
        for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, values[i]));
      }
      builder.add(values, label);
    }
  }
  if (!builder) {
    throw new InvalidArgumentError('dir', dir, `holds no readable PNG files (${skippedBeforeFirst} failed to decode)`);
  }
  return builder.build();
}

function parseSize(size: LoadPngFolderOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const pair = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError('size', size, 'must be a positive integer or [height, width] of positive integers');
  }
  return [pair[0], pair[1]];
}

async function pngFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.png'))
    .map((e) => e.name)
    .sort(compare)
    .map((file) => join(folder, file));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
