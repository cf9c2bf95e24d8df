import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataParallelTrainer } from './data-parallel-trainer';
import type { DataParallelTrainerOptions } from './data-parallel-trainer';

// Node only (worker_threads). Errors, leaks, abort and dispose of the parallel trainer.
const FIXTURE = path.join(__dirname, '__fixtures__', 'small-gan-replica.ts');

function options(replicaOptions: Record<string, unknown> = {}, extra: Partial<DataParallelTrainerOptions> = {}): DataParallelTrainerOptions {
  return {
    replica: { module: FIXTURE, options: { seed: 5, ...replicaOptions } as never },
    globalBatchSize: 8,
    workers: 2,
    backend: 'wasm',
    ...extra,
  };
}

/** OS threads of this process (Linux); null elsewhere. */
function threadCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

async function parameterValues(trainer: DataParallelTrainer): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(trainer.stateDict())) {
    if (/^(generator|critic)\//.test(name)) out[name] = Array.from(await tensor.data());
  }
  return out;
}

describe('DataParallelTrainer lifecycle', () => {
  it('leaks no tensors in any thread over 200 parallel steps', async () => {
    const trainer = await DataParallelTrainer.create(options());
    try {
      for (let step = 0; step < 2; step++) {
        await trainer.step('critic');
        await trainer.step('generator');
      }
      const before = await trainer.memory();
      expect(before.map((m) => m.thread)).toEqual(['main', 'worker']);
      for (let step = 0; step < 100; step++) {
        await trainer.step('critic');
        await trainer.step('generator');
      }
      const after = await trainer.memory();
      console.log(`tensors per thread before/after 200 parallel steps: ${before.map((m, i) => `${m.thread} ${m.numTensors}/${after[i].numTensors}`).join(', ')}`);
      expect(after.map((m) => m.numTensors)).toEqual(before.map((m) => m.numTensors));
      expect(after.map((m) => m.numBytes)).toEqual(before.map((m) => m.numBytes));
      await trainer.checkReplicas();
    } finally {
      await trainer.dispose();
    }
  });

  it('resumes exactly from stateDict() (parameters and optimizer moments) in every replica', async () => {
    const run = async (trainer: DataParallelTrainer, from: number, to: number) => {
      for (let step = from; step < to; step++) {
        await trainer.step('critic', { step });
        await trainer.step('generator', { step });
      }
    };
    const straight = await DataParallelTrainer.create(options());
    const first = await DataParallelTrainer.create(options());
    const resumed = await DataParallelTrainer.create(options()); // fresh: initial values, zero moments
    try {
      await run(straight, 0, 4);
      await run(first, 0, 2);
      const saved = Object.fromEntries(Object.entries(first.stateDict()).map(([name, t]) => [name, t.clone()]));
      expect(Object.keys(saved)).toEqual(expect.arrayContaining(['critic/conv.weight', 'optimizer.critic/m/conv.weight', 'optimizer.generator/step']));
      await resumed.loadStateDict(saved);
      Object.values(saved).forEach((t) => t.dispose());
      await run(resumed, 2, 4);
      await resumed.checkReplicas();
      expect(await parameterValues(resumed)).toEqual(await parameterValues(straight));
    } finally {
      await Promise.all([straight.dispose(), first.dispose(), resumed.dispose()]);
    }
  });

  it("surfaces a worker's error message; the failed step changes nothing", async () => {
    const trainer = await DataParallelTrainer.create(options({ throwAt: { replica: 1, step: 2 } }));
    try {
      await trainer.step('critic', { step: 0 });
      await trainer.step('critic', { step: 1 });
      const before = await parameterValues(trainer);
      await expect(trainer.step('critic', { step: 2 })).rejects.toThrow(
        "phase 'critic' step 2: replica 1 (worker thread): boom in replica 1 at step 2",
      );
      expect(await parameterValues(trainer)).toEqual(before);
      // Nothing was applied anywhere, so training can go on.
      await trainer.step('critic', { step: 3 });
      await trainer.checkReplicas();
    } finally {
      await trainer.dispose();
    }
  });

  it("surfaces the main replica's error as is", async () => {
    const trainer = await DataParallelTrainer.create(options({ throwAt: { replica: 0, step: 0 } }));
    try {
      await expect(trainer.step('generator')).rejects.toThrow(/^boom in replica 0 at step 0$/);
      await trainer.step('generator', { step: 1 });
      await trainer.checkReplicas();
    } finally {
      await trainer.dispose();
    }
  });

  it('fails create() with the message of a worker whose factory throws, and leaves no thread', async () => {
    const threads = threadCount();
    await expect(DataParallelTrainer.create(options({ failBuildIn: 1 }))).rejects.toThrow(
      'replica 1 (worker thread): replica 1 refuses to build',
    );
    if (threads !== null) expect(threadCount()).toBe(threads);
  });

  it('refuses replicas that start from other values, and reports a replica that diverges (checkEvery)', async () => {
    await expect(DataParallelTrainer.create(options({ otherSeedIn: 1 }))).rejects.toThrow(
      "replica 1 (worker thread) starts with other values than the main thread ('generator/fc.weight'); initialise every replica from a Generator seeded by the replica options",
    );
    const trainer = await DataParallelTrainer.create(options({ otherLearningRateIn: 1 }, { checkEvery: 1 }));
    try {
      await expect(trainer.step('critic')).rejects.toThrow(
        "replica 1 (worker thread) diverged from the main replica (after step 0 of phase 'critic'): 'critic/conv.weight' differs",
      );
      await expect(trainer.step('critic')).rejects.toThrow('diverged');
    } finally {
      await trainer.dispose();
    }
  });

  it('rejects unknown phases and bad options with one-line messages', async () => {
    await expect(DataParallelTrainer.create(options({}, { workers: 0 }))).rejects.toThrow(
      "workers (0) must be 'auto' or an integer from 1 to 256",
    );
    await expect(DataParallelTrainer.create(options({}, { replica: { module: FIXTURE, exportName: 'nope' } }))).rejects.toThrow(
      `replica.exportName ("nope") is not a function exported by ${FIXTURE} (it exports createReplica)`,
    );
    const trainer = await DataParallelTrainer.create(options({}, { workers: 1 }));
    try {
      await expect(trainer.step('discriminator')).rejects.toThrow(
        'phase ("discriminator") is not a phase of the replica; its phases: critic, generator',
      );
    } finally {
      await trainer.dispose();
    }
  });

  it("workers: 'auto' is one replica per core with at least 8 samples each", async () => {
    const small = await DataParallelTrainer.create(options({}, { workers: 'auto', globalBatchSize: 12 }));
    expect([small.replicas, small.liveWorkers]).toEqual([1, 0]);
    await small.dispose();
    const trainer = await DataParallelTrainer.create(options({}, { workers: 'auto', globalBatchSize: 16 }));
    expect(trainer.replicas).toBe(Math.min(os.availableParallelism(), 2));
    await trainer.dispose();
  });

  it('dispose() terminates every worker thread; later calls reject', async () => {
    const threads = threadCount();
    const trainer = await DataParallelTrainer.create(options({}, { workers: 3 }));
    expect(trainer.liveWorkers).toBe(2);
    await trainer.step('critic');
    await trainer.dispose();
    expect(trainer.liveWorkers).toBe(0);
    if (threads !== null) expect(threadCount()).toBe(threads);
    await expect(trainer.step('critic')).rejects.toThrow('DataParallelTrainer: used after dispose()');
    await trainer.dispose(); // idempotent
  });

  it('a step aborted by its signal applies no update anywhere; the trainer stays usable', async () => {
    const trainer = await DataParallelTrainer.create(options());
    try {
      await trainer.step('critic');
      const before = await parameterValues(trainer);
      const controller = new AbortController();
      controller.abort();
      await expect(trainer.step('critic', { signal: controller.signal })).rejects.toThrow(/aborted/);
      // Aborted while the worker computes: the computation finishes, nothing is applied.
      const late = new AbortController();
      const pending = trainer.step('generator', { signal: late.signal });
      // Synchronously after step() starts: the worker's reply cannot have arrived yet (it
      // comes as a message event), so the abort always lands mid-step.
      late.abort();
      await expect(pending).rejects.toThrow(/aborted/);
      expect(await parameterValues(trainer)).toEqual(before);
      await trainer.checkReplicas();
      await trainer.step('critic');
    } finally {
      await trainer.dispose();
    }
  });

  it("aborting create()'s signal stops training and terminates the workers", async () => {
    const controller = new AbortController();
    const trainer = await DataParallelTrainer.create(options({}, { signal: controller.signal }));
    await trainer.step('critic');
    const pending = trainer.step('critic');
    controller.abort();
    await expect(pending).rejects.toThrow(/aborted/);
    await expect(trainer.step('critic')).rejects.toThrow(/aborted|dispose/);
    for (let i = 0; i < 100 && trainer.liveWorkers > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(trainer.liveWorkers).toBe(0);
    await trainer.dispose();
  });
});
