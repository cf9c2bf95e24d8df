// gen train | sample | eval dalle end to end on a tiny VQ-VAE, a tiny transformer and 64 MNIST digits (wasm backend).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expectSameCheckpoints, gen, jsonLines, pngInfo, readJson } from './test-utils';

const VQ = ['train', 'vae', '--model', 'vq-vae', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--codebook-size', '16', '--code-dim', '4', '--config', '{"blockChannels":[4,4,4],"normGroups":2}', '--steps', '2'];
const TINY = '{"width":16,"layers":1,"heads":2,"mlpRatio":2}';
const COMMON = ['--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--captions-per-image', '1', '--vocab-size', '600', '--text-length', '12', '--warmup', '2', '--config', TINY];

describe('gen train | sample | eval dalle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-dalle-test-'));
    const vq = await gen([...VQ, '--out', join(dir, 'vq')]);
    if (vq.code !== 0) throw new Error(`gen train vae --model vq-vae failed: ${vq.err}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string) => join(dir, name);

  test('train writes checkpoints (tokenizer, VQ location), metrics and run.json; --resume continues exactly', async () => {
    const args = ['train', 'dalle', ...COMMON, '--vq', run('vq'), '--checkpoint-every', '2'];
    const { code, out, err } = await gen([...args, '--steps', '4', '--out', run('a')]);
    expect(err).toMatch(/train dalle .*step 4\/4 loss [\d.]+ imageLoss [\d.]+ textLoss [\d.]+/);
    expect(code).toBe(0);
    expect(out).toContain('64 caption–image pairs, 49 image tokens each (codebook 16)');
    const config = readJson(join(run('a'), 'checkpoints', 'step-00000004', 'config.json')).userDefinedMetadata.genCheckpoint.config;
    expect(config).toMatchObject({
      family: 'dalle',
      model: { kind: 'dalle-transformer', textLength: 12, imageVocabSize: 16, tokenShape: [7, 7], width: 16 },
      tokenizer: { format: 'gen-bpe', maxLength: 12 },
      training: { batchSize: 8, textLossWeight: 0.125 },
    });
    expect(config.vq).toContain(join('vq', 'checkpoints', 'step-00000002'));
    expect(jsonLines(join(run('a'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 4, losses: { imageLoss: expect.any(Number) } });
    expect(readJson(join(run('a'), 'run.json'))).toMatchObject({ family: 'dalle', dataset: 'mnist', numClasses: 10 });

    expect((await gen([...args, '--steps', '2', '--out', run('b')])).code).toBe(0);
    const resumed = await gen([...args, '--steps', '4', '--resume', '--out', run('b')]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    await expectSameCheckpoints(join(run('a'), 'checkpoints', 'step-00000004'), join(run('b'), 'checkpoints', 'step-00000004'));
  });

  test('sample writes the prompt’s images (28×28 PNGs, grid, samples.json); re-ranked by a CLIP with --clip', async () => {
    const before = tf.memory().numTensors;
    const { code, out, err } = await gen(['sample', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--prompt', 'a bold seven', '--n', '3', '--top-k', '8', '--out', run('s')]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const printed = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(printed).toMatchObject({ prompt: 'a bold seven', n: 3, top: 3 });
    const json = readJson(join(run('s'), 'samples.json'));
    expect(json).toMatchObject({ family: 'dalle', prompt: 'a bold seven', topK: 8, topP: 1 });
    expect(json.samples).toHaveLength(3);
    for (const sample of json.samples) expect(pngInfo(join(run('s'), sample.file))).toEqual({ width: 28, height: 28, bitDepth: 8, colorType: 0 });
    expect(existsSync(join(run('s'), 'grid.png'))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);

    // Caption dropout and token noise in training, classifier-free guidance in sampling.
    const guidedRun = await gen(['train', 'dalle', ...COMMON, '--vq', run('vq'), '--steps', '2', '--text-drop', '0.2', '--text-noise', '0.1', '--out', run('g')]);
    expect(guidedRun.code).toBe(0);
    const guidedConfig = readJson(join(run('g'), 'checkpoints', 'step-00000002', 'config.json')).userDefinedMetadata.genCheckpoint.config;
    expect(guidedConfig.training).toMatchObject({ textDropProb: 0.2, textNoiseProb: 0.1 });
    const guided = await gen(['sample', 'dalle', '--checkpoint', run('g'), '--backend', 'wasm', '--prompt', 'a bold seven', '--n', '2', '--guidance', '3', '--out', run('gs')]);
    expect({ code: guided.code, err: guided.err }).toEqual({ code: 0, err: '' });
    expect(readJson(join(run('gs'), 'samples.json'))).toMatchObject({ guidanceScale: 3 });
    expect(tf.memory().numTensors).toBe(before);

    const clip = await gen(['train', 'clip', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '32', '--vocab-size', '600', '--max-length', '16', '--steps', '1', '--config', '{"embedDim":8,"text":{"width":8,"layers":1,"heads":2},"image":{"widths":[4,4,4],"outFeatures":8}}', '--out', run('clip')]);
    expect({ code: clip.code, err: clip.err.split('\n').filter((line) => !line.includes('train clip')).join('\n') }).toEqual({ code: 0, err: '' });
    const ranked = await gen(['sample', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--prompt', 'a bold seven', '--n', '4', '--clip', run('clip'), '--top', '2', '--out', run('r')]);
    expect({ code: ranked.code, err: ranked.err }).toEqual({ code: 0, err: '' });
    const rankedJson = readJson(join(run('r'), 'samples.json'));
    expect(rankedJson.samples).toHaveLength(2);
    expect(rankedJson.clipScores).toHaveLength(2);
    expect(rankedJson.clipScores[0]).toBeGreaterThanOrEqual(rankedJson.clipScores[1]);
  });

  test('eval measures the plain and the CLIP re-ranked route on the same prompts: accuracy, FID / floor / ratio, s/image', async () => {
    const { code, out, err } = await gen(['eval', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--batch-size', '8', '--clip', run('clip'), '--candidates', '2', '--top-k', '8', '--out', run('e')]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/^transformer: prompted-class accuracy [\d.]+% \(worst: .+, n 20, held-out prompts\); FID [\d.]+, floor [\d.]+, ratio [\d.]+×; [\d.]+ s\/image$/m);
    expect(out).toMatch(/^transformer \+ CLIP re-ranking \(best of 2\): prompted-class accuracy [\d.]+%/m);
    const metrics = readJson(join(run('e'), 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'dalle', dataset: 'mnist', prompts: 'held-out templates', plain: { n: 20, settings: { candidates: 1, topK: 8 } }, reranked: { n: 20, settings: { candidates: 2 } } });
    for (const route of [metrics.plain, metrics.reranked]) {
      expect(route.accuracy).toBeGreaterThanOrEqual(0);
      expect(route.accuracy).toBeLessThanOrEqual(1);
      expect(route.ratio).toBeCloseTo(route.fid / route.floor, 9);
      expect(route.classFractions.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(metrics.plain.examples).toEqual(metrics.reranked.examples);

    // Without --clip: the plain route only.
    const plainOnly = await gen(['eval', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--out', run('e1')]);
    expect({ code: plainOnly.code, err: plainOnly.err }).toEqual({ code: 0, err: '' });
    expect(plainOnly.out).not.toContain('re-ranking');
    expect(readJson(join(run('e1'), 'metrics.json')).reranked).toBeUndefined();
    const noClip = await gen(['eval', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--candidates', '2']);
    expect(noClip.err).toBe('gen eval dalle: --candidates ("2") needs --clip (the CLIP that re-ranks the candidates)\n');
    expect(noClip.code).toBe(2);
  });

  test('bad input is one line with exit 2', async () => {
    const noVq = await gen(['train', 'dalle', ...COMMON, '--steps', '1', '--out', run('c')]);
    expect(noVq.err).toBe('gen train dalle: --vq is required: gen train dalle --vq <dir> (a run folder of gen train vae --model vq-vae)\n');
    expect(noVq.code).toBe(2);
    const noPrompt = await gen(['sample', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm']);
    expect(noPrompt.err).toBe('gen sample dalle: --prompt is required: gen sample dalle --checkpoint <dir> --prompt "a bold seven"\n');
    expect(noPrompt.code).toBe(2);
    const guidance = await gen(['sample', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--prompt', 'a seven', '--guidance', '-1']);
    expect(guidance.err).toBe('gen sample dalle: --guidance ("-1") must be a finite number >= 0 (1: off)\n');
    expect(guidance.code).toBe(2);
    const drop = await gen(['train', 'dalle', ...COMMON, '--vq', run('vq'), '--steps', '1', '--text-drop', '1', '--out', run('c')]);
    expect(drop.err).toBe('gen train dalle: --text-drop ("1") must be a number in [0, 1)\n');
    expect(drop.code).toBe(2);
    const topP = await gen(['sample', 'dalle', '--checkpoint', run('a'), '--backend', 'wasm', '--prompt', 'a seven', '--top-p', '1.5']);
    expect(topP.err).toBe('gen sample dalle: --top-p ("1.5") must be in (0, 1]\n');
    expect(topP.code).toBe(2);
  });
});
