import { benchTrainingWorkers } from './bench-training';
import { median } from './thread-cpu';

describe('benchTrainingWorkers', () => {
  test('runs every worker count in ABBA rounds, times only the steps after warm-up, and prints the table', async () => {
    const calls: Array<{ workers: number; steps: number; seed: number }> = [];
    const lines: string[] = [];
    let disposed = 0;
    await benchTrainingWorkers({
      workerCounts: [1, 2],
      rounds: 2,
      steps: 3,
      warmup: 1,
      log: (line) => lines.push(line),
      train: async ({ workers, steps, seed, onProgress }) => {
        calls.push({ workers, steps, seed });
        for (let step = 1; step <= steps; step++) onProgress({ step });
        return { workers, dispose: () => void disposed++ };
      },
    });
    expect(calls).toEqual([
      { workers: 1, steps: 4, seed: 0 },
      { workers: 2, steps: 4, seed: 0 },
      { workers: 2, steps: 4, seed: 1 },
      { workers: 1, steps: 4, seed: 1 },
    ]);
    expect(disposed).toBe(4);
    expect(lines.filter((line) => line.startsWith('round '))).toHaveLength(4);
    const table = lines.filter((line) => /^\| [12] \|/.test(line));
    expect(table).toHaveLength(2);
    expect(table[0]).toMatch(/^\| 1 \| \d+ \| \d+ \| 1\.00× \| \d+ \| 1\.00× \|$/);
  });

  test('a run that ends before its timed steps is an error', async () => {
    await expect(
      benchTrainingWorkers({ workerCounts: [1], rounds: 1, steps: 5, warmup: 1, log: () => {}, train: async ({ workers }) => ({ workers, dispose: () => {} }) }),
    ).rejects.toThrow('the run ended before its timed steps');
  });

  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
