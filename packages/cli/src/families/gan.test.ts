// gen train | sample | eval gan end to end on a tiny GAN and 64 MNIST digits (wasm backend).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { expectSampleSet, gen, jsonLines, pngInfo, readJson, expectSameCheckpoints } from './test-utils';

const TINY = '{"latentDim":8,"generatorWidths":[16,8],"discriminatorWidths":[8,16]}';
const COMMON = ['--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--config', TINY];

describe('gen train | sample | eval gan', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-gan-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (name: string) => join(dir, name);

  test('train writes checkpoints, sample grids, metrics and FID with keep-best', async () => {
    const { code, out, err } = await gen(['train', 'gan', ...COMMON, '--steps', '4', '--every', '2', '--checkpoint-every', '2', '--fid-every', '4', '--fid-n', '20', '--out', run('a')]);
    expect(code).toBe(0);
    expect(out).toContain('trained to step 4');
    expect(out.trim().split('\n').at(-1)).toBe(run('a'));
    expect(err).toMatch(/train gan .*step 4\/4 discriminator [\d.]+ generator [\d.]+ [\d.]+ steps\/s/);
    expect(existsSync(join(run('a'), 'checkpoints', 'step-00000002', 'config.json'))).toBe(true);
    expect(existsSync(join(run('a'), 'checkpoints', 'step-00000004', 'weights.bin'))).toBe(true);
    // 8×8 grid of 28×28 samples with 2 px padding.
    for (const step of ['000002', '000004']) expect(pngInfo(join(run('a'), 'samples', `step-${step}.png`))).toMatchObject({ width: 242, height: 242 });
    const metrics = jsonLines(join(run('a'), 'metrics.jsonl'));
    expect(metrics.at(-1)).toMatchObject({ step: 4, losses: { discriminator: expect.any(Number), generator: expect.any(Number) } });
    const scores = jsonLines(join(run('a'), 'eval.jsonl'));
    expect(scores).toEqual([expect.objectContaining({ step: 4, n: 20, fid: expect.any(Number), floor: expect.any(Number), ratio: expect.any(Number), best: true })]);
    expect(existsSync(join(run('a'), 'best', 'config.json'))).toBe(true);
    expect(readJson(join(run('a'), 'run.json'))).toMatchObject({ family: 'gan', dataset: 'mnist', conditional: false, numClasses: 0 });
  });

  test('--workers 2 trains data-parallel (the same run as --workers 1 up to float rounding)', async () => {
    const args = ['train', 'gan', ...COMMON, '--batch-size', '16', '--steps', '2', '--every', '0', '--fid-every', '0'];
    const two = await gen([...args, '--workers', '2', '--out', run('w2')]);
    expect(two.code).toBe(0);
    expect(two.out).toContain('trained data-parallel on 2 worker threads (--workers 1: one thread)');
    const one = await gen([...args, '--workers', '1', '--out', run('w1')]);
    expect(one.code).toBe(0);
    expect(one.out).not.toContain('data-parallel');
    const last = (name: string) => jsonLines(join(run(name), 'metrics.jsonl')).at(-1) as { losses: Record<string, number> };
    expect(last('w2').losses.discriminator).toBeCloseTo(last('w1').losses.discriminator, 4);
    expect(last('w2').losses.generator).toBeCloseTo(last('w1').losses.generator, 4);
  });

  test('--resume continues to --steps exactly: the same weights and optimizer state as an uninterrupted run', async () => {
    const args = ['train', 'gan', ...COMMON, '--every', '0', '--fid-every', '0', '--checkpoint-every', '2', '--out', run('b')];
    expect((await gen([...args, '--steps', '2'])).code).toBe(0);
    // Without --resume the folder is refused.
    const refused = await gen([...args, '--steps', '4']);
    expect(refused.err).toBe(`gen train gan: --out ("${run('b')}") already holds checkpoints up to step 2: add --resume to continue that run, or choose another --out\n`);
    expect(refused.code).toBe(2);
    const resumed = await gen([...args, '--steps', '4', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    // run.json keeps the first command and each resume's (a resume may change options).
    const record = JSON.parse(readFileSync(join(run('b'), 'run.json'), 'utf8'));
    expect(record.argv).toEqual([...args, '--steps', '2']);
    expect(record.resumes).toEqual([{ fromStep: 2, argv: [...args, '--steps', '4', '--resume'], at: expect.any(String) }]);
    await expectSameCheckpoints(join(run('a'), 'checkpoints', 'step-00000004'), join(run('b'), 'checkpoints', 'step-00000004'));
  });

  test('--max-minutes stops after the step that spends the budget, with a final checkpoint (exit 0), and --resume continues', async () => {
    const args = ['train', 'gan', ...COMMON, '--every', '0', '--fid-every', '0', '--checkpoint-every', '1000', '--workers', '1', '--out', run('t')];
    // 3 ms: every step takes longer, so the run stops after its first.
    const stopped = await gen([...args, '--steps', '1000', '--max-minutes', '0.00005']);
    expect({ code: stopped.code, err: stopped.err.split('\n').filter((line) => !line.startsWith('train gan')).join('') }).toEqual({ code: 0, err: '' });
    expect(stopped.out).toContain(`stopped at step 1 (--max-minutes budget spent); checkpoint: ${join(run('t'), 'checkpoints', 'step-00000001')} (step 1); continue with --resume`);
    const resumed = await gen([...args, '--steps', '2', '--resume', '--max-minutes', '60']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('trained to step 2');
    const bad = await gen([...args, '--steps', '2', '--max-minutes', '0']);
    expect(bad.err).toBe('gen train gan: --max-minutes ("0") must be a number > 0\n');
    expect(bad.code).toBe(2);
  });

  test('sample writes grid.png, samples/NNNN.png, samples.json and the extras; a sample redraws from its seed', async () => {
    const out = run('s');
    const { code, out: stdout, err } = await gen(['sample', 'gan', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '5', '--seed', '7', '--truncation', '0.7', '--interpolate', '--truncation-sweep', '--rows', '2', '--frames', '3', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(join(out, 'grid.png'));
    const json = expectSampleSet(out, 5, { labels: 'none' });
    expect(json.samples.map((s: { seed: number }) => s.seed)).toEqual([7, 8, 9, 10, 11]);
    expect(json).toMatchObject({ family: 'gan', checkpoint: join(run('a'), 'checkpoints', 'step-00000004'), step: 4, truncation: 0.7 });
    // 3 columns (⌈√5⌉) × 2 rows.
    expect(pngInfo(join(out, 'grid.png'))).toMatchObject({ width: 3 * 30 + 2, height: 2 * 30 + 2 });
    expect(pngInfo(join(out, 'interpolation.png'))).toMatchObject({ width: 3 * 30 + 2, height: 2 * 30 + 2 });
    expect(pngInfo(join(out, 'truncation-sweep.png'))).toMatchObject({ width: 6 * 30 + 2, height: 2 * 30 + 2 });

    const single = run('s1');
    expect((await gen(['sample', 'gan', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '1', '--seed', '9', '--truncation', '0.7', '--out', single])).code).toBe(0);
    expect(readFileSync(join(single, 'samples', '0000.png'))).toEqual(readFileSync(join(out, 'samples', '0002.png')));
  });

  test('eval writes metrics.json with FID, floor, ratio and KID', async () => {
    const out = run('e');
    const { code, out: stdout, err } = await gen(['eval', 'gan', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fid [\d.]+ floor [\d.]+ ratio [\d.]+ kid /m);
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'gan', dataset: 'mnist', n: 20, step: 4, conditional: false });
    for (const field of ['fid', 'floor', 'ratio', 'kid', 'kidStd']) expect(typeof metrics[field]).toBe('number');
    expect(metrics.ratio).toBeCloseTo(metrics.fid / metrics.floor, 6);
    expect(metrics.classAccuracy).toBeUndefined();
  });

  test('a conditional hinge + SN GAN: labels in turn or --label, class accuracy in eval', async () => {
    const { code } = await gen(['train', 'gan', ...COMMON, '--conditional', '--loss', 'hinge', '--sn', '--steps', '2', '--every', '0', '--fid-every', '0', '--out', run('c')]);
    expect(code).toBe(0);
    expect(readJson(join(run('c'), 'run.json'))).toMatchObject({ conditional: true, numClasses: 10, architecture: 'conditional', loss: 'hinge' });
    const cycled = await gen(['sample', 'gan', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '12', '--out', run('c-s')]);
    expect(cycled.code).toBe(0);
    expectSampleSet(run('c-s'), 12, { labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1] });
    expect(pngInfo(join(run('c-s'), 'grid.png'))).toMatchObject({ width: 10 * 30 + 2, height: 2 * 30 + 2 });
    expect((await gen(['sample', 'gan', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '3', '--label', '3', '--out', run('c-3')])).code).toBe(0);
    expectSampleSet(run('c-3'), 3, { labels: [3, 3, 3] });
    const evaluated = await gen(['eval', 'gan', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '20', '--out', run('c-e')]);
    expect(evaluated.code).toBe(0);
    expect(readJson(join(run('c-e'), 'metrics.json'))).toMatchObject({ conditional: true, classAccuracy: expect.any(Number) });
  });

  test('sample and eval leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    expect((await gen(['sample', 'gan', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '3', '--interpolate', '--truncation-sweep', '--rows', '2', '--frames', '3', '--out', run('leak')])).code).toBe(0);
    // --truncation Infinity (the default, spelled out) is accepted.
    expect((await gen(['eval', 'gan', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '10', '--truncation', 'Infinity', '--out', run('leak-e')])).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('bad input: one line, exit 2 (command line) or 1 (checkpoint)', () => {
    test.each([
      [['train', 'gann'], 2, 'gen train: family ("gann") has no train command; families: FAMILIES'],
      [['train', 'gan', '--workers', '0'], 2, 'gen train gan: --workers ("0") must be auto or an integer from 1 to 256'],
      [['sample', 'gan', '--n', '4'], 2, 'gen sample gan: --checkpoint is required: gen sample gan --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)'],
      [['eval', 'gan'], 2, 'gen eval gan: --checkpoint is required: gen eval gan --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)'],
      [['sample', 'gan', '--checkpoint', 'RUN_A', '--truncation', '0'], 2, 'gen sample gan: --truncation ("0") must be a number > 0 (Infinity: no truncation)'],
      [['sample', 'gan', '--checkpoint', 'RUN_A', '--truncation', '-1'], 2, 'gen sample gan: --truncation ("-1") must be a number > 0 (Infinity: no truncation)'],
      [['sample', 'gan', '--checkpoint', 'RUN_A', '--n', '0'], 2, 'gen sample gan: --n ("0") must be an integer from 1 to 100000'],
      [['sample', 'gan', '--checkpoint', 'RUN_C', '--label', '10'], 2, 'gen sample gan: --label ("10") must be a class from 0 to 9 (the checkpoint has 10 classes)'],
      [['sample', 'gan', '--checkpoint', 'RUN_A', '--label', '3'], 2, 'gen sample gan: --label ("3") must be omitted: the checkpoint is unconditional'],
      [['sample', 'gan', '--checkpoint', 'NOWHERE'], 2, 'gen sample gan: --checkpoint ("NOWHERE") is not a folder'],
      [['sample', 'gan', '--checkpoint', 'pretrained:cifar'], 2, 'gen sample gan: --checkpoint ("pretrained:cifar") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)'],
      [['eval', 'gan', '--checkpoint', 'RUN_A', '--n', '1001'], 2, 'gen eval gan: --n ("1001") must be an integer from 2 to 1000 for mnist (FID\'s floor needs two disjoint subsets of n real test images out of 2000)'],
      [['train', 'gan', '--loss', 'minimax'], 2, 'gen train gan: --loss ("minimax") must be one of non-saturating, hinge, wasserstein, wgan-gp, least-squares'],
      [['train', 'gan', '--dataset', 'cifar'], 2, 'gen train gan: --dataset ("cifar") must be one of mnist, fashion'],
      [['train', 'gan', '--architecture', 'dcgan', '--conditional'], 2, 'gen train gan: --architecture ("dcgan") is unconditional; with --conditional use one of conditional, acgan, biggan'],
      [['train', 'gan', '--config', '{"depth":3}'], 2, 'gen train gan: --config ("{\\"depth\\":3}") has an unknown field "depth"; fields: latentDim, generatorWidths, discriminatorWidths'],
      [['sample', 'gan', '--checkpoint', 'CORRUPT'], 1, 'gen sample gan: CORRUPT is not a readable gan checkpoint: its config.json is not valid JSON'],
      [['sample', 'gan', '--checkpoint', 'EMPTY'], 1, 'gen sample gan: no checkpoint in EMPTY (expected config.json, step-… checkpoint folders, or a checkpoints/ folder of gen train)'],
    ])('gen %j', async (argv, exitCode, message) => {
      const corrupt = run('corrupt');
      mkdirSync(corrupt, { recursive: true });
      writeFileSync(join(corrupt, 'config.json'), 'not json');
      writeFileSync(join(corrupt, 'weights.bin'), '');
      mkdirSync(run('empty'), { recursive: true });
      const names: Record<string, string> = { RUN_A: run('a'), RUN_C: run('c'), NOWHERE: run('nowhere'), CORRUPT: corrupt, EMPTY: run('empty') };
      const substitute = (text: string) => text.replace(/RUN_A|RUN_C|NOWHERE|CORRUPT|EMPTY/g, (name) => names[name]);
      const { code, out, err } = await gen([...(argv as string[]).map(substitute), '--backend', 'wasm']);
      expect(err).toBe(`${substitute(message as string).replace('FAMILIES', 'clip, dalle, diffusion, gan, unclip, unclip-prior, vae')}\n`);
      expect(code).toBe(exitCode);
      if (exitCode === 2) expect(out).toBe('');
    });
  });
});
