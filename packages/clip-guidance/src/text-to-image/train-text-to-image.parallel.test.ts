// Data-parallel text-to-image training (worker threads, wasm): every thread builds the caption text
// encoder from textEncoderRecipe (the CLIP loaded from its folder, the same captions drawn for the
// whole batch), so 2 workers agree with one thread; bad recipe options are one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, type ImageDataset } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import '../node';
import { shapesDataset, tinyClip } from '../__fixtures__/tiny-clip';
import { TINY_TEXT_UNET } from '../__fixtures__/tiny-text-unet';
import { loadClip, saveClip, type LoadedClip } from '../clip-checkpoint';
import { createCaptionTextEncoder, textEncoderRecipe } from './text-encoder-recipe';
import { trainTextToImage, type TrainTextToImageOptions, type TrainTextToImageResult } from './train-text-to-image';

let root: string;
let clipDir: string;
let clip: LoadedClip;
const dataset: ImageDataset = shapesDataset(32);

beforeAll(async () => {
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-text-to-image-parallel-'));
  clipDir = path.join(root, 'clip');
  const fresh = tinyClip(1);
  await saveClip(clipDir, fresh);
  fresh.dispose();
  clip = await loadClip(clipDir);
});
afterAll(async () => {
  clip?.dispose();
  await fs.promises.rm(root, { recursive: true, force: true });
});

function options(extra: Partial<TrainTextToImageOptions> = {}): TrainTextToImageOptions {
  return {
    dataset,
    clip,
    clipLocation: clipDir,
    config: TINY_TEXT_UNET,
    steps: 3,
    batchSize: 16,
    conditionDropProb: 0.3,
    lr: 2e-3,
    warmupSteps: 1,
    ema: { decay: 0.9, warmup: 'power' },
    seed: 4,
    logEvery: 1,
    ...extra,
  };
}

async function weights(result: TrainTextToImageResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(result.model.stateDict())) out[`model/${name}`] = (await tensor.data()) as Float32Array;
  for (const [name, tensor] of Object.entries(result.ema?.stateDict() ?? {})) out[`ema/${name}`] = (await tensor.data()) as Float32Array;
  return out;
}

/** Worst per-tensor ‖a − b‖ / ‖b‖; attention key biases (of zero gradient: softmax ignores a shared shift) apart. */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let worst = 0;
  for (const name of Object.keys(b)) {
    if (/\.key\.bias$/.test(name)) continue;
    let d2 = 0;
    let s2 = 0;
    for (let i = 0; i < b[name].length; i++) {
      d2 += (a[name][i] - b[name][i]) ** 2;
      s2 += b[name][i] ** 2;
    }
    worst = Math.max(worst, s2 > 0 ? Math.sqrt(d2 / s2) : Math.sqrt(d2));
  }
  return worst;
}

const message = async (run: Promise<unknown>) => run.then(() => 'resolved', (error: Error) => error.message);

describe('trainTextToImage with workers (textEncoderRecipe)', () => {
  it('2 workers agree with one thread within 1e-5 relative (same seed, global batch 16)', async () => {
    const lossesOf = (into: number[]) => ({ onProgress: ({ losses }: { losses: Record<string, number> }) => void into.push(losses.loss) });
    const singleLosses: number[] = [];
    const parallelLosses: number[] = [];
    const single = await trainTextToImage(options({ workers: 1, ...lossesOf(singleLosses) }));
    const parallel = await trainTextToImage(options({ workers: 2, ...lossesOf(parallelLosses) }));
    try {
      expect(single.workers).toBe(1);
      expect(parallel.workers).toBe(2);
      expect(parallel.textEncoder).toEqual(single.textEncoder);
      expect(parallelLosses).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(parallelLosses[i]).toBeCloseTo(singleLosses[i], 5);
      const worst = worstRelative(await weights(parallel), await weights(single));
      console.log(`text-to-image (tiny CLIP from its folder), workers 2 vs 1, 3 steps: worst per-tensor relative difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 180_000);

  it('refuses workers > 1 without a clipLocation to load from, and bad recipe options, in one line', async () => {
    expect(await message(trainTextToImage({ ...options({ workers: 2 }), clipLocation: undefined }))).toBe(
      'workers (2) needs clipLocation: the CLIP checkpoint folder (or pretrained:<name>) every worker thread loads the text encoder from',
    );
    const oneLine = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(oneLine(() => textEncoderRecipe({ clip: '' }))).toBe('clip ("") must be the folder of a CLIP checkpoint (loadClip) or pretrained:mnist, pretrained:fashion');
    expect(oneLine(() => textEncoderRecipe({ clip: 'pretrained:cifar' }))).toBe('clip ("pretrained:cifar") must name a shipped CLIP: pretrained:mnist, pretrained:fashion');
    expect(oneLine(() => textEncoderRecipe({ clip: clipDir, templates: ['no slot'] }))).toBe('templates (["no slot"]) must be a non-empty array of strings with exactly one {}');
    expect(oneLine(() => textEncoderRecipe({ clip: clipDir, width: 0 }))).toBe('width (0) must be a positive integer or omitted');
    expect(oneLine(() => textEncoderRecipe({ clip: clipDir, clipDir } as never))).toMatch(/^clipDir \(".*"\) is not an option: use clip, captions, templates, width, vocabSize, maxLength$/);
    expect(await message(createCaptionTextEncoder({ clip: clipDir, width: 32 }, { dataset }))).toBe("clip (\"width 16\") is not the text encoder this model was trained with (width 32, from " + clipDir + ')');
    expect(await message(createCaptionTextEncoder({ clip: clipDir }, { dataset: undefined as never }))).toBe('dataset (undefined) must be an ImageDataset (images, labels, classNames)');
  }, 60_000);
});
