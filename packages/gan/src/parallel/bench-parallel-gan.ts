// Benchmark of data-parallel GAN training: `trainGan` (what `gen train gan` runs: EMA; no sample
// grids, no FID, no checkpoints) on MNIST with `workers: 1` (this thread) and `workers: 2`
// (worker threads), in alternating (ABBA) rounds so that load from other processes hits both
// alike. Reports wall-clock and CPU time per step, per thread (Linux /proc/self/task), as
// docs/parallel-training.md does. Run it with `node scripts/bench-parallel-gan.mjs` (bundles
// this file for plain Node).
import * as os from 'node:os';
import { initBackend } from '@gen/core';
import { benchTrainingWorkers, loadDataset, loadNodeBackends } from '@gen/core/node';
import type { GanLoss } from '../objectives';
import { ganConfig, type GanArchitecture } from '../presets';
import '../node';
import { trainGan } from '../train-gan';

export async function main(argv: string[]): Promise<void> {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const rounds = Number(get('rounds', '2'));
  const steps = Number(get('steps', '20'));
  const warmup = Number(get('warmup', '2'));
  const batchSize = Number(get('batch', '64'));
  const workerCounts = get('workers', '1,2').split(',').map(Number);
  const architecture = get('architecture', 'dcgan') as GanArchitecture;
  const loss = get('loss', 'non-saturating') as GanLoss;
  // 'false': the generator on the whole batch in every replica (the pre-synchronised-batch-norm split).
  const splitGenerator = get('split-generator', 'true') !== 'false';
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  const dataset = await loadDataset(get('dataset', 'mnist') as 'mnist', { split: 'train' });
  const numClasses = architecture === 'dcgan' || architecture === 'sngan' || architecture === 'sagan' ? 0 : dataset.classNames.length;
  const config = ganConfig({ architecture, height: dataset.height, width: dataset.width, channels: dataset.channels, numClasses });
  console.log(
    `trainGan (gen train gan) on ${dataset.name}, ${architecture} GAN (gen train gan's default config), loss ${loss}, batch ${batchSize}, wasm, ` +
      `splitGenerator ${splitGenerator}, ${rounds} rounds × ${steps} timed steps (after ${warmup}), ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}`,
  );
  await benchTrainingWorkers({
    workerCounts,
    rounds,
    steps,
    warmup,
    train: ({ workers, steps: total, seed, onProgress }) =>
      trainGan({ config, dataset, loss, steps: total, batchSize, seed, workers, splitGenerator, divergence: false, logEvery: 1, onProgress }),
  });
}
