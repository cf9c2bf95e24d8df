// Benchmark of a package's data-parallel trainer (trainDiffusion, trainGan, …) at several worker
// counts, in alternating (ABBA) rounds so that load from other processes hits every count alike:
// wall-clock and CPU time per step, the busiest thread's CPU time (Linux), and the speed-ups
// against the first count, as docs/parallel-training.md reports them.
import * as os from 'node:os';
import { busiestThreadMs, median, threadCpuMs } from './thread-cpu';

/** One training run for {@link benchTrainingWorkers}: `steps` steps with `workers`, `onProgress` after every step. */
export interface BenchTrainingRun {
  workers: number;
  steps: number;
  seed: number;
  onProgress(event: { step: number }): void;
}

export interface BenchTrainingOptions {
  /** Runs the trainer; resolves with the worker count it used and a dispose. */
  train(run: BenchTrainingRun): Promise<{ workers: number; dispose(): void }>;
  /** Worker counts, the first the baseline (e.g. `[1, 2]`). */
  workerCounts: number[];
  rounds: number;
  /** Timed steps per run, after `warmup` untimed ones (wasm warm-up, kernel caches). */
  steps: number;
  warmup: number;
  log?: (line: string) => void;
}

/**
 * Runs `train` for every worker count in ABBA rounds and logs a line per run and a markdown table
 * of medians: CPU ms / step (all threads, busiest thread), the CPU-bound speed-up (the baseline's
 * CPU time over this run's busiest thread, per round) and the wall-clock speed-up.
 */
export async function benchTrainingWorkers(options: BenchTrainingOptions): Promise<void> {
  const { train, workerCounts, rounds, steps, warmup } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const rows = workerCounts.map((workers) => ({ workers, ms: [] as number[], cpuMs: [] as number[], busiestMs: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    const order = rows.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const row = rows[i];
      let start: { time: number; cpu: NodeJS.CpuUsage; threads: Map<string, number> } | null = null;
      let result: { ms: number; cpuMs: number; busiestMs: number } | null = null;
      const trained = await train({
        workers: row.workers,
        steps: warmup + steps,
        seed: round,
        onProgress: ({ step }) => {
          if (step === warmup) start = { time: performance.now(), cpu: process.cpuUsage(), threads: threadCpuMs() };
          if (step === warmup + steps && start) {
            const cpu = process.cpuUsage(start.cpu);
            result = { ms: (performance.now() - start.time) / steps, cpuMs: (cpu.user + cpu.system) / 1000 / steps, busiestMs: busiestThreadMs(start.threads, threadCpuMs()) / steps };
          }
        },
      });
      trained.dispose();
      const r = result as { ms: number; cpuMs: number; busiestMs: number } | null;
      if (!r) throw new Error('the run ended before its timed steps');
      row.ms.push(r.ms);
      row.cpuMs.push(r.cpuMs);
      row.busiestMs.push(r.busiestMs);
      log(
        `round ${round + 1}/${rounds}  workers ${trained.workers}  ${r.ms.toFixed(0).padStart(6)} ms/step  cpu ${r.cpuMs.toFixed(0).padStart(6)} ms/step  ` +
          `busiest thread ${r.busiestMs.toFixed(0).padStart(6)} ms/step  load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const base = rows[0];
  log('\n| workers | CPU ms / step, all threads (median) | CPU ms / step, busiest thread (median) | CPU-bound speed-up (median of per-round ratios) | wall ms / step (median) | wall-clock speed-up (median) |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    // The one-thread run's CPU time (all threads) over this run's busiest thread, per round (1 for the baseline).
    const cpuBound = row === base ? 1 : median(row.busiestMs.map((value, round) => base.cpuMs[round] / value));
    const wall = median(row.ms.map((value, round) => base.ms[round] / value));
    log(`| ${row.workers} | ${median(row.cpuMs).toFixed(0)} | ${median(row.busiestMs).toFixed(0)} | ${cpuBound.toFixed(2)}× | ${median(row.ms).toFixed(0)} | ${wall.toFixed(2)}× |`);
  }
}
