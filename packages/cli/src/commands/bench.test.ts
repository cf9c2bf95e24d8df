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
    writeFileSync(configPath, JSON.stringify({ matmulSizes: [32, 64], dcganBatch: 2, dcganChannels: [8, 16], unetBatch: 1, unetChannels: [8, 16], warmup: 1, repeats: 2, minRepeats: 1 }));
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
    expect(report.config).toMatchObject({ matmulSizes: [32, 64], dcganBatch: 2, dcganChannels: [8, 16], unetBatch: 1, unetChannels: [8, 16], warmup: 1, repeats: 2 });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.backends.map((b) => b.name)).toEqual(['cpu']);
    const [cpu] = report.backends;
    expect(cpu.status).toBe('ok');
    expect(cpu.info.backend).toBe('cpu');
    expect(cpu.measurements.map((m) => m.id)).toEqual(['matmul-32', 'matmul-64', 'dcgan-train', 'unet-forward', 'unet-train']);
    for (const m of cpu.measurements) {
      expect(m.status).toBe('ok');
      expect(m.medianMs).toBeGreaterThan(0);
      expect(m.minMs).toBeLessThanOrEqual(m.medianMs as number);
      expect(m.repeats).toBeGreaterThanOrEqual(1);
      expect(m.repeats).toBeLessThanOrEqual(2);
    }
    // GFLOP/s = 2n³ / time.
    const matmul = cpu.measurements[1];
    expect(matmul.gflops).toBeCloseTo((2 * 64 ** 3) / ((matmul.medianMs as number) * 1e6), 6);
    // No torch column, so no ratios to torch; no wasm column, so no wasm/cpu ratio.
    expect(report.ratios).toEqual([]);

    const markdown = readFileSync(join(out, 'benchmarks.md'), 'utf8');
    expect(markdown).toContain('| measurement | cpu |');
    expect(markdown).toContain('| matmul 64×64 (GFLOP/s) |');
    expect(markdown).toContain('| UNet train step, batch 1 (ms) |');
    expect(markdown).toContain(report.command);
    const page = readFileSync(join(dir, 'page.md'), 'utf8');
    expect(page.startsWith('# Benchmarks')).toBe(true);
    expect(page).toContain('<summary>Raw results (bench.json)</summary>');

    expect(io.out()).toContain('| DCGAN train step, batch 2 (ms) |');
    expect(io.out()).toContain(`wrote ${join(out, 'bench.json')}`);
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
