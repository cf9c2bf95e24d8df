// Node-only: trainGan end to end with folder checkpoints (plain describe, no browser leg).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Generator, saveCheckpoint, type ImageDataset } from '@gen/core';
import '@gen/core/node';
import { blobDataset, centresOfMass, quadrantOf, tinyConfig } from './__fixtures__/tiny';
import { createGenerator, loadGan, saveGan } from './checkpoint';
import { generate } from './generate';
import { ganConfig } from './presets';
import { trainGan } from './train-gan';
import type { GanGenerator } from './types';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gen-gan-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function values(module: { stateDict(): Record<string, tf.Tensor> }): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(module.stateDict())) out[name] = Array.from(await tensor.data());
  return out;
}

/** Share of generated blobs in their class's quadrant, and the squared error of the mean image vs the data's. */
async function quality(generator: GanGenerator, data: ImageDataset): Promise<{ accuracy: number; meanError: number }> {
  const n = 200;
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  const images = generate({ generator, n, labels, rng: new Generator(99) });
  const pixels = await images.data();
  images.dispose();
  const accuracy = centresOfMass(pixels as Float32Array, n).filter((centre, i) => quadrantOf(centre) === labels[i]).length / n;
  let meanError = 0;
  for (let p = 0; p < 64; p++) {
    let fake = 0;
    let real = 0;
    for (let i = 0; i < n; i++) fake += pixels[i * 64 + p] / n;
    for (let i = 0; i < data.size; i++) real += data.images[i * 64 + p] / data.size;
    meanError += (fake - real) ** 2;
  }
  return { accuracy, meanError };
}

describe('@gen/gan trainGan (wasm)', () => {
  beforeAll(() => tf.setBackend('wasm'));

  it('learns the synthetic blobs within a short run, leaking nothing', async () => {
    const data = blobDataset(256);
    const config = ganConfig({ height: 8, width: 8, channels: 1, numClasses: 4, latentDim: 16, generatorWidths: [32, 16, 8], discriminatorWidths: [16, 32] });
    const untrained = createGenerator(config.generator, new Generator(0).fork('init/generator'));
    const before = await quality(untrained, data);
    untrained.dispose();
    const tensors = tf.memory().numTensors;
    const run = await trainGan({ dataset: data, config, loss: 'hinge', steps: 100, batchSize: 32, lrG: 2e-3, lrD: 2e-3, ema: { decay: 0.95 } });
    expect(run.summary.stoppedBy).toBe('done');
    const after = await run.trainer.withEmaWeightsAsync(() => quality(run.generator, data));
    run.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    // Blobs land in the quadrant of their class, and the mean image approaches the data's.
    expect(after.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(after.meanError).toBeLessThan(before.meanError / 4);
  });

  it('stops on an injected NaN with the last good checkpoint intact', async () => {
    const data = blobDataset(32);
    const dir = tempDir();
    const base = { config: tinyConfig('conditional', 4), steps: 10, batchSize: 8, checkpointDir: dir, checkpointEvery: 5, logEvery: 5 };
    (await trainGan({ ...base, dataset: data })).dispose();
    const poisoned = { ...data, images: data.images.map(() => NaN) };
    const run = await trainGan({ ...base, dataset: poisoned, steps: 20, resume: true });
    expect(run.summary.stoppedBy).toBe('nan');
    expect(run.summary.message).toMatch(/^trainLoop: loss "(discriminator|generator)" is NaN at step 10; stopped after step 14, the last good checkpoint is step 10 at .*step-00000010$/);
    run.dispose();
    const good = await loadGan(path.join(dir, 'step-00000010'));
    const images = generate({ generator: good.generator, n: 4, rng: new Generator(1) });
    expect(Array.from(await images.data()).every(Number.isFinite)).toBe(true);
    images.dispose();
    good.dispose();
  });

  it('stops a collapsing discriminator with a clear message, writing no checkpoint after the collapse', async () => {
    const data = blobDataset(64);
    const dir = tempDir();
    const run = await trainGan({
      dataset: data,
      config: tinyConfig('dcgan'),
      steps: 400,
      batchSize: 16,
      lrG: 0, // a frozen generator: the discriminator wins outright
      lrD: 0.02,
      checkpointDir: dir,
      checkpointEvery: 2,
      logEvery: 2,
      divergence: { patience: 3 },
    });
    expect(run.summary.stoppedBy).toBe('diverged');
    expect(run.summary.message).toMatch(
      /^trainGan: the discriminator collapsed: discriminator loss ≤ 0\.01 and generator loss ≥ 5 for 3 consecutive reads \(steps \d+–\d+; last read D [\d.e-]+, G [\d.]+\); stopped after step \d+, the last good checkpoint is step \d+ at .*$/,
    );
    const { steps, lastGoodCheckpoint } = run.summary;
    expect(steps).toBeLessThan(400);
    expect(lastGoodCheckpoint!.step).toBeLessThanOrEqual(steps - 3 * 2);
    const written = readdirSync(dir).filter((name) => name.startsWith('step-')).map((name) => Number(name.slice(5)));
    expect(Math.max(...written)).toBeLessThan(steps);
    run.dispose();
    (await loadGan(lastGoodCheckpoint!.location)).dispose();
  });

  it('calls the sample and evaluation hooks, keeps the best checkpoint, and round-trips through saveGan / loadGan', async () => {
    const data = blobDataset(32);
    const dir = tempDir();
    const grids: number[][] = [];
    const scores = [3, 1, 2];
    const run = await trainGan({
      dataset: data,
      config: tinyConfig('conditional', 4),
      steps: 6,
      batchSize: 8,
      checkpointDir: path.join(dir, 'run'),
      samples: { every: 3, n: 8, onSamples: ({ step, grid, images }) => void grids.push([step, ...grid.shape, images.shape[0]]) },
      evaluation: { every: 2, score: () => scores.shift()!, bestCheckpoint: path.join(dir, 'best') },
    });
    expect(grids).toEqual([
      [3, 22, 42, 1, 8],
      [6, 22, 42, 1, 8],
    ]);
    expect([run.summary.bestScore, run.summary.bestStep]).toEqual([1, 4]);
    expect((await loadGan(path.join(dir, 'best'))).metadata).toEqual({ step: 4, score: 1, loss: 'non-saturating' });
    // A training checkpoint loads with its EMA weights; saveGan + loadGan reproduce the samples.
    const fromRun = await loadGan(path.join(dir, 'run', 'step-00000006'));
    expect(fromRun.usedEma).toBe(true);
    const expected = run.trainer.withEmaWeights(() => generate({ generator: run.generator, n: 4, labels: 1, rng: new Generator(5) }));
    const loaded = generate({ generator: fromRun.generator, n: 4, labels: 1, rng: new Generator(5) });
    expect(Array.from(await loaded.data())).toEqual(Array.from(await expected.data()));
    await saveGan(path.join(dir, 'export'), { generator: run.generator, ema: run.trainer.ema });
    const exported = await loadGan(path.join(dir, 'export'));
    expect(Array.from(await generate({ generator: exported.generator, n: 4, labels: 1, rng: new Generator(5) }).data())).toEqual(Array.from(await expected.data()));
    tf.dispose([expected, loaded]);
    // Mismatched checkpoints: one-line errors.
    await saveCheckpoint(path.join(dir, 'vae'), { config: { family: 'vae' }, tensors: { w: tf.zeros([1]) } });
    await expect(loadGan(path.join(dir, 'vae'))).rejects.toThrow(/^loadGan: .*vae is not a GAN checkpoint \(config\.family is "vae", expected "gan" with a generator config\)$/);
    const wrong = tinyConfig('conditional', 5);
    await saveCheckpoint(path.join(dir, 'wrong'), { config: { family: 'gan', generator: wrong.generator as never }, tensors: { 'generator/trunk.linear.weight': tf.zeros([8, 64]) } });
    await expect(loadGan(path.join(dir, 'wrong'))).rejects.toThrow(/^loadGan: loadStateDict: .* \(checkpoint at .*wrong; does its config match its weights\?\)$/);
    fromRun.dispose();
    exported.dispose();
    run.dispose();
  });

  it('rejects bad options with one-line messages', async () => {
    const data = blobDataset(16);
    await expect(trainGan({ dataset: data, config: tinyConfig('dcgan'), steps: 2, batchSize: 32 })).rejects.toThrow('batchSize (32) must not exceed the dataset size (16)');
    const small = { ...data, height: 4, width: 4, images: data.images.slice(0, 16 * 16) };
    await expect(trainGan({ dataset: small, config: tinyConfig('dcgan'), steps: 2, batchSize: 4 })).rejects.toThrow(
      'dataset ("4×4×1 images") must match config.generator\'s output 8×8×1',
    );
    await expect(trainGan({ dataset: data, loss: 'wgan' as never, steps: 2 })).rejects.toThrow(
      "loss (\"wgan\") must be one of 'non-saturating', 'hinge', 'wasserstein', 'wgan-gp', 'least-squares'",
    );
    await expect(trainGan({ dataset: data, config: tinyConfig('conditional', 3), steps: 2, batchSize: 4 })).rejects.toThrow(
      "config numClasses (3) must cover the dataset's 4 classes (blobs)",
    );
  });
});

describe('@gen/gan trainGan exact resume (cpu)', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('interrupted + resumed equals uninterrupted, bit for bit', async () => {
    const data = blobDataset(32);
    const common = { dataset: data, config: tinyConfig('conditional', 4), loss: 'hinge' as const, batchSize: 8, checkpointEvery: 2, diffAugment: true, seed: 7 };
    const straight = await trainGan({ ...common, steps: 4, checkpointDir: tempDir() });
    const dir = tempDir();
    const controller = new AbortController();
    const first = await trainGan({ ...common, steps: 4, checkpointDir: dir, logEvery: 1, signal: controller.signal, onProgress: ({ step }) => void (step === 1 && controller.abort()) });
    expect(first.summary.stoppedBy).toBe('aborted');
    expect(first.summary.steps).toBe(1);
    first.dispose();
    const resumed = await trainGan({ ...common, steps: 4, checkpointDir: dir, resume: true });
    expect(resumed.summary.steps).toBe(4);
    for (const part of ['generator', 'discriminator'] as const) expect(await values(resumed[part])).toEqual(await values(straight[part]));
    for (const part of ['optimizerG', 'optimizerD', 'ema'] as const) expect(await values(resumed.trainer[part]!)).toEqual(await values(straight.trainer[part]!));
    expect(resumed.trainer.rng.getState()).toEqual(straight.trainer.rng.getState());
    straight.dispose();
    resumed.dispose();
  });
});
