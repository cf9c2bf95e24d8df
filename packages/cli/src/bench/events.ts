import type { Measurement } from './suite';
import { median } from './timing';

/**
 * What a bench session (a worker process, torch_bench.py, the Chromium page) reports,
 * one JSON object per line / call, so the parent can stream progress and stop a
 * measurement that runs past its time limit.
 */
export type BenchEvent =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'start'; id: string }
  | { type: 'sample'; id: string; ms: number; warmup: boolean }
  | { type: 'result'; measurement: Measurement }
  | { type: 'fatal'; message: string };

/** Parses one line of a session's stdout; undefined for anything that is not an event. */
export function parseEvent(line: string): BenchEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(trimmed) as BenchEvent;
    return typeof value === 'object' && value !== null && typeof value.type === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The measurement to report when the time limit stopped `id`: the median of the timed
 * runs that finished, else the warm-up time as a lower bound, else just the limit.
 */
export function timedOutMeasurement(id: string, samples: Array<{ ms: number; warmup: boolean }>, limitSeconds: number): Measurement {
  const timed = samples.filter((s) => !s.warmup).map((s) => s.ms);
  const warmups = samples.filter((s) => s.warmup).map((s) => s.ms);
  if (timed.length > 0) {
    return {
      id,
      status: 'ok',
      medianMs: median(timed),
      minMs: Math.min(...timed),
      repeats: timed.length,
      warmup: warmups.length,
      detail: `the ${limitSeconds} s limit stopped it after ${timed.length} timed run${timed.length === 1 ? '' : 's'}`,
    };
  }
  if (warmups.length > 0) {
    return {
      id,
      status: 'timeout',
      warmupMs: warmups[0],
      detail: `one untimed warm-up run took ${(warmups[0] / 1000).toFixed(1)} s; the ${limitSeconds} s limit stopped the timed runs`,
    };
  }
  return { id, status: 'timeout', detail: `no run finished within the ${limitSeconds} s limit` };
}
