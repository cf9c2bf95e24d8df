export interface Timing {
  /** Median of the timed runs, in ms. */
  medianMs: number;
  minMs: number;
  /** Every timed run, in ms. */
  samplesMs: number[];
  warmup: number;
}

export interface MeasureOptions {
  warmup: number;
  repeats: number;
  /** Stop early once this much time is spent and `minRepeats` runs are timed. */
  maxSeconds?: number;
  minRepeats?: number;
  /** Called after every run with its time (warm-up runs flagged), e.g. to stream partial results. */
  onSample?: (ms: number, warmup: boolean) => void;
}

/**
 * Times `run` (which must await its result's `data()`, so the backend has really finished):
 * `warmup` untimed runs, then up to `repeats` timed ones; reports the median.
 */
export async function measure(run: () => Promise<void>, options: MeasureOptions): Promise<Timing> {
  const { warmup, repeats, maxSeconds = Infinity, minRepeats = 1, onSample } = options;
  for (let i = 0; i < warmup; i++) {
    const t0 = now();
    await run();
    onSample?.(now() - t0, true);
  }
  const samplesMs: number[] = [];
  const started = now();
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    await run();
    samplesMs.push(now() - t0);
    onSample?.(samplesMs[samplesMs.length - 1], false);
    if (samplesMs.length >= minRepeats && (now() - started) / 1000 >= maxSeconds) break;
  }
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), samplesMs, warmup };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function now(): number {
  return globalThis.performance.now();
}
