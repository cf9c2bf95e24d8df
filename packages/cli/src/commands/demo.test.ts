import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readPng } from '@gen/core/node';
import { main } from '../main';
import { memoryIO } from '../output';

/** Width and height from a PNG's IHDR chunk (bytes 16–23), read without a decoder. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('gen demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-demo-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes an 8×8 grid of real MNIST digits and prints its absolute path', async () => {
    const io = memoryIO();
    const code = await main(['demo', '--out', join(dir, 'out'), '--backend', 'cpu', '--seed', '3'], { io });
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines[0]).toBe("backend: cpu (requested with prefer: 'cpu')");
    expect(lines[1]).toMatch(/^data: mnist test split, \d+ images of 28×28×1$/);
    const path = lines[lines.length - 1];
    expect(isAbsolute(path)).toBe(true);
    expect(path).toBe(join(dir, 'out', 'grid.png'));
    // 8 columns × (28 px + 2 px padding) + 2 px border = 242 on each side.
    expect(pngSize(readFileSync(path))).toEqual({ width: 242, height: 242 });

    // Real digits: each cell has ink (MNIST digits cover roughly 10–25 % of their pixels).
    const image = await readPng(path);
    const channels = image.channels;
    for (let cell = 0; cell < 64; cell++) {
      const top = 2 + Math.floor(cell / 8) * 30;
      const left = 2 + (cell % 8) * 30;
      let ink = 0;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) ink += image.data[((top + y) * image.width + left + x) * channels] > 127 ? 1 : 0;
      }
      expect(ink / 784).toBeGreaterThan(0.03);
      expect(ink / 784).toBeLessThan(0.5);
    }
    // The printed labels are 64 digits.
    expect(lines.find((line) => line.startsWith('digits: '))).toMatch(/^digits: \d{64}$/);
  });

  test('the same seed picks the same digits; another seed others', async () => {
    const labels = async (seed: string) => {
      const io = memoryIO();
      await main(['demo', '--out', join(dir, `seed-${seed}`), '--backend', 'cpu', '--seed', seed], { io });
      return io.out().split('\n').find((line) => line.startsWith('digits: '));
    };
    const first = await labels('5');
    expect(await labels('5')).toBe(first);
    expect(await labels('6')).not.toBe(first);
  });
});
