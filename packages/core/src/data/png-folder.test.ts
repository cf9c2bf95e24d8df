// Node-only: reads PNG files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PixelImage } from '../image/pixels';
import { encodePng } from '../image/png';
import { loadPngFolder } from './png-folder';

const solid = (height: number, width: number, rgb: number[]): PixelImage => ({
  data: Uint8Array.from({ length: height * width * 3 }, (_, i) => rgb[i % 3]),
  height,
  width,
  channels: 3,
});

describe('loadPngFolder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-folder-'));
    const put = (path: string, image: PixelImage | string): void => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), typeof image === 'string' ? image : encodePng(image));
    };
    put('shapes/cats/1.png', solid(4, 6, [255, 0, 0]));
    put('shapes/cats/2.PNG', solid(4, 6, [0, 255, 0]));
    put('shapes/cats/notes.txt', 'ignored');
    put('shapes/dogs/a.png', solid(4, 6, [0, 0, 255]));
    put('shapes/dogs/broken.png', 'not a png');
    put('shapes/dogs/big.png', solid(8, 12, [51, 51, 51]));
    put('flat/x.png', solid(2, 2, [255, 255, 255]));
    mkdirSync(join(dir, 'empty'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('labels by sorted subfolder and skips undecodable or differently sized files', async () => {
    const dataset = await loadPngFolder(join(dir, 'shapes'));
    expect(dataset.classNames).toEqual(['cats', 'dogs']);
    expect([dataset.size, dataset.height, dataset.width, dataset.channels]).toEqual([3, 4, 6, 3]);
    expect(Array.from(dataset.labels)).toEqual([0, 0, 1]);
    expect(dataset.skipped).toBe(2); // broken.png, big.png (8×12 without `size`)
    expect(dataset.name).toBe('shapes');
    expect(Array.from(dataset.images.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(dataset.images.subarray(2 * 72, 2 * 72 + 3))).toEqual([0, 0, 1]);
  });

  it('converts to gray and resizes with the options', async () => {
    const dataset = await loadPngFolder(join(dir, 'shapes'), { grayscale: true, size: [2, 3] });
    expect([dataset.size, dataset.height, dataset.width, dataset.channels, dataset.skipped]).toEqual([4, 2, 3, 1, 1]);
    expect(dataset.images[0]).toBeCloseTo(0.299, 6); // pure red
    expect(dataset.images[6]).toBeCloseTo(0.587, 6); // pure green
    expect(dataset.images[3 * 6]).toBeCloseTo(0.2, 6); // the resized 51/255 gray
  });

  it('treats a folder of PNGs without subfolders as one class', async () => {
    const dataset = await loadPngFolder(join(dir, 'flat'));
    expect(dataset.classNames).toEqual(['flat']);
    expect(dataset.size).toBe(1);
  });

  it('rejects missing or empty folders and bad sizes in one line', async () => {
    await expect(loadPngFolder(join(dir, 'nope'))).rejects.toThrow(`dir ("${join(dir, 'nope')}") must be an existing folder`);
    await expect(loadPngFolder(join(dir, 'empty'))).rejects.toThrow(
      `dir ("${join(dir, 'empty')}") holds no PNG files (expected dir/<class>/*.png)`,
    );
    await expect(loadPngFolder(join(dir, 'shapes'), { size: 0 })).rejects.toThrow(
      'size (0) must be a positive integer or [height, width] of positive integers',
    );
  });
});
