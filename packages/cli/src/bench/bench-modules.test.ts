import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { QUICK_CONFIG, imagesPerRun, isThroughput, measurementIds, measurementLabel } from './config';
import type { BenchEvent } from './events';
import { computeRatios, formatCell, formatMarkdown, memoryCell, type BackendResult, type BenchReport } from './report';
import { runWithLimits, type StartSession } from './session';
import { throughput, trackPeakTensorBytes, type Measurement } from './suite';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sampling cells', () => {
  test('ids, labels and which cells are images/s', () => {
    const config = { ...QUICK_CONFIG, samplingBatch: 8, samplingSteps: 20, guidanceScale: 1.5, unet2dBatch: 64, unet2dShape: [7, 7, 4] as [number, number, number] };
    expect(measurementIds(config).slice(-3)).toEqual(['unet2d-train', 'sample-unet', 'sample-gan']);
    expect(measurementLabel('sample-unet', config)).toBe('sampling, 20 steps, guidance 1.5, batch 8 (images/s)');
    expect(measurementLabel('sample-unet', { ...config, guidanceScale: 1 })).toBe('sampling, 20 steps, batch 8 (images/s)');
    expect(measurementLabel('sample-gan', config)).toBe('DCGAN sampling, batch 8 (images/s)');
    expect(measurementLabel('unet2d-train', config)).toBe('shipped UNet (7×7×4) train step, batch 64 (ms)');
    expect(measurementIds(config).filter(isThroughput)).toEqual(['sample-unet', 'sample-gan']);
    expect(imagesPerRun('sample-unet', config)).toBe(8);
    expect(imagesPerRun('unet2d-train', config)).toBe(0);
  });

  test('images/s is the images of one run over the median time', () => {
    expect(throughput(8, 2000)).toBe(4);
    expect(throughput(64, 16)).toBe(4000);
  });
});

describe('trackPeakTensorBytes', () => {
  test('keeps the most bytes live at any moment, and stops cleanly', () => {
    const before = tf.memory().numBytes;
    const tracker = trackPeakTensorBytes();
    const a = tf.zeros([1000]); // 4000 bytes
    const b = tf.zeros([500]); // 2000 bytes
    a.dispose();
    b.dispose();
    const c = tf.zeros([100]);
    expect(tracker.peak()).toBe(before + 6000);
    expect(tf.memory().numBytes).toBe(before + 400);
    tracker.stop();
    c.dispose();
    expect(tf.memory().numBytes).toBe(before);
    // After stop() the engine's field is a plain value again.
    const d = tf.zeros([10]);
    expect(tf.memory().numBytes).toBe(before + 40);
    expect(tracker.peak()).toBe(before + 6000);
    d.dispose();
  });
});

describe('report', () => {
  const config = { ...QUICK_CONFIG, matmulSizes: [64], samplingBatch: 4 };
  const column = (name: string, label: string, measurements: Measurement[]): BackendResult => ({ name, label, status: 'ok', info: {}, config, measurements, seconds: 1 });
  const wasm = column('wasm', 'wasm', [
    { id: 'sample-unet', status: 'ok', medianMs: 2000, minMs: 1900, repeats: 2, warmup: 1, imagesPerSecond: 2, peakTensorBytes: 3 * 2 ** 20, peakRssBytes: 150 * 2 ** 20 },
    { id: 'unet2d-train', status: 'ok', medianMs: 900, minMs: 800, repeats: 2, warmup: 1, peakTensorBytes: 12.5 * 2 ** 20, peakRssBytes: 300 * 2 ** 20 },
  ]);
  const torch = column('torch-1t', 'torch 1 thread', [
    { id: 'sample-unet', status: 'ok', medianMs: 500, minMs: 480, repeats: 2, warmup: 1, imagesPerSecond: 8, peakRssBytes: 200 * 2 ** 20 },
    { id: 'unet2d-train', status: 'ok', medianMs: 300, minMs: 290, repeats: 2, warmup: 1, peakRssBytes: 210 * 2 ** 20 },
  ]);

  test('a sampling cell shows images/s; memory cells show tensors / RSS in MiB', () => {
    expect(formatCell(wasm.measurements[0], wasm, 60)).toBe('2.00');
    expect(formatCell(wasm.measurements[1], wasm, 60)).toBe('900');
    expect(memoryCell(wasm.measurements[1])).toBe('12.5 / 300');
    expect(memoryCell(torch.measurements[0])).toBe('— / 200');
    expect(memoryCell({ id: 'x', status: 'timeout' })).toBe('—');
    // A sampling cell stopped by the limit gives an upper bound in images/s; a time cell a lower bound in ms.
    expect(formatCell({ id: 'sample-unet', status: 'timeout', warmupMs: 200_000 }, wasm, 300)).toBe('< 0.020 (1 untimed run; limit hit)');
    expect(formatCell({ id: 'unet2d-train', status: 'timeout', warmupMs: 200_000 }, wasm, 300)).toBe('> 200000 (1 untimed run; limit hit)');
    expect(memoryCell(undefined)).toBe('—');
  });

  test('ratios of sampling cells are time ratios (the inverse of the images/s ratio)', () => {
    const ratios = computeRatios([wasm, torch], ['unet2d-train', 'sample-unet']);
    expect(ratios).toEqual([
      { id: 'unet2d-train', of: 'wasm', over: 'torch-1t', timeRatio: 3 },
      { id: 'sample-unet', of: 'wasm', over: 'torch-1t', timeRatio: 4 },
    ]);
  });

  test('the page has a sampling row, its ratio and a peak-memory table', () => {
    const report: BenchReport = {
      schema: 1,
      command: 'gen bench --quick --backends wasm,torch',
      date: '2026-11-26T00:00:00.000Z',
      quick: true,
      machine: { platform: 'linux', arch: 'x64', cpuModel: 'CPU', cpus: 2, node: 'v20', loadAverage: { start: [1, 1, 1], end: [1, 1, 1] } },
      config,
      limitSeconds: 60,
      backends: [wasm, torch],
      ratios: computeRatios([wasm, torch], measurementIds(config)),
      notes: [],
    };
    const markdown = formatMarkdown(report);
    expect(markdown).toContain('| sampling, 20 steps, guidance 1.5, batch 4 (images/s) | 2.00 | 8.00 |');
    expect(markdown).toContain('| sampling, 20 steps, guidance 1.5, batch 4 | 4.00× | — |');
    expect(markdown).toContain('## Peak memory');
    expect(markdown).toContain('| shipped UNet (7×7×4) train step, batch 8 | 12.5 / 300 | — / 210 |');
    expect(markdown.indexOf('## Ratios')).toBeLessThan(markdown.indexOf('## Peak memory'));
  });
});

describe('runWithLimits onePerSession', () => {
  test('starts a fresh session for every measurement', async () => {
    const calls: string[][] = [];
    const start: StartSession = (ids, onEvent) => {
      calls.push(ids);
      const emit = (event: BenchEvent): void => onEvent(event);
      const finished = (async () => {
        emit({ type: 'ready', info: { session: calls.length } });
        for (const id of ids) {
          emit({ type: 'start', id });
          emit({ type: 'result', measurement: { id, status: 'ok', medianMs: 1, minMs: 1, repeats: 1, warmup: 0 } });
        }
        return {};
      })();
      return { finished, stop: () => {} };
    };
    const result = await runWithLimits(['a', 'b', 'c'], start, 10, () => {}, { onePerSession: true });
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']].map((ids) => ids.slice(0, 1)));
    expect(result.measurements.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(result.info).toEqual({ session: 3 });
    calls.length = 0;
    await runWithLimits(['a', 'b'], start, 10);
    expect(calls).toEqual([['a', 'b']]);
  });
});
