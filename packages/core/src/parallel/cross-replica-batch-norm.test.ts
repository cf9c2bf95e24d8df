import * as path from 'node:path';
import { DataParallelTrainer } from './data-parallel-trainer';
import type { DataParallelTrainerOptions } from './data-parallel-trainer';

// Node only (worker_threads; every replica runs wasm). Synchronised batch norm through
// context.exchange: every replica runs its rows, BatchNorm uses the whole batch's statistics.
const FIXTURE = path.join(__dirname, '__fixtures__', 'small-gan-replica.ts');

function options(workers: number, replicaOptions: Record<string, unknown>, extra: Partial<DataParallelTrainerOptions> = {}): DataParallelTrainerOptions {
  return { replica: { module: FIXTURE, options: { seed: 7, norm: 'batch', syncBatchNorm: true, ...replicaOptions } as never }, globalBatchSize: 15, workers, backend: 'wasm', ...extra };
}

async function train(trainer: DataParallelTrainer, steps: number): Promise<void> {
  for (let step = 0; step < steps; step++) {
    await trainer.step('critic', { step });
    await trainer.step('generator', { step });
  }
}

/** Worst per-tensor max|a − b| / max|b| over the trained parameters and the batch-norm running statistics. */
async function worstDifference(a: DataParallelTrainer, b: DataParallelTrainer): Promise<number> {
  const sa = a.stateDict();
  const sb = b.stateDict();
  let worst = 0;
  for (const name of Object.keys(sb)) {
    if (!/^(generator|critic)\//.test(name)) continue;
    const x = await sa[name].data();
    const y = await sb[name].data();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < y.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(y[i]));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

describe('cross-replica (synchronised) batch norm', () => {
  it('trains as one thread does: SGD, 2 replicas over an odd batch (8 + 7), every element within 1e-5', async () => {
    const single = await DataParallelTrainer.create(options(1, { optimizer: 'sgd' }));
    const parallel = await DataParallelTrainer.create(options(2, { optimizer: 'sgd' }, { checkEvery: 1 }));
    try {
      await train(single, 4);
      await train(parallel, 4);
      const worst = await worstDifference(parallel, single);
      console.log(`synchronised BatchNorm, SGD, 2 replicas vs 1 after 4 steps: worst element ${worst.toExponential(2)} relative`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await Promise.all([single.dispose(), parallel.dispose()]);
    }
  });

  it("a replica that throws stops the others at their exchange: the step rejects with the thrower's one-line error, and training goes on", async () => {
    for (const replica of [1, 0]) {
      const trainer = await DataParallelTrainer.create(options(2, { throwAt: { replica, step: 1 } }));
      try {
        await trainer.step('generator', { step: 0 });
        const failed = trainer.step('generator', { step: 1 });
        if (replica === 1) await expect(failed).rejects.toThrow(/^phase 'generator' step 1: replica 1 \(worker thread\): boom in replica 1 at step 1$/);
        else await expect(failed).rejects.toThrow(/^boom in replica 0 at step 1$/);
        await trainer.step('generator', { step: 2 });
        await trainer.step('critic', { step: 2 });
        await trainer.checkReplicas();
      } finally {
        await trainer.dispose();
      }
    }
  });

  it('a replica left waiting (the replicas ran different exchanges) fails after exchangeTimeoutMs, one line', async () => {
    const trainer = await DataParallelTrainer.create(options(2, { unsyncedIn: 1 }, { exchangeTimeoutMs: 300 }));
    try {
      await expect(trainer.step('generator', { step: 0 })).rejects.toThrow(
        /^replica 0: waited 0\.3 s for the other replicas at a cross-replica exchange \(a replica stopped, or the replicas ran different exchanges\)$/,
      );
    } finally {
      await trainer.dispose();
    }
  });
});
