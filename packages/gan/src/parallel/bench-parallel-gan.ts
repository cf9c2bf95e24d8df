// Benchmark of data-parallel GAN training: `trainGan` (what `gen train gan` runs: EMA; no sample
// grids, no FID, no checkpoints) on MNIST with `workers: 1` (this thread) and `workers: 2`
// (worker threads), in alternating (ABBA) rounds so that load from other processes hits both
// alike. Reports wall-clock and CPU time per step, per thread (Linux /proc/self/task), as
// docs/parallel-training.md does. Run it with `node scripts/bench-parallel-gan.mjs` (bundles
// this file for plain Node).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { initBackend } from '@gen/core';
import { loadDataset, loadNodeBackends } from '@gen/core/node';
import type { GanLoss } from '../objectives';
import { ganConfig, type GanArchitecture } from '../presets';
import '../node';
import { trainGan } from '../train-gan';

/** CPU time (ms) of every thread of this process, by thread id (Linux only; empty elsewhere). */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ = 100
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Row {
  workers: number;
  ms: number[];
  cpuMs: number[];
  busiestMs: number[];
}

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
  await loadNodeBackends({ only: ['wasm'] });
  await initBackend({ prefer: 'wasm' });
  const dataset = await loadDataset(get('dataset', 'mnist') as 'mnist', { split: 'train' });
  const numClasses = architecture === 'dcgan' || architecture === 'sngan' || architecture === 'sagan' ? 0 : dataset.classNames.length;
  const config = ganConfig({ architecture, height: dataset.height, width: dataset.width, channels: dataset.channels, numClasses });
  console.log(
    `trainGan (gen train gan) on ${dataset.name}, ${architecture} GAN (gen train gan's default config), loss ${loss}, batch ${batchSize}, wasm, ` +
      `${rounds} rounds × ${steps} timed steps (after ${warmup}), ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}`,
  );
  const rows: Row[] = workerCounts.map((workers) => ({ workers, ms: [], cpuMs: [], busiestMs: [] }));
  for (let round = 0; round < rounds; round++) {
    const order = rows.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const row = rows[i];
      let start: { time: number; cpu: NodeJS.CpuUsage; threads: Map<string, number> } | null = null;
      let result: { ms: number; cpuMs: number; busiestMs: number } | null = null;
      const trained = await trainGan({
        config,
        dataset,
        loss,
        steps: warmup + steps,
        batchSize,
        seed: round,
        workers: row.workers,
        divergence: false,
        logEvery: 1,
        onProgress: ({ step }) => {
          if (step === warmup) start = { time: performance.now(), cpu: process.cpuUsage(), threads: threadCpuMs() };
          if (step === warmup + steps && start) {
            const threads = threadCpuMs();
            const cpu = process.cpuUsage(start.cpu);
            let busiest = 0;
            for (const [tid, ms] of threads) busiest = Math.max(busiest, ms - (start.threads.get(tid) ?? 0));
            result = { ms: (performance.now() - start.time) / steps, cpuMs: (cpu.user + cpu.system) / 1000 / steps, busiestMs: busiest / steps };
          }
        },
      });
      trained.dispose();
      const r = result as { ms: number; cpuMs: number; busiestMs: number } | null;
      if (!r) throw new Error('the run ended before its timed steps');
      row.ms.push(r.ms);
      row.cpuMs.push(r.cpuMs);
      row.busiestMs.push(r.busiestMs);
      console.log(
        `round ${round + 1}/${rounds}  workers ${trained.workers}  ${r.ms.toFixed(0).padStart(6)} ms/step  cpu ${r.cpuMs.toFixed(0).padStart(6)} ms/step  ` +
          `busiest thread ${r.busiestMs.toFixed(0).padStart(6)} ms/step  load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const base = rows[0];
  console.log('\n| workers | CPU ms / step, all threads (median) | CPU ms / step, busiest thread (median) | CPU-bound speed-up (median of per-round ratios) | wall ms / step (median) | wall-clock speed-up (median) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    // The one-thread run's CPU time (all threads) over this run's busiest thread, per round (1 for the baseline).
    const cpuBound = row === base ? 1 : median(row.busiestMs.map((value, round) => base.cpuMs[round] / value));
    const wall = median(row.ms.map((value, round) => base.ms[round] / value));
    console.log(
      `| ${row.workers} | ${median(row.cpuMs).toFixed(0)} | ${median(row.busiestMs).toFixed(0)} | ${cpuBound.toFixed(2)}× | ${median(row.ms).toFixed(0)} | ${wall.toFixed(2)}× |`,
    );
  }
}
