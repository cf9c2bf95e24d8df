import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchReport } from '../bench/report';
import { main } from '../main';
import { memoryIO } from '../output';

// Runs the real `gen bench` on cpu in-process (jest runs sources, so there is no built
// worker) with a tiny config. No torch, no Chromium here: those columns need the machine.
describe('gen bench --quick --backends cpu (tiny config)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-bench-test-'));
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes well-formed JSON and Markdown and prints the table', async () => {
    const configPath = join(dir, 'tiny.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        matmulSizes: [32, 64], dcganBatch: 2, dcganChannels: [8, 16], unetBatch: 1, unetChannels: [8, 16],
        unet2dBatch: 1, unet2dShape: [2, 2, 4], samplingBatch: 2, samplingSteps: 2, guidanceScale: 1.5, warmup: 1, repeats: 2, minRepeats: 1,
      }),
    );
    const out = join(dir, 'out');
    const io = memoryIO();
    const tensorsBefore = tf.memory().numTensors;
    const code = await main(['bench', '--quick', '--backends', 'cpu', '--config', configPath, '--out', out, '--docs', join(dir, 'page.md')], { io });
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchReport;
    expect(report.schema).toBe(1);
    expect(report.quick).toBe(true);
    expect(report.command).toBe(`gen bench --quick --backends cpu --config ${configPath} --out ${out} --docs ${join(dir, 'page.md')}`);
    expect(report.config).toMatchObject({
      matmulSizes: [32, 64], dcganBatch: 2, dcganChannels: [8, 16], unetBatch: 1, unetChannels: [8, 16],
      unet2dBatch: 1, unet2dShape: [2, 2, 4], samplingBatch: 2, samplingSteps: 2, guidanceScale: 1.5, warmup: 1, repeats: 2,
    });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.backends.map((b) => b.name)).toEqual(['cpu']);
    const [cpu] = report.backends;
    expect(cpu.status).toBe('ok');
    expect(cpu.info.backend).toBe('cpu');
    expect(cpu.measurements.map((m) => m.id)).toEqual(['matmul-32', 'matmul-64', 'dcgan-train', 'unet-forward', 'unet-train', 'unet2d-train', 'sample-unet', 'sample-gan']);
    for (const m of cpu.measurements) {
      expect(m.status).toBe('ok');
      expect(m.medianMs).toBeGreaterThan(0);
      expect(m.minMs).toBeLessThanOrEqual(m.medianMs as number);
      expect(m.repeats).toBeGreaterThanOrEqual(1);
      expect(m.repeats).toBeLessThanOrEqual(2);
      // Peak memory of every cell: live tensor bytes (at least the inputs) and the process's RSS.
      expect(m.peakTensorBytes).toBeGreaterThan(0);
      expect(m.peakRssBytes).toBeGreaterThan(m.peakTensorBytes as number);
    }
    // GFLOP/s = 2n³ / time.
    const matmul = cpu.measurements[1];
    expect(matmul.gflops).toBeCloseTo((2 * 64 ** 3) / ((matmul.medianMs as number) * 1e6), 6);
    // images/s = images of one run / median time; only the sampling cells have it.
    for (const id of ['sample-unet', 'sample-gan']) {
      const m = cpu.measurements.find((x) => x.id === id)!;
      expect(m.imagesPerSecond).toBeCloseTo(2 / ((m.medianMs as number) / 1000), 6);
    }
    expect(cpu.measurements.filter((m) => m.imagesPerSecond !== undefined).map((m) => m.id)).toEqual(['sample-unet', 'sample-gan']);
    // The shipped UNet's step holds its weights and Adam's two moments: well over 3 × 4 bytes × ~0.9 M parameters.
    expect(cpu.measurements.find((m) => m.id === 'unet2d-train')!.peakTensorBytes).toBeGreaterThan(3 * 4 * 0.8e6);
    // No torch column, so no ratios to torch; no wasm column, so no wasm/cpu ratio.
    expect(report.ratios).toEqual([]);

    const markdown = readFileSync(join(out, 'benchmarks.md'), 'utf8');
    expect(markdown).toContain('| measurement | cpu |');
    expect(markdown).toContain('| matmul 64×64 (GFLOP/s) |');
    expect(markdown).toContain('| UNet train step, batch 1 (ms) |');
    expect(markdown).toContain('| shipped UNet (2×2×4) train step, batch 1 (ms) |');
    expect(markdown).toContain('| sampling, 2 steps, guidance 1.5, batch 2 (images/s) |');
    expect(markdown).toContain('| DCGAN sampling, batch 2 (images/s) |');
    expect(markdown).toContain('## Peak memory');
    expect(markdown).toMatch(/\| sampling, 2 steps, guidance 1\.5, batch 2 \| [\d.]+ \/ [\d.]+ \|/);
    expect(markdown).toContain('DPM-Solver++ 2M');
    expect(markdown).toContain(report.command);
    const page = readFileSync(join(dir, 'page.md'), 'utf8');
    expect(page.startsWith('# Benchmarks')).toBe(true);
    expect(page).toContain('<summary>Raw results (bench.json)</summary>');

    expect(io.out()).toContain('| DCGAN train step, batch 2 (ms) |');
    expect(io.out()).toContain(`wrote ${join(out, 'bench.json')}`);
  });

  test('--batch sets the batch of the training cells', async () => {
    const configPath = join(dir, 'batch.json');
    writeFileSync(configPath, JSON.stringify({ matmulSizes: [8], dcganChannels: [8, 16], unetChannels: [8, 16], unet2dShape: [2, 2, 4], samplingBatch: 1, samplingSteps: 1, warmup: 0, repeats: 1, minRepeats: 1 }));
    const out = join(dir, 'batch');
    const io = memoryIO();
    // Only the config is checked here: --backends torch with a python that does not exist runs nothing.
    const code = await main(['bench', '--quick', '--batch', '3', '--backends', 'torch', '--python', join(dir, 'no-python'), '--config', configPath, '--out', out, '--docs', 'none'], { io });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchReport;
    expect(report.config).toMatchObject({ dcganBatch: 3, unetBatch: 3, unet2dBatch: 3, samplingBatch: 1 });
    expect(report.backends.map((b) => b.status)).toEqual(['unavailable', 'unavailable']);
    expect(io.out()).toContain('| DCGAN train step, batch 3 (ms) |');
  });

  test('--config errors are usage errors', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ unetBatch: 0 }));
    const io = memoryIO();
    expect(await main(['bench', '--config', bad], { io })).toBe(2);
    expect(io.err()).toBe(`gen bench: --config (${JSON.stringify(bad)}) has a bad value for "unetBatch": 0\n`);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ batch: 4 }));
    const io2 = memoryIO();
    expect(await main(['bench', '--config', unknown], { io: io2 })).toBe(2);
    expect(io2.err()).toMatch(/^gen bench: --config \(".*unknown.json"\) has an unknown field "batch"; fields: matmulSizes, /);
  });
});
