// CPU time per thread of this process (Linux /proc/self/task), for the data-parallel benchmarks:
// the busiest thread's CPU time is the step time an idle machine would give, if nothing waited.
import * as fs from 'node:fs';

/** CPU time (ms) of every thread of this process, by thread id (Linux only; empty elsewhere). */
export function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * tick);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The most CPU time (ms) any one thread spent between two `threadCpuMs()` readings. */
export function busiestThreadMs(before: Map<string, number>, after: Map<string, number>): number {
  let most = 0;
  for (const [tid, ms] of after) most = Math.max(most, ms - (before.get(tid) ?? 0));
  return most;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
