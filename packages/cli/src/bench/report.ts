import { imagesPerRun, measurementIds, measurementLabel, type BenchConfig } from './config';
import type { Measurement } from './suite';

/** One column of the report: a tfjs backend, or PyTorch at a thread count. */
export interface BackendResult {
  /** `cpu`, `wasm`, `webgl`, `torch-1t`, `torch-2t`. */
  name: string;
  /** Column heading. */
  label: string;
  /** `unavailable`: the column could not run here at all (see `detail`). */
  status: 'ok' | 'unavailable';
  detail?: string;
  /** What the session reported about itself (versions, renderer, wasm SIMD/threads). */
  info: Record<string, unknown>;
  /** The config this column actually ran (webgl runs fewer repeats). */
  config: BenchConfig;
  measurements: Measurement[];
  /** Wall time of the whole column, seconds. */
  seconds: number;
}

export interface BenchRatio {
  id: string;
  /** e.g. `wasm / torch-1t`: time of the first over time of the second. */
  of: string;
  over: string;
  /** time(of) / time(over): 3 means `of` takes 3× as long. */
  timeRatio: number;
}

export interface BenchReport {
  schema: 1;
  /** The exact command line that produced it. */
  command: string;
  date: string;
  quick: boolean;
  machine: { platform: string; arch: string; cpuModel: string; cpus: number; node: string; loadAverage: { start: number[]; end: number[] } };
  config: BenchConfig;
  /** Per-measurement time limit, seconds. */
  limitSeconds: number;
  backends: BackendResult[];
  ratios: BenchRatio[];
  notes: string[];
}

/** Median time in ms of `id` in a column, when it finished. */
export function timeOf(result: BackendResult | undefined, id: string): number | undefined {
  const measurement = result?.measurements.find((m) => m.id === id);
  return measurement?.status === 'ok' && measurement.medianMs !== undefined ? measurement.medianMs : undefined;
}

/**
 * Ratios worth reading: every column against PyTorch with 1 thread (the same machine and
 * run), and wasm against cpu. Measurements that did not finish give no ratio.
 */
export function computeRatios(backends: BackendResult[], ids: string[]): BenchRatio[] {
  const byName = new Map(backends.map((b) => [b.name, b]));
  const pairs: Array<[string, string]> = [];
  for (const b of backends) if (b.name !== 'torch-1t') pairs.push([b.name, 'torch-1t']);
  pairs.push(['cpu', 'wasm']);
  const ratios: BenchRatio[] = [];
  for (const [of, over] of pairs) {
    for (const id of ids) {
      const a = timeOf(byName.get(of), id);
      const b = timeOf(byName.get(over), id);
      if (a !== undefined && b !== undefined && b > 0) ratios.push({ id, of, over, timeRatio: a / b });
    }
  }
  return ratios;
}

/** One table cell. */
export function formatCell(measurement: Measurement | undefined, column: BackendResult, limitSeconds: number): string {
  if (column.status === 'unavailable') return 'n/a';
  if (!measurement) return '—';
  switch (measurement.status) {
    case 'ok': {
      const value = measurement.gflops ?? measurement.imagesPerSecond ?? measurement.medianMs ?? NaN;
      const text = formatNumber(value);
      return measurement.detail ? `${text}*` : text;
    }
    case 'unsupported':
      return `unsupported (${measurement.detail ?? 'missing kernel'})`;
    case 'timeout': {
      if (measurement.warmupMs === undefined) return `timed out (> ${limitSeconds} s)`;
      // A throughput row gets the bound in its own unit: at most images ÷ the untimed run's time.
      const images = imagesPerRun(measurement.id, column.config);
      return images > 0
        ? `< ${formatNumber(throughputOf(images, measurement.warmupMs))} (1 untimed run; limit hit)`
        : `> ${formatNumber(measurement.warmupMs)} (1 untimed run; limit hit)`;
    }
    case 'failed':
      return `failed: ${measurement.detail ?? ''}`.slice(0, 80);
    default:
      return measurement.detail ?? measurement.status;
  }
}

function throughputOf(images: number, ms: number): number {
  return images / (ms / 1000);
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** The report as Markdown (docs/benchmarks.md and the table `gen bench` prints). */
export function formatMarkdown(report: BenchReport, options: { jsonPath?: string; heading?: boolean } = {}): string {
  const { jsonPath, heading = true } = options;
  const ids = measurementIds(report.config);
  const columns = report.backends;
  const lines: string[] = [];
  if (heading) {
    lines.push('# Benchmarks', '', '<!-- Written by `gen bench`; rerun it to update this page (do not edit the tables by hand). -->', '');
  }
  const torch = columns.find((c) => c.name.startsWith('torch') && c.status === 'ok');
  const m = report.machine;
  lines.push(
    `Measured ${report.date.slice(0, 10)} on ${m.cpuModel} (${m.cpus} cores visible), ${m.platform}/${m.arch}, Node ${m.node}, ` +
      `tfjs ${String(columns.find((c) => c.info.tfjs)?.info.tfjs ?? '4.22.0')}${torch ? `, PyTorch ${String(torch.info.torch)} (CPU)` : ''}.`,
    '',
    'Command:',
    '',
    // scripts/doc-blocks.mjs runs sh blocks: this one takes minutes and writes this very page.
    '```sh no-run: about 10 minutes, needs Chromium and PyTorch; this page is its output',
    report.command,
    '```',
    '',
    `Load average at start / end: ${m.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} / ${m.loadAverage.end.map((x) => x.toFixed(1)).join(' ')}.`,
    '',
    '## Results',
    '',
    'Matmul rows are GFLOP/s and sampling rows images per second (higher is better; images of one run ÷ its median time); the others are the median milliseconds per call (lower is better).',
    '',
    `| measurement | ${columns.map((c) => c.label).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
  );
  for (const id of ids) {
    const cells = columns.map((column) => formatCell(column.measurements.find((x) => x.id === id), column, report.limitSeconds));
    lines.push(`| ${measurementLabel(id, report.config)} | ${cells.join(' | ')} |`);
  }
  lines.push('', `Repeats per cell: ${columns.map((c) => `${c.label}: ${repeatsSummary(c)}`).join('; ')}.`);

  const ratioColumns = columns.filter((c) => c.name !== 'torch-1t' && c.status === 'ok');
  if (report.ratios.length > 0) {
    lines.push('', '## Ratios', '', 'Time ÷ time of PyTorch with 1 thread (same machine, same run; 1.0 = as fast, 10 = ten times slower), and the wasm speed-up over cpu (time on cpu ÷ time on wasm).', '');
    lines.push(`| measurement | ${ratioColumns.map((c) => `${c.label} ÷ torch 1 thread`).join(' | ')} | wasm speed-up over cpu |`);
    lines.push(`|---|${ratioColumns.map(() => '---:').join('|')}|---:|`);
    for (const id of ids) {
      const cells = ratioColumns.map((c) => ratioCell(report, id, c.name, 'torch-1t'));
      lines.push(`| ${measurementLabel(id, report.config).replace(/ \((GFLOP\/s|ms|images\/s)\)$/, '')} | ${cells.join(' | ')} | ${ratioCell(report, id, 'cpu', 'wasm')} |`);
    }
  }

  if (columns.some((c) => c.measurements.some((m) => m.peakTensorBytes !== undefined || m.peakRssBytes !== undefined))) {
    lines.push(
      '',
      '## Peak memory',
      '',
      'Per cell, in MiB: the most bytes held by live tfjs tensors at any moment (`tf.memory().numBytes`: weights, optimizer state, activations) / the peak resident set size of the process that ran it (each cell runs in a fresh process; PyTorch reports only the latter, the browser only the former).',
      '',
      `| measurement | ${columns.map((c) => c.label).join(' | ')} |`,
      `|---|${columns.map(() => '---:').join('|')}|`,
    );
    for (const id of ids) {
      const cells = columns.map((column) => memoryCell(column.measurements.find((x) => x.id === id)));
      lines.push(`| ${measurementLabel(id, report.config).replace(/ \((GFLOP\/s|ms|images\/s)\)$/, '')} | ${cells.join(' | ')} |`);
    }
  }

  const notes = [...report.notes];
  for (const column of columns) {
    if (column.status === 'unavailable') notes.push(`${column.label}: not run — ${column.detail ?? 'unavailable'}.`);
    for (const measurement of column.measurements) {
      if (measurement.detail && (measurement.status === 'ok' || measurement.status === 'timeout' || measurement.status === 'failed')) {
        notes.push(`${column.label}, ${measurement.id}: ${measurement.detail}.`);
      }
    }
    const info = Object.entries(column.info).filter(([key]) => key !== 'tfjs' && key !== 'backend');
    if (info.length > 0) notes.push(`${column.label}: ${info.map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`).join(', ')}.`);
  }
  if (notes.length > 0) lines.push('', '## Notes', '', ...notes.map((note) => `- ${note}`));
  if (jsonPath) lines.push('', `Raw results: \`${jsonPath}\`.`);
  lines.push('');
  return lines.join('\n');
}

function ratioCell(report: BenchReport, id: string, of: string, over: string): string {
  const ratio = report.ratios.find((r) => r.id === id && r.of === of && r.over === over);
  if (!ratio) return '—';
  // For matmul the time ratio is the inverse of the GFLOP/s ratio: both say the same thing.
  return `${formatNumber(ratio.timeRatio)}×`;
}

/** `tensors / RSS` in MiB, `—` for a part not measured. */
export function memoryCell(measurement: Measurement | undefined): string {
  if (!measurement || (measurement.peakTensorBytes === undefined && measurement.peakRssBytes === undefined)) return '—';
  const mb = (bytes: number | undefined): string => (bytes === undefined ? '—' : formatNumber(bytes / 2 ** 20));
  return `${mb(measurement.peakTensorBytes)} / ${mb(measurement.peakRssBytes)}`;
}

function repeatsSummary(column: BackendResult): string {
  if (column.status === 'unavailable') return 'not run';
  return `warm-up ${column.config.warmup}, median of ≤ ${column.config.repeats}`;
}
