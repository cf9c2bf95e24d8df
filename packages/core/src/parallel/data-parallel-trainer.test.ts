import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelTrainer } from './data-parallel-trainer';
import type { DataParallelTrainerOptions } from './data-parallel-trainer';

// Node only (worker_threads): not a describeWithBackends suite. Every replica runs wasm.
const FIXTURE = path.join(__dirname, '__fixtures__', 'small-gan-replica.ts');
const STEPS = 5;

function options(workers: number, replicaOptions: Record<string, unknown>, globalBatchSize = 16): DataParallelTrainerOptions {
  return { replica: { module: FIXTURE, options: replicaOptions as never }, globalBatchSize, workers, backend: 'wasm' };
}

async function train(trainer: DataParallelTrainer, steps: number): Promise<Array<Record<string, number>>> {
  const losses: Array<Record<string, number>> = [];
  for (let step = 0; step < steps; step++) {
    losses.push((await trainer.step('critic', { step })).losses);
    losses.push((await trainer.step('generator', { step })).losses);
  }
  return losses;
}

/**
 * Worst per-tensor differences over the trained parameters: `max` = max|a − b| / max|b|
 * (elementwise), `norm` = ‖a − b‖₂ / ‖b‖₂.
 */
async function relativeDifferences(a: DataParallelTrainer, b: DataParallelTrainer): Promise<{ max: number; norm: number }> {
  const sa = a.stateDict();
  const sb = b.stateDict();
  let max = 0;
  let norm = 0;
  for (const name of Object.keys(sb)) {
    if (!/^(generator|critic)\//.test(name)) continue;
    const x = await sa[name].data();
    const y = await sb[name].data();
    let diff = 0;
    let scale = 0;
    let d2 = 0;
    let s2 = 0;
    for (let i = 0; i < y.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(y[i]));
      d2 += (x[i] - y[i]) ** 2;
      s2 += y[i] ** 2;
    }
    max = Math.max(max, diff / scale);
    norm = Math.max(norm, Math.sqrt(d2 / s2));
  }
  return { max, norm };
}

describe('DataParallelTrainer agrees with single-thread training', () => {
  let single: DataParallelTrainer | null = null;
  afterEach(async () => {
    await single?.dispose();
    single = null;
  });

  // Adam divides by √v, so an element whose gradient is ~0 (sums that cancel) turns float
  // rounding of the gradient into a visible step: we bound the norm-wise relative error.
  // Plain SGD is linear in the gradient: there every element agrees within 1e-6.
  it.each([
    ['Adam, GroupNorm, 2 replicas, batch 16', 2, 'group', 16, 'adam'],
    ['Adam, no normalisation, 2 replicas, odd batch 15 (8 + 7)', 2, 'none', 15, 'adam'],
    ['Adam, GroupNorm, 3 replicas, batch 16 (6 + 5 + 5)', 3, 'group', 16, 'adam'],
    ['SGD, no normalisation, 2 replicas, odd batch 15 (8 + 7)', 2, 'none', 15, 'sgd'],
  ] as const)('%s: parameters after 5 steps within 1e-5 relative', async (_, workers, norm, batch, optimizer) => {
    const replicaOptions = { seed: 7, norm, optimizer };
    single = await DataParallelTrainer.create(options(1, replicaOptions, batch));
    const parallel = await DataParallelTrainer.create({ ...options(workers, replicaOptions, batch), checkEvery: 1 });
    try {
      expect(parallel.replicas).toBe(workers);
      const expected = await train(single, STEPS);
      const actual = await train(parallel, STEPS);
      for (let i = 0; i < expected.length; i++) {
        expect(Object.keys(actual[i])).toEqual(Object.keys(expected[i]));
        for (const name of Object.keys(expected[i])) expect(actual[i][name]).toBeCloseTo(expected[i][name], 5);
      }
      const difference = await relativeDifferences(parallel, single);
      expect(difference.norm).toBeLessThan(1e-5);
      if (optimizer === 'sgd') expect(difference.max).toBeLessThan(1e-6);
      else expect(difference.max).toBeLessThan(1e-4);
      // Every replica holds bit-identical parameters (checkEvery: 1 compared them after each step).
      await parallel.checkReplicas();
    } finally {
      await parallel.dispose();
    }
  });

  it('differs with BatchNorm, whose statistics are per shard (documented)', async () => {
    const replicaOptions = { seed: 7, norm: 'batch' };
    single = await DataParallelTrainer.create(options(1, replicaOptions));
    const parallel = await DataParallelTrainer.create(options(2, replicaOptions));
    try {
      await train(single, 2);
      await train(parallel, 2);
      expect((await relativeDifferences(parallel, single)).norm).toBeGreaterThan(1e-4);
    } finally {
      await parallel.dispose();
    }
  });

  it("'broadcast' updates match 'replicated' ones bit for bit", async () => {
    const replicaOptions = { seed: 3, norm: 'group' };
    single = await DataParallelTrainer.create(options(2, replicaOptions));
    const broadcast = await DataParallelTrainer.create({ ...options(2, replicaOptions), update: 'broadcast', checkEvery: 2 });
    try {
      await train(single, 3);
      await train(broadcast, 3);
      expect(await relativeDifferences(broadcast, single)).toEqual({ max: 0, norm: 0 });
    } finally {
      await broadcast.dispose();
    }
  });
});

describe('DataParallelTrainer on the cpu backend', () => {
  it('agrees with single-thread training (cpu replicas copy shared buffers before use)', async () => {
    const replicaOptions = { seed: 11, norm: 'group', optimizer: 'sgd' };
    const single = await DataParallelTrainer.create({ ...options(1, replicaOptions, 8), backend: 'cpu' });
    const parallel = await DataParallelTrainer.create({ ...options(2, replicaOptions, 8), backend: 'cpu', checkEvery: 1 });
    try {
      expect(tf.getBackend()).toBe('cpu');
      await train(single, 2);
      await train(parallel, 2);
      expect((await relativeDifferences(parallel, single)).max).toBeLessThan(1e-6);
    } finally {
      await Promise.all([single.dispose(), parallel.dispose()]);
    }
  });
});
