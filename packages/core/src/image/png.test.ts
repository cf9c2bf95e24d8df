// Node-only: PNG codec and files.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '../random';
import { toUint8PixelsSync } from './pixels';
import type { PixelImage } from './pixels';
import { decodePng, encodePng, readPng, writePng } from './png';

function randomPixels(height: number, width: number, channels: number, seed: number): PixelImage {
  const words = new Generator(seed).uint32Array(height * width * channels);
  return { data: Uint8Array.from(words, (w) => w & 0xff), height, width, channels };
}

describe('encodePng / decodePng', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([1, 3, 4])('round-trips random %i-channel bytes bit-exactly', (channels) => {
    const pixels = randomPixels(17, 23, channels, channels);
    const bytes = encodePng(pixels);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]); // PNG signature
    expect(decodePng(bytes)).toEqual(pixels);
  });

  it('encodes tensors as toUint8Pixels does, in either range', () => {
    tf.tidy(() => {
      const image = tf.tensor3d(Array.from({ length: 4 * 5 * 3 }, (_, i) => (i % 7) / 3 - 1.2), [4, 5, 3]);
      const decoded = decodePng(encodePng(image, { range: [-1, 1] }));
      expect(decoded).toEqual(toUint8PixelsSync(image, { range: [-1, 1] }));
      const gray = tf.tensor2d([[0, 0.5], [1, 0.25]]);
      expect(Array.from(decodePng(encodePng(gray)).data)).toEqual([0, 128, 255, 64]);
    });
  });

  it('converts channels on request (ITU-R 601 luma for gray)', () => {
    const rgb: PixelImage = { data: Uint8Array.from([255, 0, 0, 0, 255, 0]), height: 1, width: 2, channels: 3 };
    expect(Array.from(decodePng(encodePng(rgb), { channels: 1 }).data)).toEqual([76, 150]);
    const gray: PixelImage = { data: Uint8Array.from([9]), height: 1, width: 1, channels: 1 };
    expect(Array.from(decodePng(encodePng(gray), { channels: 4 }).data)).toEqual([9, 9, 9, 255]);
  });

  it('rejects malformed input in one line', () => {
    expect(() => encodePng({ data: new Uint8Array(3), height: 2, width: 2, channels: 1 })).toThrow(
      /^image \(.*\) must be an image tensor or \{ data: Uint8Array of height·width·channels bytes, height, width, channels: 1–4 \}$/,
    );
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => decodePng('png' as never)).toThrow('bytes ("png") must be a Uint8Array (or Buffer) of PNG data');
  });
});

describe('writePng / readPng', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-png-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates parent folders, writes atomically and leaves no temporary files', async () => {
    const path = join(dir, 'a', 'b', 'grid.png');
    const pixels = randomPixels(8, 8, 3, 5);
    await writePng(path, pixels);
    await writePng(path, pixels); // overwrite in place
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['grid.png']);
    expect(Uint8Array.from(readFileSync(path))).toEqual(encodePng(pixels));
    expect(await readPng(path)).toEqual(pixels);
  });

  it('leaves nothing behind when encoding fails', async () => {
    const path = join(dir, 'bad', 'x.png');
    await expect(writePng(path, { data: new Uint8Array(1), height: 2, width: 2, channels: 1 })).rejects.toThrow(/^image /);
    expect(existsSync(path)).toBe(false);
  });
});
