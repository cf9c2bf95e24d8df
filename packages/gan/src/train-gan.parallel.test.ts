// Data-parallel trainGan (worker_threads, Node only; every replica runs wasm): agreement with
// single-thread training for several objectives (batch-norm generators, DiffAugment, R1,
// WGAN-GP, EMA), resume across worker counts, no tensor leak, one-line errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, InvalidArgumentError } from '@gen/core';
import { loadNodeBackends } from '@gen/core/node';
import './node';
import { blobDataset, tinyConfig } from './__fixtures__/tiny';
import { nodeParallelGan } from './parallel/parallel-node';
import { trainGan, type TrainGanOptions, type TrainGanResult } from './train-gan';

const dirs: string[] = [];
beforeAll(async () => {
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
});
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function snapshot(result: TrainGanResult): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  const add = async (prefix: string, state: Record<string, tf.Tensor>) => {
    for (const [name, tensor] of Object.entries(state)) out[`${prefix}/${name}`] = Float32Array.from(await tensor.data());
  };
  await add('generator', result.generator.stateDict());
  await add('discriminator', result.discriminator.stateDict());
  await add('ema', result.trainer.ema?.stateDict() ?? {});
  return out;
}

/**
 * The biases of the layers that feed a batch norm have a gradient of exactly 0 in exact
 * arithmetic (the norm subtracts the batch mean), so their values are float rounding noise that
 * Adam's 1/√v amplifies (as the attention key biases of the diffusion test), and the running
 * means follow them. They do not change the output; they are compared apart.
 */
const ZERO_GRADIENT = /trunk\.(up\d+|linear)\.bias$|runningMean$/;

/** Worst per-tensor ‖a − b‖ / ‖b‖ (docs/parallel-training.md's measure) over the tensors `only` selects (default: all but ZERO_GRADIENT). */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>, only?: RegExp): { worst: number; name: string } {
  let worst = 0;
  let worstName = '';
  for (const name of Object.keys(b)) {
    if (only ? !only.test(name) : ZERO_GRADIENT.test(name)) continue;
    let d2 = 0;
    let s2 = 0;
    for (let i = 0; i < b[name].length; i++) {
      d2 += (a[name][i] - b[name][i]) ** 2;
      s2 += b[name][i] ** 2;
    }
    const r = s2 > 0 ? Math.sqrt(d2 / s2) : Math.sqrt(d2);
    if (process.env.GEN_DEBUG_PARALLEL && r > 1e-5) console.log(`${name}: ${r} (norm ${Math.sqrt(s2)})`);
    if (r > worst) [worst, worstName] = [r, name];
  }
  return { worst, name: worstName };
}

const base = (extra: Partial<TrainGanOptions>): TrainGanOptions => ({
  dataset: blobDataset(64, 1),
  config: tinyConfig('dcgan'),
  steps: 3,
  batchSize: 16,
  seed: 2,
  logEvery: 1,
  divergence: false,
  ema: { decay: 0.9 },
  ...extra,
});

describe('trainGan with workers (data-parallel, wasm)', () => {
  it.each([
    ['non-saturating, DCGAN (batch-norm G), DiffAugment', { loss: 'non-saturating', diffAugment: true }],
    ['hinge, conditional BN G + spectral-norm projection D, R1', { loss: 'hinge', config: tinyConfig('conditional', 4), r1Gamma: 1 }],
    ['wgan-gp, 2 critic steps', { loss: 'wgan-gp', criticSteps: 2 }],
    ['non-saturating, ACGAN (conditional-BN G, auxiliary classifier D), DiffAugment', { loss: 'non-saturating', config: tinyConfig('acgan', 4), diffAugment: true }],
    ['non-saturating, DCGAN, splitGenerator: false (G on the whole batch in every replica)', { loss: 'non-saturating', diffAugment: true, splitGenerator: false }],
  ] as Array<[string, Partial<TrainGanOptions>]>)('agrees with one thread within 5e-5 relative: %s', async (label, extra) => {
    const lossesOf = (into: Array<Record<string, number>>) => ({ onProgress: ({ losses }: { losses: Record<string, number> }) => void into.push(losses) });
    const singleLosses: Array<Record<string, number>> = [];
    const parallelLosses: Array<Record<string, number>> = [];
    const single = await trainGan(base({ ...extra, workers: 1, ...lossesOf(singleLosses) }));
    const parallel = await trainGan(base({ ...extra, workers: 2, ...lossesOf(parallelLosses) }));
    try {
      expect(single.workers).toBe(1);
      expect(parallel.workers).toBe(2);
      expect(parallel.summary).toMatchObject({ steps: 3, stoppedBy: 'done' });
      expect(parallelLosses).toHaveLength(3);
      for (let i = 0; i < 3; i++) {
        expect(parallelLosses[i].discriminator).toBeCloseTo(singleLosses[i].discriminator, 4);
        expect(parallelLosses[i].generator).toBeCloseTo(singleLosses[i].generator, 4);
      }
      const a = await snapshot(parallel);
      const b = await snapshot(single);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      const { worst, name } = worstRelative(a, b);
      const noise = worstRelative(a, b, ZERO_GRADIENT);
      // What matters: both networks' outputs on the same inputs (G in training mode: batch statistics).
      const latents = tf.randomNormal([16, parallel.generator.latentDim], 0, 1, 'float32', 4);
      const labels = parallel.generator.numClasses > 0 ? tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32') : undefined;
      const relative = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.norm(tf.sub(x, y)).dataSync()[0] / tf.norm(y).dataSync()[0]);
      const fakeA = parallel.generator.forward(latents, labels);
      const fakeB = single.generator.forward(latents, labels);
      const scoresA = parallel.discriminator.forward(fakeB, parallel.discriminator.conditional ? labels : undefined).logits;
      const scoresB = single.discriminator.forward(fakeB, single.discriminator.conditional ? labels : undefined).logits;
      const outputs = { generator: relative(fakeA, fakeB), discriminator: relative(scoresA, scoresB) };
      tf.dispose([latents, ...(labels ? [labels] : []), fakeA, fakeB, scoresA, scoresB]);
      console.log(
        `trainGan ${label}: workers 2 vs 1 after 3 steps, worst per-tensor relative difference ${worst.toExponential(2)} (${name}); ` +
          `zero-gradient biases / running means ${noise.worst.toExponential(2)}; outputs G ${outputs.generator.toExponential(2)}, D ${outputs.discriminator.toExponential(2)}`,
      );
      // Measured 1.9e-5 (an EMA'd batch-norm shift of norm 8e-4: 1.6e-8 absolute, non-saturating DCGAN), ≤ 3.5e-7
      // otherwise: Adam's 1/√v turns rounding of a near-zero gradient into a step (docs/parallel-training.md).
      expect(worst).toBeLessThan(5e-5);
      expect(noise.worst).toBeLessThan(2e-2);
      expect(outputs.generator).toBeLessThan(1e-5);
      expect(outputs.discriminator).toBeLessThan(1e-5);
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 600_000);

  it('resumes across worker counts: 2 workers stopped at step 2, resumed with 2 (bit-identical) and with 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gen-gan-parallel-'));
    dirs.push(dir);
    const straight = await trainGan(base({ workers: 2, steps: 4, loss: 'hinge' }));
    const first = await trainGan(base({ workers: 2, steps: 2, loss: 'hinge', checkpointDir: path.join(dir, 'a'), checkpointEvery: 2 }));
    first.dispose();
    const resumed = await trainGan(base({ workers: 2, steps: 4, loss: 'hinge', checkpointDir: path.join(dir, 'a'), resume: true }));
    const single = await trainGan(base({ workers: 1, steps: 4, loss: 'hinge', checkpointDir: path.join(dir, 'a'), resume: true }));
    try {
      const expected = await snapshot(straight);
      const actual = await snapshot(resumed);
      for (const name of Object.keys(expected)) expect([name, Array.from(actual[name])]).toEqual([name, Array.from(expected[name])]);
      expect(worstRelative(await snapshot(single), expected).worst).toBeLessThan(1e-5);
      expect(worstRelative(await snapshot(single), expected, ZERO_GRADIENT).worst).toBeLessThan(2e-2);
    } finally {
      straight.dispose();
      resumed.dispose();
      single.dispose();
    }
  }, 600_000);

  it('bad workers: one-line errors', async () => {
    await expect(trainGan(base({ workers: 0 }))).rejects.toThrow(new InvalidArgumentError('workers', 0, "must be 'auto' or an integer from 1 to 256"));
    await expect(trainGan(base({ workers: 'many' as never }))).rejects.toThrow(/^workers \("many"\) must be 'auto' or an integer from 1 to 256$/);
    await expect(trainGan(base({ workers: 2, lrG: () => 1e-4 }))).rejects.toThrow(/workers .*needs numeric lrG and lrD/);
    const auto = await trainGan(base({ workers: 'auto', steps: 1, batchSize: 8 }));
    expect(auto.workers).toBe(1);
    auto.dispose();
  }, 120_000);

  it('leaks no tensors in any thread over 200 parallel steps (critic and generator updates)', async () => {
    const parallel = await nodeParallelGan.create({
      options: { config: tinyConfig('dcgan'), seed: 1, batchSize: 8, trainer: { loss: 'wgan-gp', diffAugment: true, ema: false } },
      dataset: blobDataset(16, 1),
      workers: 2,
      backend: 'wasm',
      globalBatchSize: 8,
    });
    try {
      await parallel.syncFromMain();
      const steps = async (from: number, to: number) => {
        for (let step = from; step < to; step++) {
          expect(Number.isFinite(await parallel.critic(step))).toBe(true);
          expect(Number.isFinite(await parallel.generatorUpdate(step))).toBe(true);
        }
      };
      await steps(0, 5);
      const before = await parallel.memory();
      await steps(5, 205);
      const after = await parallel.memory();
      console.log(`tensors per thread before/after 200 parallel GAN steps: ${before.map((n, i) => `${n}/${after[i]}`).join(', ')}`);
      expect(after).toEqual(before);
    } finally {
      await parallel.dispose();
      parallel.trainer.dispose();
      parallel.generator.dispose();
      parallel.discriminator.dispose();
    }
  }, 900_000);
});
