// gen train | eval clip end to end on a tiny dual encoder and 256 MNIST digits (wasm backend).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { gen, jsonLines, readJson, expectSameCheckpoints } from './test-utils';

const TINY = '{"embedDim":16,"text":{"width":16,"layers":1,"heads":2},"image":{"widths":[4,8,8],"outFeatures":16}}';
const COMMON = ['--backend', 'wasm', '--batch-size', '16', '--limit-data', '256', '--vocab-size', '600', '--max-length', '24', '--config', TINY];

describe('gen train | eval clip', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-clip-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string) => join(dir, name);

  test('train writes checkpoints with the tokenizer, metrics and run.json', async () => {
    const { code, out, err } = await gen(['train', 'clip', ...COMMON, '--steps', '4', '--checkpoint-every', '2', '--out', run('a')]);
    expect(err).toMatch(/train clip .*step 4\/4 loss [\d.]+ logitScale [\d.]+/);
    expect(code).toBe(0);
    expect(out).toContain('trained to step 4');
    const config = readJson(join(run('a'), 'checkpoints', 'step-00000004', 'config.json')).userDefinedMetadata.genCheckpoint.config;
    expect(config).toMatchObject({ family: 'clip', tokenizer: { format: 'gen-bpe', maxLength: 24 }, model: { embedDim: 16 }, training: { dataset: 'mnist/train[:256]' } });
    expect(config.captions.thresholds.strokeWidth.low).toBeLessThan(config.captions.thresholds.strokeWidth.high);
    expect(jsonLines(join(run('a'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 4, losses: { loss: expect.any(Number) } });
    expect(readJson(join(run('a'), 'run.json'))).toMatchObject({ family: 'clip', dataset: 'mnist', numClasses: 10 });
  });

  test('--resume continues to --steps exactly: the same weights and optimizer state as an uninterrupted run', async () => {
    const args = ['train', 'clip', ...COMMON, '--checkpoint-every', '2', '--out', run('b')];
    expect((await gen([...args, '--steps', '2'])).code).toBe(0);
    const resumed = await gen([...args, '--steps', '4', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    await expectSameCheckpoints(join(run('a'), 'checkpoints', 'step-00000004'), join(run('b'), 'checkpoints', 'step-00000004'));
  });

  test('eval prints zero-shot accuracy with training and held-out templates as JSON and writes metrics.json', async () => {
    const before = tf.memory().numTensors;
    const { code, out, err } = await gen(['eval', 'clip', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '40', '--out', run('eval')]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(out.split('\n').find((line) => line.startsWith('{'))!);
    expect(printed).toMatchObject({ dataset: 'mnist', n: 40, trainingTemplates: expect.any(Number), heldOutTemplates: expect.any(Number) });
    for (const key of ['trainingTemplates', 'heldOutTemplates']) expect(printed[key] * 40).toBeCloseTo(Math.round(printed[key] * 40), 6);
    const metrics = readJson(join(run('eval'), 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'clip', step: 4, split: 'test', n: 40, labels: expect.arrayContaining(['a seven', 'a zero']) });
    expect(metrics.heldOutTemplates.templates).toContain('a sketch of {}');
    expect(metrics.trainingTemplates.templates).toContain('a photo of {}');
    expect(existsSync(printed.metrics)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('eval --checkpoint pretrained:<name> resolves through @gen/clip-guidance/node (here: a checkout under the current directory)', async () => {
    // Before the maintainer ships pretrained/mnist, @gen/clip-guidance/node falls back to
    // packages/clip-guidance/pretrained/mnist under the current directory; after, it finds the shipped one.
    const checkout = run('checkout');
    cpSync(join(run('a'), 'checkpoints', 'step-00000004'), join(checkout, 'packages', 'clip-guidance', 'pretrained', 'mnist'), { recursive: true });
    const cwd = process.cwd();
    process.chdir(checkout);
    try {
      const { code, out, err } = await gen(['eval', 'clip', '--checkpoint', 'pretrained:mnist', '--backend', 'wasm', '--n', '20', '--out', run('eval-pretrained')]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(out.split('\n').find((line) => line.startsWith('{'))!)).toMatchObject({ dataset: 'mnist', n: 20 });
      const metrics = readJson(join(run('eval-pretrained'), 'metrics.json'));
      expect(metrics).toMatchObject({ family: 'clip', step: null, dataset: 'mnist', n: 20 });
      expect(metrics.checkpoint).toMatch(/[\\/]pretrained[\\/]mnist$/);
    } finally {
      process.chdir(cwd);
    }
  });

  test('eval --checkpoint pretrained:<name> that is not shipped: one line listing the shipped names, exit 2', async () => {
    const { code, out, err } = await gen(['eval', 'clip', '--checkpoint', 'pretrained:nope', '--backend', 'wasm', '--out', run('eval-nope')]);
    expect(err).toBe('gen eval clip: --checkpoint ("pretrained:nope") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)\n');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(existsSync(run('eval-nope'))).toBe(false);
  });

  test('bad input is one line with exit 2, another family\'s checkpoint exit 1', async () => {
    const small = await gen(['train', 'clip', ...COMMON, '--batch-size', '1', '--steps', '1', '--out', run('c')]);
    expect(small.code).toBe(2);
    expect(small.err).toBe('gen train clip: --batch-size ("1") must be an integer from 2 to 65536\n');
    const bad = await gen(['train', 'clip', '--backend', 'wasm', '--limit-data', '32', '--batch-size', '8', '--config', '{"colour":1}', '--steps', '1', '--out', run('d')]);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')).toHaveLength(2);
    const missing = await gen(['eval', 'clip', '--backend', 'wasm']);
    expect(missing.code).toBe(2);
    expect(missing.err.split('\n')).toHaveLength(2);
  });
});
