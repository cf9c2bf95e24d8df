import { cpus, getPriority, loadavg } from 'node:os';
import { measurementIds, webglConfig, type BenchConfig } from './config';
import type { BenchEvent } from './events';
import { computeRatios, type BackendResult, type BenchReport } from './report';
import { runWithLimits, type StartSession } from './session';
import { tfjsNodeSessions } from './tfjs-node';
import { SYSTEM_PYTHON, ensureTorch, findTorchScript, torchSessions } from './torch';
import { findBrowserBundle, webglSessions, webglUnavailable } from './webgl';

export const BENCH_BACKENDS = ['cpu', 'wasm', 'webgl', 'torch'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** PyTorch runs at these intra-op thread counts (columns `torch-1t`, `torch-2t`). */
export const TORCH_THREADS = [1, 2];

export interface RunBenchOptions {
  backends: readonly BenchBackend[];
  config: BenchConfig;
  quick: boolean;
  /** Per-measurement wall-time limit in seconds (warm-up and timed runs together). */
  limitSeconds: number;
  /** The command line, recorded in the report. */
  command: string;
  /** Python with torch (default /usr/bin/python3). */
  python?: string;
  /** Install python3-torch with apt-get when missing and root (default true). */
  installTorch?: boolean;
  /** Run tfjs backends in a child process when the built worker exists (default true). */
  isolate?: boolean;
  /** Progress: one call per event, with the column it belongs to. */
  onEvent?: (column: string, event: BenchEvent) => void;
  /** Human-readable lines (torch install, skipped columns). */
  log?: (line: string) => void;
}

/** Number of results `runBench` will report, for a progress bar. */
export function benchSize(backends: readonly BenchBackend[], config: BenchConfig): number {
  const columns = backends.reduce((n, b) => n + (b === 'torch' ? TORCH_THREADS.length : 1), 0);
  return columns * measurementIds(config).length;
}

/**
 * Runs every requested column and returns the report (nothing is written here). Each
 * column runs in its own process or browser so that a measurement past `limitSeconds`
 * can be stopped and reported from the runs that did finish.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchReport> {
  const { backends, config, quick, limitSeconds, command, python = SYSTEM_PYTHON, installTorch = true, isolate = true, onEvent = () => {}, log = () => {} } = options;
  const ids = measurementIds(config);
  const startLoad = loadavg();
  const results: BackendResult[] = [];
  const notes: string[] = [];

  const runColumn = async (name: string, label: string, columnConfig: BenchConfig, start: StartSession | string): Promise<void> => {
    const started = Date.now();
    if (typeof start === 'string') {
      results.push({ name, label, status: 'unavailable', detail: start, info: {}, config: columnConfig, measurements: [], seconds: 0 });
      log(`${label}: not run (${start})`);
      for (const id of ids) onEvent(name, { type: 'result', measurement: { id, status: 'skipped', detail: start } });
      return;
    }
    // One fresh process (browser) per cell, so its peak RSS is that cell's own.
    const run = await runWithLimits(ids, start, limitSeconds, (event) => onEvent(name, event), { onePerSession: true });
    const seconds = (Date.now() - started) / 1000;
    if (run.fatal !== undefined && run.measurements.length === 0) {
      results.push({ name, label, status: 'unavailable', detail: run.fatal, info: run.info, config: columnConfig, measurements: [], seconds });
      log(`${label}: not run (${run.fatal})`);
      for (const id of ids) onEvent(name, { type: 'result', measurement: { id, status: 'skipped', detail: run.fatal } });
      return;
    }
    results.push({ name, label, status: 'ok', info: run.info, config: columnConfig, measurements: run.measurements, seconds });
  };

  for (const backend of backends) {
    if (backend === 'cpu' || backend === 'wasm') {
      await runColumn(backend, backend, config, tfjsNodeSessions(backend, config, isolate ? undefined : ''));
    } else if (backend === 'webgl') {
      const reduced = webglConfig(config);
      const bundle = findBrowserBundle();
      const why = webglUnavailable(bundle);
      await runColumn('webgl', 'webgl', reduced, why ?? webglSessions(reduced, bundle as string));
      notes.push(
        `webgl runs in headless Chromium (${'/usr/bin/chromium'}) on its software GPU, roughly 100× slower than wasm here, ` +
          `so it uses ${reduced.warmup} warm-up and at most ${reduced.repeats} timed runs per cell.`,
      );
    } else if (backend === 'torch') {
      const script = findTorchScript();
      const check = script ? ensureTorch(python, log, { install: installTorch }) : { ok: false, detail: 'scripts/bench/torch_bench.py not found' };
      for (const threads of TORCH_THREADS) {
        const label = `torch ${threads} thread${threads === 1 ? '' : 's'}`;
        await runColumn(`torch-${threads}t`, label, config, check.ok ? torchSessions(config, python, script as string, threads) : check.detail);
      }
    }
  }

  notes.push(
    `Each cell: ${config.warmup} untimed warm-up run(s), then the median of up to ${config.repeats} timed runs ` +
      `(fewer once ${config.maxSeconds} s are spent, at least ${config.minRepeats}); every run awaits its result's data(), and ` +
      `a cell is stopped after ${limitSeconds} s. A * marks a cell with a note below.`,
  );
  const [h, w, c] = config.unet2dShape;
  if (ids.includes('unet2d-train') || ids.includes('sample-unet')) {
    notes.push(
      `Shipped UNet: @gen/diffusion's UNet2DModel with the blocks of pretrained:mnist (widths 48, 96, one residual block per level down, ` +
        `self-attention at the coarse level and in the middle, 10 classes + null), built for ${h}×${w}×${c}` +
        `${h === 7 && w === 7 && c === 4 ? ' as shipped' : ' (pretrained:mnist runs these blocks on 7×7×4 latents)'}; ` +
        `its train step is one Adam update on the v-prediction MSE (@gen/core's Adam, as trainDiffusion; torch.optim.Adam in PyTorch); PyTorch runs the same network (torch_bench.py).`,
    );
    notes.push(
      `Sampling: @gen/diffusion's classConditionalPipeline with DPMSolverMultistepScheduler (DPM-Solver++ 2M) on the shipped scheduler config, ` +
        `${config.samplingSteps} steps${config.guidanceScale === 1 ? '' : `, classifier-free guidance ${config.guidanceScale} (the UNet runs on 2 × ${config.samplingBatch} samples per step)`}` +
        `${c === 1 ? '' : ', latents not decoded'}; PyTorch runs the same loop and update equations. DCGAN sampling is one generator pass.`,
    );
  }
  const missing = BENCH_BACKENDS.filter((backend) => !backends.includes(backend));
  if (missing.length > 0) {
    notes.push(
      `Not in this run: ${missing.join(', ')} (every column: --backends ${BENCH_BACKENDS.join(',')}; ` +
        `--config scripts/bench/cpu-feasible.json keeps the cpu column within the limit).`,
    );
  }
  if (startLoad[0] > cpus().length * 0.75) {
    const nice = getPriority();
    notes.push(
      `The machine was busy (load average ${startLoad[0].toFixed(1)} on ${cpus().length} cores at the start` +
        `${nice > 0 ? `, and the bench ran at nice ${nice}, below the other work` : ''}): absolute numbers are noisy and ratios less so; rerun on an idle machine.`,
    );
  }
  const cpuInfo = cpus();
  return {
    schema: 1,
    command,
    date: new Date().toISOString(),
    quick,
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpuInfo[0]?.model.trim() ?? 'unknown CPU',
      cpus: cpuInfo.length,
      node: process.version,
      loadAverage: { start: startLoad, end: loadavg() },
    },
    config,
    limitSeconds,
    backends: results,
    ratios: computeRatios(results, ids),
    notes,
  };
}
