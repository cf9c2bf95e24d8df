import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { outOption, seedOption } from '../common-options';
import { integerOption, listOption, nonEmptyOption } from '../options';
import { ProgressBar } from '../progress-bar';
import type { CommandContext, CommandSpec } from '../registry';
import { FULL_CONFIG, QUICK_CONFIG, type BenchConfig } from '../bench/config';
import { formatMarkdown, formatNumber, type BenchReport } from '../bench/report';
import { BENCH_BACKENDS, benchSize, runBench, type BenchBackend } from '../bench/run-bench';
import { SYSTEM_PYTHON } from '../bench/torch';
import { UsageError } from '../usage-error';

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Benchmark tfjs backends (cpu, wasm, webgl) against PyTorch on matmul, DCGAN and UNet training, and sampling',
  description: [
    'Measures matmul GFLOP/s, the median time of a DCGAN training step, a small UNet forward pass and',
    'training step and a training step of the shipped diffusion UNet, sampling throughput (images/s: 20',
    'DPM-Solver++ 2M steps of that UNet through the real pipeline, and DCGAN generator passes) and the peak',
    'memory of every cell on each backend, and the same in PyTorch (CPU, 1 and 2 threads) via',
    'scripts/bench/torch_bench.py. Writes <out>/bench.json and <out>/benchmarks.md, and rewrites',
    "docs/benchmarks.md when run in the gen repo (--docs). webgl runs in headless Chromium's software GPU",
    'with fewer repeats. A cell that runs past --limit is stopped and reported from the runs that finished.',
  ].join('\n'),
  options: {
    backends: {
      type: 'string',
      valueName: 'list',
      description: `columns to run, comma-separated from ${BENCH_BACKENDS.join(', ')}`,
      default: [...BENCH_BACKENDS],
      parse: listOption(BENCH_BACKENDS),
    },
    quick: { type: 'boolean', description: 'smaller sizes and batches, fewer repeats (a few minutes)', default: false },
    repeats: { type: 'string', valueName: 'n', description: 'timed runs per cell (median reported)', defaultLabel: '10, or 3 with --quick', parse: integerOption(1, 1000) },
    batch: {
      type: 'string',
      valueName: 'n',
      description: 'batch of the training cells (DCGAN, UNet, shipped UNet), after --config; e.g. 64 for the issue-3 comparison',
      defaultLabel: '64, or 16 / 8 / 8 with --quick',
      parse: integerOption(1, 1024),
    },
    limit: { type: 'string', valueName: 'seconds', description: 'wall-time limit per cell', defaultLabel: '600, or 60 with --quick', parse: integerOption(1, 86_400) },
    out: outOption('./gen-bench'),
    docs: {
      type: 'string',
      valueName: 'file',
      description: "Markdown page to rewrite; 'auto' = docs/benchmarks.md when run in the gen repo, 'none' = skip",
      default: 'auto',
      parse: nonEmptyOption,
    },
    config: {
      type: 'string',
      valueName: 'file',
      description:
        'JSON file overriding fields of the preset (matmulSizes, dcganBatch, dcganChannels, unetBatch, unetChannels, unet2dBatch, unet2dShape, samplingBatch, samplingSteps, guidanceScale, warmup, repeats, maxSeconds, minRepeats)',
      parse: nonEmptyOption,
    },
    python: { type: 'string', valueName: 'path', description: 'Python with torch for the torch columns', default: SYSTEM_PYTHON, parse: nonEmptyOption },
    seed: seedOption(),
  },
  examples: ['gen bench --quick --backends cpu,wasm', 'gen bench --quick --batch 64 --backends wasm,torch --out ./bench-results', 'gen bench            # everything, rewrites docs/benchmarks.md'],
  run: runBenchCommand,
};

async function runBenchCommand({ options, argv, io, verbose }: CommandContext): Promise<number> {
  const backends = options.backends as BenchBackend[];
  const quick = options.quick === true;
  const preset = quick ? QUICK_CONFIG : FULL_CONFIG;
  const base = options.config === undefined ? preset : { ...preset, ...readConfigFile(options.config as string) };
  const repeats = (options.repeats as number | undefined) ?? base.repeats;
  const batch = options.batch as number | undefined;
  const batches = batch === undefined ? {} : { dcganBatch: batch, unetBatch: batch, unet2dBatch: batch };
  const config: BenchConfig = { ...base, ...batches, repeats, minRepeats: Math.min(base.minRepeats, repeats), seed: options.seed as number };
  const limitSeconds = (options.limit as number | undefined) ?? (quick ? 60 : 600);
  const outDir = resolve(options.out as string);
  const docsPath = resolveDocs(options.docs as string);
  const command = ['gen bench', ...argv.filter((arg) => arg !== '--verbose')].join(' ');

  io.stdout.write(`bench: ${backends.join(', ')}${quick ? ' (quick)' : ''}; results go to ${outDir}\n`);
  const bar = new ProgressBar({ total: benchSize(backends, config), label: 'bench', stream: io.stderr });
  let finished = 0;
  const report = await runBench({
    backends,
    config,
    quick,
    limitSeconds,
    command,
    python: options.python as string,
    log: (line) => bar.log(line),
    onEvent: (column, event) => {
      if (event.type === 'start') bar.update(finished, `${column} ${event.id}`);
      if (event.type === 'result') {
        finished += 1;
        const m = event.measurement;
        const value = m.status === 'ok' ? (m.gflops !== undefined ? `${formatNumber(m.gflops)} GFLOP/s` : `${formatNumber(m.medianMs ?? NaN)} ms`) : `${m.status}${m.detail ? ` (${m.detail})` : ''}`;
        if (m.status !== 'skipped' || verbose) bar.log(`${column} ${m.id}: ${value}`);
        bar.update(finished, `${column} ${m.id}`);
      }
    },
  });
  bar.done();

  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, 'bench.json');
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const markdownPath = join(outDir, 'benchmarks.md');
  writeFileSync(markdownPath, formatMarkdown(report, { jsonPath: 'bench.json' }));
  io.stdout.write(`\n${formatMarkdown(report, { heading: false })}\n`);
  io.stdout.write(`wrote ${jsonPath}\nwrote ${markdownPath}\n`);
  if (docsPath) {
    writeDocs(docsPath, report);
    io.stdout.write(`wrote ${docsPath}\n`);
  }
  return 0;
}

const CONFIG_CHECKS: Record<string, (value: unknown) => boolean> = {
  matmulSizes: (v) => Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n) && n >= 1 && n <= 8192),
  dcganBatch: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024,
  dcganChannels: (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 2 && n % 2 === 0),
  unetBatch: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024,
  unetChannels: (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 8 && n % 8 === 0),
  unet2dBatch: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024,
  unet2dShape: (v) => Array.isArray(v) && v.length === 3 && v.every((n) => Number.isInteger(n) && n >= 1 && n <= 256),
  samplingBatch: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024,
  samplingSteps: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000,
  guidanceScale: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  warmup: (v) => Number.isInteger(v) && (v as number) >= 0,
  repeats: (v) => Number.isInteger(v) && (v as number) >= 1,
  maxSeconds: (v) => typeof v === 'number' && v > 0,
  minRepeats: (v) => Number.isInteger(v) && (v as number) >= 1,
};

/** Reads `--config`: a JSON object with some BenchConfig fields (UNet channels: multiples of 8, the GroupNorm groups). */
function readConfigFile(path: string): Partial<BenchConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError('--config', path, `must be a readable JSON file (${String((error as Error).message).split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--config', path, 'must hold a JSON object');
  for (const [key, value] of Object.entries(parsed)) {
    const check = CONFIG_CHECKS[key];
    if (!check) throw new UsageError('--config', path, `has an unknown field "${key}"; fields: ${Object.keys(CONFIG_CHECKS).join(', ')}`);
    if (!check(value)) throw new UsageError('--config', path, `has a bad value for "${key}": ${JSON.stringify(value)}`);
  }
  return parsed as Partial<BenchConfig>;
}

/** `auto` → docs/benchmarks.md of the gen repo containing the cwd; `none` → no page. */
function resolveDocs(value: string): string | undefined {
  if (value === 'none') return undefined;
  if (value !== 'auto') {
    if (!value.endsWith('.md')) throw new UsageError('--docs', value, "must be a .md file, 'auto' or 'none'");
    return resolve(value);
  }
  let directory = process.cwd();
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml')) && existsSync(join(directory, 'packages', 'cli', 'package.json'))) {
      return join(directory, 'docs', 'benchmarks.md');
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return undefined;
}

/** The page gets the tables and, folded at the end, the raw JSON (so the numbers travel with the docs). */
function writeDocs(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  const raw = ['<details><summary>Raw results (bench.json)</summary>', '', '```json', JSON.stringify(report, null, 2), '```', '', '</details>', ''];
  writeFileSync(path, `${formatMarkdown(report)}
${raw.join('\n')}`);
}
