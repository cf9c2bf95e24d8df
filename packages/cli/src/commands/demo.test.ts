import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, Generator } from '@gen/core';
import { readPng } from '@gen/core/node';
import { TINY_UNET_CONFIG, UNet2DModel, saveDiffusion } from '@gen/diffusion';
import { createGenerator, ganConfig, saveGan } from '@gen/gan';
import { main } from '../main';
import { memoryIO } from '../output';
import { chooseSource } from './demo';

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
    const code = await main(['demo', '--model', 'data', '--out', join(dir, 'out'), '--backend', 'cpu', '--seed', '3'], { io });
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
      await main(['demo', '--model', 'data', '--out', join(dir, `seed-${seed}`), '--backend', 'cpu', '--seed', seed], { io });
      return io.out().split('\n').find((line) => line.startsWith('digits: '));
    };
    const first = await labels('5');
    expect(await labels('5')).toBe(first);
    expect(await labels('6')).not.toBe(first);
  });

  describe('with a model', () => {
    let diffusionDir: string;
    let ganDir: string;
    beforeAll(async () => {
      await tf.setBackend('wasm');
      diffusionDir = join(dir, 'tiny-diffusion');
      const unet = new UNet2DModel({ ...TINY_UNET_CONFIG, numClasses: 3, generator: new Generator(1) });
      await saveDiffusion(diffusionDir, { model: unet, schedulerConfig: DEFAULT_SCHEDULER_CONFIG });
      unet.dispose();
      ganDir = join(dir, 'tiny-gan');
      const config = ganConfig({ height: 8, width: 8, channels: 1, architecture: 'acgan', numClasses: 3, latentDim: 8, generatorWidths: [16, 8, 4], discriminatorWidths: [4, 8] });
      const generator = createGenerator(config.generator, new Generator(2));
      await saveGan(ganDir, { generator });
      generator.dispose();
    });

    test.each([
      ['diffusion', () => diffusionDir, /^model: diffusion \(DPM-Solver\+\+ 2M, 20 steps, guidance 3\) from /],
      ['gan', () => ganDir, /^model: GAN \(one generator pass per image\) from /],
    ])('%s --checkpoint: a grid of 4 rows × one image per class, same seed same grid', async (_name, location, header) => {
      const run = async (seed: string, out: string) => {
        const io = memoryIO();
        const code = await main(['demo', '--checkpoint', location(), '--out', join(dir, out), '--backend', 'wasm', '--seed', seed], { io });
        expect(io.err()).toBe('');
        expect(code).toBe(0);
        return io.out().trim().split('\n');
      };
      const before = tf.memory().numTensors;
      const lines = await run('4', `${_name}-a`);
      expect(tf.memory().numTensors).toBe(before);
      expect(lines[1]).toMatch(header);
      expect(lines[2]).toMatch(/^12 images in \d+\.\d s; each row holds classes 0–2 in order$/);
      // 3 columns × (8 px + 2 px padding) + 2 px = 32 wide; 4 rows → 42 high.
      const first = readFileSync(lines[3]);
      expect(pngSize(first)).toEqual({ width: 32, height: 42 });
      expect(readFileSync((await run('4', `${_name}-b`))[3])).toEqual(first);
      expect(readFileSync((await run('5', `${_name}-c`))[3])).not.toEqual(first);
    });

    test('auto picks the shipped diffusion model, else the GAN, else real digits (and says so)', () => {
      const missing = () => join(dir, 'nothing-here');
      expect(chooseSource('auto', undefined, { diffusion: () => diffusionDir, gan: () => ganDir })).toEqual({ kind: 'diffusion', location: diffusionDir });
      expect(chooseSource('auto', undefined, { diffusion: missing, gan: () => ganDir })).toEqual({ kind: 'gan', location: ganDir });
      expect(chooseSource('gan', undefined, { diffusion: () => diffusionDir, gan: () => ganDir })).toEqual({ kind: 'gan', location: ganDir });
      expect(chooseSource('auto', undefined, { diffusion: missing, gan: () => { throw new Error('not installed'); } })).toEqual({
        kind: 'data',
        location: null,
        note: 'no shipped model in this install: showing real MNIST digits',
      });
      expect(() => chooseSource('diffusion', undefined, { diffusion: missing, gan: () => ganDir })).toThrow(
        'gen demo: this install ships no MNIST diffusion model (packages/diffusion/pretrained/mnist); use --model data or --checkpoint <dir>',
      );
    });

    test('bad --checkpoint / --model combinations are one line', async () => {
      const cases: [string[], string][] = [
        [['--checkpoint', join(dir, 'nothing-here')], `gen demo: --checkpoint ("${join(dir, 'nothing-here')}") must be a diffusion or GAN checkpoint folder (its config.json records the family)`],
        [['--checkpoint', ganDir, '--model', 'diffusion'], `gen demo: --checkpoint ("${ganDir}") is a gan checkpoint, not diffusion`],
        [['--checkpoint', ganDir, '--model', 'data'], `gen demo: --checkpoint ("${ganDir}") cannot be combined with --model data`],
        [['--model', 'vae'], 'gen demo: --model ("vae") must be one of auto, diffusion, gan, data'],
      ];
      for (const [args, message] of cases) {
        const io = memoryIO();
        const code = await main(['demo', ...args, '--backend', 'cpu'], { io });
        expect(code).toBe(2);
        expect(io.err().trim().split('\n')[0]).toBe(message);
      }
    });
  });
});
