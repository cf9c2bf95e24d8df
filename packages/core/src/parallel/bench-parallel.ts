// Benchmark of data-parallel training: one DCGAN training step (critic update + generator
// update, global batch 64) with 1 replica (in-process, no threads) and with more, measured
// in alternating rounds so that load from other processes hits every configuration alike.
// Run it with `node scripts/bench-parallel.mjs` (bundles this file for plain Node).
import * as os from 'node:os';
import { DataParallelTrainer } from './data-parallel-trainer';
import type { UpdateMode } from './data-parallel-trainer';
import { busiestThreadMs, median, threadCpuMs } from './thread-cpu';

export interface BenchOptions {
  /** Replica module (a built .mjs; the script passes the bundled DCGAN fixture). */
  module: string;
  batch: number;
  /** Timed training steps per configuration and round. */
  steps: number;
  /** Untimed steps first (wasm warm-up, kernel caches). */
  warmup: number;
  rounds: number;
  /** Configurations: replicas and update mode, e.g. `1`, `2`, `2:broadcast`. */
  configs: Array<{ workers: number; update: UpdateMode }>;
  log?: (line: string) => void;
}

export interface BenchRow {
  config: string;
  /** Milliseconds per training step (critic + generator), per round. */
  msPerStep: number[];
  /** CPU milliseconds of the whole process (all threads) per step, per round. */
  cpuMsPerStep: number[];
  /**
   * CPU milliseconds per step of the busiest thread (Linux, from /proc/self/task), per round:
   * the step time on an otherwise idle machine, if nothing waited. Empty elsewhere.
   */
  busiestThreadCpuMsPerStep: number[];
}

const label = (c: { workers: number; update: UpdateMode }) => (c.workers === 1 ? '1 (no threads)' : `${c.workers} ${c.update}`);

export async function benchParallel(options: BenchOptions): Promise<BenchRow[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows: BenchRow[] = options.configs.map((c) => ({ config: label(c), msPerStep: [], cpuMsPerStep: [], busiestThreadCpuMsPerStep: [] }));
  let step = 0;
  for (let round = 0; round < options.rounds; round++) {
    // ABBA order: alternate the order of configurations between rounds.
    const order = options.configs.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const config = options.configs[i];
      const trainer = await DataParallelTrainer.create({
        replica: { module: options.module, options: { seed: 1 } },
        globalBatchSize: options.batch,
        workers: config.workers,
        update: config.update,
      });
      try {
        const trainStep = async () => {
          await trainer.step('critic', { step });
          await trainer.step('generator', { step });
          step += 1;
        };
        for (let s = 0; s < options.warmup; s++) await trainStep();
        const threads0 = threadCpuMs();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let s = 0; s < options.steps; s++) await trainStep();
        const ms = (performance.now() - t0) / options.steps;
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000 / options.steps;
        const busiest = busiestThreadMs(threads0, threadCpuMs()) / options.steps;
        rows[i].msPerStep.push(ms);
        rows[i].cpuMsPerStep.push(cpuMs);
        if (busiest > 0) rows[i].busiestThreadCpuMsPerStep.push(busiest);
        log(
          `round ${round + 1}/${options.rounds}  workers ${label(config).padEnd(16)} ${ms.toFixed(0).padStart(6)} ms/step` +
            `  cpu ${cpuMs.toFixed(0).padStart(6)} ms/step  busiest thread ${busiest.toFixed(0).padStart(6)} ms/step  load ${os.loadavg()[0].toFixed(1)}`,
        );
      } finally {
        await trainer.dispose();
      }
    }
  }
  return rows;
}

/** Markdown table: median ms/step, samples/s and the speed-up against the first configuration. */
export function formatBench(rows: BenchRow[], batch: number): string {
  const base = rows[0];
  const lines = [
    '| workers | ms / step (median) | samples / s | speed-up (median of per-round ratios) | CPU ms / step, all threads | CPU ms / step, busiest thread | CPU-bound speed-up (median of per-round ratios) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const ms = median(row.msPerStep);
    const ratios = row.msPerStep.map((value, round) => base.msPerStep[round] / value);
    const busiest = row.busiestThreadCpuMsPerStep.length > 0 ? median(row.busiestThreadCpuMsPerStep) : NaN;
    // Per round: the one-thread CPU time of the step over this configuration's busiest thread.
    const cpuBound = Number.isNaN(busiest) ? NaN : median(row.busiestThreadCpuMsPerStep.map((value, round) => base.cpuMsPerStep[round] / value));
    lines.push(
      `| ${row.config} | ${ms.toFixed(0)} | ${((batch * 1000) / ms).toFixed(1)} | ${median(ratios).toFixed(2)}× | ` +
        `${median(row.cpuMsPerStep).toFixed(0)} | ${Number.isNaN(busiest) ? 'n/a' : busiest.toFixed(0)} | ${Number.isNaN(cpuBound) ? 'n/a' : `${cpuBound.toFixed(2)}×`} |`,
    );
  }
  return lines.join('\n');
}

function parseArgs(argv: string[]): BenchOptions {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const configs = get('workers', `1,${Math.max(2, cores)},${Math.max(2, cores)}:broadcast`)
    .split(',')
    .map((item) => {
      const [workers, update = 'replicated'] = item.split(':');
      return { workers: Number(workers), update: update as UpdateMode };
    });
  return {
    module: get('module', ''),
    batch: Number(get('batch', '64')),
    steps: Number(get('steps', '5')),
    warmup: Number(get('warmup', '1')),
    rounds: Number(get('rounds', '3')),
    configs,
  };
}

/** Command-line entry (used by scripts/bench-parallel.mjs). */
export async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  console.log(
    `DCGAN training step (critic + generator update), global batch ${options.batch}, wasm backend, ` +
      `${options.rounds} rounds × ${options.steps} steps (+${options.warmup} warm-up), ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}`,
  );
  const rows = await benchParallel(options);
  console.log(`\n${formatBench(rows, options.batch)}`);
}
