import type { BenchEvent } from './events';
import { timedOutMeasurement } from './events';
import type { Measurement } from './suite';

/**
 * One running bench session (a child process or a browser page) measuring `ids` in
 * order and reporting events. `stop()` must end it at once (kill the process, close the
 * browser): a tfjs kernel cannot be interrupted from inside.
 */
export interface BenchSession {
  /** Resolves when the session ends (all ids done, crash, or stop()). */
  finished: Promise<{ error?: string }>;
  stop(): void;
}

export type StartSession = (ids: string[], onEvent: (event: BenchEvent) => void) => BenchSession;

export interface SessionRunResult {
  measurements: Measurement[];
  info: Record<string, unknown>;
  /** Set when the session could not run at all (backend unavailable, process failed to start). */
  fatal?: string;
}

/**
 * Runs `ids` through sessions from `start`, restarting a fresh session after any
 * measurement that exceeds `limitSeconds` (it is reported from the runs that did finish)
 * or crashes the session. With `onePerSession`, every measurement gets a fresh session (so a
 * process's peak memory is that measurement's own).
 */
export async function runWithLimits(
  ids: string[],
  start: StartSession,
  limitSeconds: number,
  onEvent: (event: BenchEvent) => void = () => {},
  options: { onePerSession?: boolean } = {},
): Promise<SessionRunResult> {
  const measurements = new Map<string, Measurement>();
  let info: Record<string, unknown> = {};
  let remaining = [...ids];
  while (remaining.length > 0) {
    let current: string | undefined;
    let samples: Array<{ ms: number; warmup: boolean }> = [];
    let fatal: string | undefined;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let session: BenchSession | undefined;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        session?.stop();
      }, limitSeconds * 1000);
    };
    session = start(options.onePerSession ? remaining.slice(0, 1) : remaining, (event) => {
      if (event.type === 'ready') info = { ...info, ...event.info };
      else if (event.type === 'start') {
        current = event.id;
        samples = [];
        arm();
      } else if (event.type === 'sample') samples.push({ ms: event.ms, warmup: event.warmup });
      else if (event.type === 'result') {
        measurements.set(event.measurement.id, event.measurement);
        current = undefined;
      } else if (event.type === 'fatal') fatal = event.message;
      onEvent(event);
    });
    // The limit also covers starting up (loading the backend or Python and building the model).
    arm();
    const { error } = await session.finished;
    if (timer) clearTimeout(timer);

    const collected = (): Measurement[] => ids.map((id) => measurements.get(id)).filter((m): m is Measurement => m !== undefined);
    if (fatal !== undefined) return { measurements: collected(), info, fatal };
    if (current === undefined && !remaining.some((id) => measurements.has(id))) {
      // Ended before its first measurement started: it cannot run here.
      const why = timedOut ? `did not start within the ${limitSeconds} s limit` : error ?? 'the session ended before measuring anything';
      return { measurements: collected(), info, fatal: why };
    }
    if (current !== undefined && !measurements.has(current)) {
      const measurement = timedOut
        ? timedOutMeasurement(current, samples, limitSeconds)
        : { id: current, status: 'failed' as const, detail: error ?? 'the session ended during this measurement' };
      measurements.set(current, measurement);
      onEvent({ type: 'result', measurement });
    }
    const before = remaining.length;
    remaining = remaining.filter((id) => !measurements.has(id));
    if (remaining.length === before) {
      // No progress (the session ended without running anything): give up on the rest.
      for (const id of remaining) measurements.set(id, { id, status: 'failed', detail: error ?? 'the session ended early' });
      break;
    }
  }
  return { measurements: ids.map((id) => measurements.get(id)).filter((m): m is Measurement => m !== undefined), info };
}
