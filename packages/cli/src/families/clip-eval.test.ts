// gen eval gan|diffusion --clip (prompted-class accuracy of CLIP-guided sampling) and the class
// handling of gen sample --prompt on conditional checkpoints, end to end on tiny untrained
// checkpoints (wasm backend): a 28×28 CLIP, an unconditional and an ACGAN generator saved through
// the packages' APIs, and a latent class-conditional diffusion UNet from one training step.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { BpeTokenizer, Clip, ClipModel, saveClip } from '@gen/clip-guidance';
import { createGenerator, ganConfig, saveGan } from '@gen/gan';
import { AutoencoderKL } from '@gen/vae';
import { expectSampleSet, gen, readJson } from './test-utils';

const UNET = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":false,"normNumGroups":2,"timeEmbeddingDim":8}';
const LINE = /^clip-guided accuracy [\d.]+ \(worst class \d "\d" [\d.]+\), [\d.]+ s\/image \(cpu [\d.]+ s\); n (\d+), held-out prompts, (.*) \(mnist feature classifier\); fid [\d.]+ floor [\d.]+ ratio [\d.]+$/m;

describe('gen eval gan|diffusion --clip', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-clip-eval-test-'));
    await tf.setBackend('wasm');
    const tokenizer = BpeTokenizer.train(['a close-up of a zero', 'i see the digit 1', 'a sketch of the number two', 'there is a handwritten 3 in this picture'], { vocabSize: 560, maxLength: 16 });
    const model = ClipModel.fromConfig(
      { embedDim: 16, text: { width: 16, layers: 1, heads: 2, mlpRatio: 2, vocabSize: tokenizer.vocabSize, contextLength: 16 }, image: { height: 28, width: 28, channels: 1, widths: [4, 8], outFeatures: 16 } },
      new core.Generator(1),
    );
    const clip = new Clip(model, tokenizer);
    await saveClip(coreNode.fileCheckpoint(path('clip')), clip);
    clip.dispose();
    for (const [name, numClasses] of [['gan', 0], ['acgan', 10]] as const) {
      const config = ganConfig({ architecture: numClasses > 0 ? 'acgan' : 'dcgan', height: 28, width: 28, channels: 1, latentDim: 8, generatorWidths: [8, 4], numClasses });
      const generator = createGenerator(config.generator, new core.Generator(2));
      await saveGan(coreNode.fileCheckpoint(path(name)), { generator, training: { dataset: 'mnist' } });
      generator.dispose();
    }
    // A tiny AutoencoderKL (28×28×1 → 14×14×2), as diffusion.test.ts saves one, for a latent class-conditional UNet.
    const autoencoder = new AutoencoderKL({ blockChannels: [4, 4], normGroups: 2, latentChannels: 2, generator: new core.Generator(7) });
    await core.saveCheckpoint(coreNode.fileCheckpoint(join(path('ae'), 'checkpoints', 'step-00000001')), {
      config: { family: 'vae', model: autoencoder.config as unknown as core.JsonValue },
      tensors: Object.fromEntries(Object.entries(autoencoder.stateDict()).map(([name, t]) => [`model/${name}`, t])),
    });
    autoencoder.dispose();
    const trained = await gen(['train', 'diffusion', '--backend', 'wasm', '--batch-size', '4', '--limit-data', '8', '--config', UNET, '--conditional', '--autoencoder', path('ae'), '--steps', '1', '--every', '0', '--checkpoint-every', '1', '--out', path('ldm')]);
    expect(trained.err).toMatch(/step 1\/1/);
    expect(trained.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('gan: a conditional checkpoint has its class steered; metrics.json holds accuracy, worst class, seconds per image and the settings; no tensors left', async () => {
    const before = tf.memory().numTensors;
    const out = path('acgan-eval');
    const { code, out: stdout, err } = await gen(['eval', 'gan', '--checkpoint', path('acgan'), '--clip', path('clip'), '--backend', 'wasm', '--n', '12', '--batch-size', '6', '--steer-steps', '2', '--cutouts', '1', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const [, n, what] = stdout.match(LINE) ?? [];
    expect([n, what]).toEqual(['12', '2 steering steps, lr 0.05, class steered (lr 0.05), 1 cutouts']);
    expect(stdout.trim().split('\n').at(-1)).toBe(join(out, 'metrics.json'));
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics).toMatchObject({
      family: 'gan',
      clipGuided: true,
      clip: path('clip'),
      dataset: 'mnist',
      conditional: true,
      n: 12,
      prompts: 'held-out templates',
      settings: { steps: 2, lr: 0.05, cutouts: 1, maxShift: 2, batchSize: 6, classes: 'steer', classLr: 0.05, truncation: null },
      examples: expect.arrayContaining(['a close-up of a zero']),
    });
    expect(metrics.perClassAccuracy).toHaveLength(10);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.worstClass.accuracy).toBe(Math.min(...metrics.perClassAccuracy));
    expect(metrics.secondsPerImage).toBeGreaterThan(0);
    // FID of the prompted samples against the real test split, as a ratio to the floor at the same n.
    expect(metrics.ratio).toBeCloseTo(metrics.fid / metrics.floor, 9);
    expect(metrics.kid).toEqual(expect.any(Number));

    // --classes random: the honest baseline (the class is drawn, steering only moves z); --class-lr sets the logits' rate.
    const random = await gen(['eval', 'gan', '--checkpoint', path('acgan'), '--clip', path('clip'), '--backend', 'wasm', '--n', '4', '--steer-steps', '1', '--classes', 'random', '--out', path('acgan-random')]);
    expect(random.code).toBe(0);
    expect(readJson(join(path('acgan-random'), 'metrics.json')).settings).toMatchObject({ classes: 'random' });
    expect(readJson(join(path('acgan-random'), 'metrics.json')).settings.classLr).toBeUndefined();
    const rate = await gen(['eval', 'gan', '--checkpoint', path('acgan'), '--clip', path('clip'), '--backend', 'wasm', '--n', '4', '--steer-steps', '1', '--class-lr', '0.5', '--out', path('acgan-rate')]);
    expect(rate.code).toBe(0);
    expect(readJson(join(path('acgan-rate'), 'metrics.json')).settings).toMatchObject({ classes: 'steer', classLr: 0.5 });
  });

  test('gan: an unconditional checkpoint steers its latents only', async () => {
    const { code, out: stdout } = await gen(['eval', 'gan', '--checkpoint', path('gan'), '--clip', path('clip'), '--backend', 'wasm', '--n', '3', '--steer-steps', '1', '--out', path('gan-eval')]);
    expect(code).toBe(0);
    expect(stdout.match(LINE)?.[2]).toBe('1 steering steps, lr 0.05, 4 cutouts');
    const metrics = readJson(join(path('gan-eval'), 'metrics.json'));
    expect(metrics).toMatchObject({ conditional: false, n: 3, settings: { steps: 1 } });
    expect(metrics.settings.classes).toBeUndefined();
  });

  test('gan sample --prompt on a conditional checkpoint without --label steers the class and records it', async () => {
    const out = path('acgan-sample');
    const { code, err } = await gen(['sample', 'gan', '--checkpoint', path('acgan'), '--backend', 'wasm', '--n', '3', '--prompt', 'a seven', '--clip', path('clip'), '--steer-steps', '2', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = expectSampleSet(out, 3);
    expect(json.prompt).toMatchObject({ prompt: 'a seven', classes: 'steer', classLr: 0.05, initialLabels: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    for (const sample of json.samples) expect(Number.isInteger(sample.label) && sample.label >= 0 && sample.label < 10).toBe(true);
    // With --label the class is given and stays.
    const given = await gen(['sample', 'gan', '--checkpoint', path('acgan'), '--backend', 'wasm', '--n', '2', '--label', '3', '--prompt', 'a seven', '--clip', path('clip'), '--steer-steps', '1', '--out', path('acgan-3')]);
    expect(given.code).toBe(0);
    const labelled = expectSampleSet(path('acgan-3'), 2, { labels: [3, 3] });
    expect(labelled.prompt.classes).toBeUndefined();
  });

  test('diffusion: a latent class-conditional checkpoint is sampled from its null class, guided through the autoencoder; sample --prompt works on it too', async () => {
    const before = tf.memory().numTensors;
    const out = path('ldm-eval');
    const { code, out: stdout, err } = await gen(['eval', 'diffusion', '--checkpoint', path('ldm'), '--clip', path('clip'), '--backend', 'wasm', '--n', '4', '--batch-size', '2', '--steps', '2', '--clip-scale', '30', '--cutouts', '1', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(stdout.match(LINE)?.slice(1)).toEqual(['4', 'CLIP guidance scale 30, 1 cutouts, ddim 2 steps, null class, through the autoencoder']);
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics).toMatchObject({
      family: 'diffusion',
      clipGuided: true,
      conditional: true,
      autoencoder: join(path('ae'), 'checkpoints', 'step-00000001'),
      n: 4,
      settings: { clipScale: 30, cutouts: 1, maxShift: 2, scheduler: 'ddim', steps: 2, batchSize: 2, nullClass: true },
    });
    expect(metrics.perClassAccuracy).toHaveLength(10);
    expect(metrics.secondsPerImage).toBeGreaterThan(0);

    const sampled = await gen(['sample', 'diffusion', '--checkpoint', path('ldm'), '--backend', 'wasm', '--n', '2', '--steps', '2', '--prompt', 'a seven', '--clip', path('clip'), '--cutouts', '1', '--out', path('ldm-sample')]);
    expect(sampled.err).toBe('');
    expect(sampled.code).toBe(0);
    const json = expectSampleSet(path('ldm-sample'), 2, { labels: 'none' });
    expect(json).toMatchObject({ nullClass: true, prompt: { prompt: 'a seven', clipScale: 100 } });
    expect(json.guidanceScale).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad combinations are one line, exit 2, nothing written', async () => {
    const cases: Array<[string[], string]> = [
      [['eval', 'gan', '--checkpoint', path('gan'), '--steer-steps', '3'], 'gen eval gan: --steer-steps ("3") needs --clip <dir> (it sets CLIP-guided evaluation)'],
      [['eval', 'gan', '--checkpoint', path('acgan'), '--classes', 'random'], 'gen eval gan: --classes ("random") needs --clip <dir> (it sets CLIP-guided evaluation)'],
      [['eval', 'gan', '--checkpoint', path('gan'), '--clip', path('clip'), '--class-lr', '0.1'], 'gen eval gan: --class-lr ("0.1") must be omitted: the checkpoint is unconditional'],
      [['eval', 'gan', '--checkpoint', path('acgan'), '--clip', path('clip'), '--classes', 'random', '--class-lr', '0.1'], 'gen eval gan: --class-lr ("0.1") needs --classes steer (random classes are not optimised)'],
      [['eval', 'gan', '--checkpoint', path('acgan'), '--clip', path('clip'), '--classes', 'best'], 'gen eval gan: --classes ("best") must be one of steer, random'],
      [['eval', 'gan', '--checkpoint', path('gan'), '--clip', 'pretrained:nope'], 'gen eval gan: --clip ("pretrained:nope") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)'],
      [['eval', 'diffusion', '--checkpoint', path('ldm'), '--clip', path('clip'), '--guidance-scale', '2'], 'gen eval diffusion: --guidance-scale ("2") cannot be combined with --clip (CLIP-guided evaluation)'],
      [['eval', 'diffusion', '--checkpoint', path('ldm'), '--clip-scale', '50'], 'gen eval diffusion: --clip-scale ("50") needs --clip <dir> (it sets CLIP-guided evaluation)'],
      [['sample', 'gan', '--checkpoint', path('acgan'), '--classes', 'random'], 'gen sample gan: --classes ("random") needs --prompt "<text>" (it sets how steering chooses the class)'],
      [['sample', 'gan', '--checkpoint', path('acgan'), '--label', '3', '--prompt', 'a seven', '--clip', path('clip'), '--class-lr', '0.1'], 'gen sample gan: --class-lr ("0.1") cannot be combined with --label (the class is given)'],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = await gen([...argv, '--backend', 'wasm', '--out', path('bad')]);
      expect([argv.join(' '), err]).toEqual([argv.join(' '), `${message}\n`]);
      expect(code).toBe(2);
      expect(out).toBe('');
    }
    expect(existsSync(path('bad'))).toBe(false);
  });
});
