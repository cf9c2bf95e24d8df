// Benchmark of data-parallel diffusion training: `trainDiffusion` (what `gen train diffusion`
// runs: EMA, clipping, warm-up; no sample grids, no checkpoints) on MNIST with `workers: 1`
// (this thread) and `workers: 2` (worker threads), in alternating (ABBA) rounds so that load
// from other processes hits both alike. Reports wall-clock and CPU time per step, per thread
// (Linux /proc/self/task), as docs/parallel-training.md does. Run it with
// `node scripts/bench-parallel-diffusion.mjs` (bundles this file for plain Node).
import * as os from 'node:os';
import { initBackend } from '@gen/core';
import { benchTrainingWorkers, loadDataset, loadNodeBackends } from '@gen/core/node';
import { DEFAULT_UNET_CONFIG, type UNet2DConfigInput } from '../models/unet';
import '../node';
import { trainDiffusion } from './train-diffusion';

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
  const override = JSON.parse(get('config', '{"blockOutChannels":[48,96],"layersPerBlock":[1,1],"attentionLevels":[false,true]}')) as Partial<UNet2DConfigInput>;
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  const dataset = await loadDataset(get('dataset', 'mnist') as 'mnist', { split: 'train' });
  const config: UNet2DConfigInput = { ...DEFAULT_UNET_CONFIG, ...override, numClasses: null };
  console.log(
    `trainDiffusion (gen train diffusion) on ${dataset.name}, UNet ${JSON.stringify(override)}, batch ${batchSize}, wasm, ` +
      `${rounds} rounds × ${steps} timed steps (after ${warmup}), ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}`,
  );
  await benchTrainingWorkers({
    workerCounts,
    rounds,
    steps,
    warmup,
    train: ({ workers, steps: total, seed, onProgress }) => trainDiffusion({ config, dataset, steps: total, batchSize, seed, workers, logEvery: 1, onProgress }),
  });
}
