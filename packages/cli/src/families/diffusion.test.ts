// gen train | sample | eval diffusion end to end on a tiny UNet and 64 MNIST digits (wasm backend).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { AutoencoderKL } from '@gen/vae';
import { canonicalPhrase } from '@gen/clip-guidance';
import { checkpointTensors, expectSampleSet, gen, jsonLines, pngInfo, readJson } from './test-utils';

const TINY = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":false,"normNumGroups":2,"timeEmbeddingDim":8}';
const COMMON = ['--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--config', TINY, '--sample-steps', '2'];

describe('gen train | sample | eval diffusion', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-diffusion-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string) => join(dir, name);

  test('train (v-prediction) writes checkpoints, EMA sample grids and metrics', async () => {
    const { code, out, err } = await gen(['train', 'diffusion', ...COMMON, '--prediction-type', 'v', '--steps', '4', '--every', '2', '--checkpoint-every', '2', '--out', run('a')]);
    expect(err).toMatch(/train diffusion .*step 4\/4 loss [\d.]+ [\d.]+ steps\/s/);
    expect(code).toBe(0);
    expect(out).toContain('prediction v_prediction');
    expect(out).toContain('trained to step 4');
    for (const step of ['00000002', '00000004']) expect(existsSync(join(run('a'), 'checkpoints', `step-${step}`, 'config.json'))).toBe(true);
    for (const step of ['000002', '000004']) expect(pngInfo(join(run('a'), 'samples', `step-${step}.png`))).toMatchObject({ width: 242, height: 242 });
    expect(jsonLines(join(run('a'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 4, losses: { loss: expect.any(Number) }, elapsed: expect.any(Number) });
    expect(readJson(join(run('a'), 'run.json'))).toMatchObject({ family: 'diffusion', dataset: 'mnist', predictionType: 'v_prediction' });
  });

  test('--resume continues to --steps exactly (same tensors as uninterrupted)', async () => {
    const args = ['train', 'diffusion', ...COMMON, '--prediction-type', 'v', '--every', '0', '--checkpoint-every', '2', '--out', run('b')];
    expect((await gen([...args, '--steps', '2'])).code).toBe(0);
    const resumed = await gen([...args, '--steps', '4', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    const uninterrupted = await checkpointTensors(join(run('a'), 'checkpoints', 'step-00000004'));
    const continued = await checkpointTensors(join(run('b'), 'checkpoints', 'step-00000004'));
    expect(Object.keys(continued).sort()).toEqual(Object.keys(uninterrupted).sort());
    for (const [name, values] of Object.entries(uninterrupted)) expect([name, Array.from(continued[name])]).toEqual([name, Array.from(values)]);
  });

  test('sample writes the files; one image redraws from its seed', async () => {
    const out = run('s');
    const { code, err } = await gen(['sample', 'diffusion', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '3', '--scheduler', 'ddim', '--steps', '2', '--seed', '4', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = expectSampleSet(out, 3, { labels: 'none' });
    expect(json).toMatchObject({ family: 'diffusion', scheduler: 'ddim', steps: 2, ema: true, step: 4 });
    expect(json.samples.map((s: { seed: number }) => s.seed)).toEqual([4, 5, 6]);
    const single = run('s1');
    expect((await gen(['sample', 'diffusion', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '1', '--steps', '2', '--seed', '5', '--out', single])).code).toBe(0);
    expect(readFileSync(join(single, 'samples', '0000.png'))).toEqual(readFileSync(join(out, 'samples', '0001.png')));
  });

  test('eval writes metrics.json with FID, floor, ratio and KID', async () => {
    const out = run('e');
    const { code, err } = await gen(['eval', 'diffusion', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--steps', '2', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'diffusion', dataset: 'mnist', n: 20, scheduler: 'ddim', steps: 2, conditional: false });
    for (const field of ['fid', 'floor', 'ratio', 'kid', 'kidStd']) expect(Number.isFinite(metrics[field])).toBe(true);
  });

  test('a class-conditional UNet: --label, guidance, class accuracy', async () => {
    expect((await gen(['train', 'diffusion', ...COMMON, '--conditional', '--steps', '2', '--every', '0', '--out', run('c')])).code).toBe(0);
    expect((await gen(['sample', 'diffusion', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '2', '--label', '7', '--steps', '2', '--guidance-scale', '2', '--out', run('c-s')])).code).toBe(0);
    expect(expectSampleSet(run('c-s'), 2, { labels: [7, 7] })).toMatchObject({ guidanceScale: 2 });
    const evaluated = await gen(['eval', 'diffusion', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '20', '--steps', '1', '--out', run('c-e')]);
    expect(evaluated.err).toBe('');
    expect(readJson(join(run('c-e'), 'metrics.json'))).toMatchObject({ conditional: true, guidanceScale: 3, classAccuracy: expect.any(Number) });
    // A checkpoint that records a recommended scale (config.sampling, as shipped models do) samples with it by default.
    const step = join(run('c'), 'checkpoints', readdirSync(join(run('c'), 'checkpoints')).sort().at(-1)!);
    const configFile = join(step, 'config.json');
    const saved = readJson(configFile);
    saved.userDefinedMetadata.genCheckpoint.config.sampling = { guidanceScale: 1.5 };
    writeFileSync(configFile, JSON.stringify(saved));
    expect((await gen(['sample', 'diffusion', '--checkpoint', step, '--backend', 'wasm', '--n', '2', '--steps', '1', '--out', run('c-r')])).code).toBe(0);
    expect(expectSampleSet(run('c-r'), 2, { labels: [0, 1] })).toMatchObject({ guidanceScale: 1.5 });
  });

  test('sample and eval leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    expect((await gen(['sample', 'diffusion', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '2', '--steps', '2', '--out', run('leak')])).code).toBe(0);
    expect((await gen(['eval', 'diffusion', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '10', ...['--steps', '1'], '--out', run('leak-e')])).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('latent diffusion over an AutoencoderKL (--autoencoder)', () => {
    const ae = () => run('ae');
    const aeCheckpoint = () => join(run('ae'), 'checkpoints', 'step-00000002');
    beforeAll(async () => {
      // A tiny AutoencoderKL (28×28×1 → 14×14×2 latents) saved as trainVae saves it: config { family: 'vae', model }
      // and model/… tensors in <run>/checkpoints/step-…. (Untrained: trainVae on an AutoencoderKL currently fails in
      // @gen/vae with "Gradient for tile operation is not implemented for rank-6 tensors", and `gen train vae` has no
      // autoencoder-kl kind; the latent plumbing tested here does not depend on the weights.)
      await tf.ready();
      const autoencoder = new AutoencoderKL({ blockChannels: [4, 4], normGroups: 2, latentChannels: 2, generator: new core.Generator(7) });
      await core.saveCheckpoint(coreNode.fileCheckpoint(aeCheckpoint()), {
        config: { family: 'vae', model: autoencoder.config as unknown as core.JsonValue },
        tensors: Object.fromEntries(Object.entries(autoencoder.stateDict()).map(([name, t]) => [`model/${name}`, t])),
      });
      autoencoder.dispose();
    });

    test('train records the autoencoder and scaling factor; the UNet runs at the latent shape', async () => {
      const { code, out, err } = await gen(['train', 'diffusion', ...COMMON, '--autoencoder', ae(), '--steps', '2', '--every', '0', '--checkpoint-every', '2', '--out', run('l')]);
      expect(err).toMatch(/step 2\/2/);
      expect(code).toBe(0);
      expect(out).toContain(`latents 14×14×2 of ${aeCheckpoint()}`);
      const record = readJson(join(run('l'), 'run.json'));
      expect(record).toMatchObject({ family: 'diffusion', autoencoder: aeCheckpoint(), config: { height: 14, width: 14, inChannels: 2, outChannels: 2 } });
      // Estimated (the autoencoder's config leaves it at 1): 1 / std of the latents, a positive number.
      expect(record.scalingFactor).toBeGreaterThan(0);
      expect(record.scalingFactor).not.toBe(1);
      const saved = readJson(join(run('l'), 'checkpoints', 'step-00000002', 'config.json')).userDefinedMetadata.genCheckpoint.config;
      expect(saved).toMatchObject({ family: 'diffusion', autoencoder: aeCheckpoint(), scalingFactor: record.scalingFactor, model: { height: 14, inChannels: 2 } });
    });

    test('sample decodes 28×28 images through the autoencoder; eval runs; no tensors left', async () => {
      const before = tf.memory().numTensors;
      const sampled = await gen(['sample', 'diffusion', '--checkpoint', run('l'), '--backend', 'wasm', '--n', '2', '--steps', '2', '--out', run('l-s')]);
      expect(sampled.err).toBe('');
      expect(sampled.code).toBe(0);
      expect(expectSampleSet(run('l-s'), 2, { labels: 'none' })).toMatchObject({ family: 'diffusion', autoencoder: aeCheckpoint() });
      expect(pngInfo(join(run('l-s'), 'samples', '0000.png'))).toMatchObject({ width: 28, height: 28 });
      const evaluated = await gen(['eval', 'diffusion', '--checkpoint', run('l'), '--backend', 'wasm', '--n', '10', '--steps', '1', '--out', run('l-e')]);
      expect(evaluated.err).toBe('');
      expect(evaluated.code).toBe(0);
      const metrics = readJson(join(run('l-e'), 'metrics.json'));
      expect(metrics).toMatchObject({ family: 'diffusion', autoencoder: aeCheckpoint(), n: 10 });
      for (const field of ['fid', 'floor', 'ratio', 'kid']) expect(Number.isFinite(metrics[field])).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });

    test('--autoencoder must name an AutoencoderKL checkpoint folder (one line)', async () => {
      const notAe = await gen(['train', 'diffusion', ...COMMON, '--autoencoder', run('l'), '--steps', '1', '--out', run('l-bad')]);
      expect(notAe.err).toBe(`gen train diffusion: ${join(run('l'), 'checkpoints', 'step-00000002')} is a diffusion checkpoint, not a vae checkpoint\n`);
      expect(notAe.code).toBe(1);
      const missing = await gen(['train', 'diffusion', '--autoencoder', join(dir, 'nope'), '--backend', 'wasm']);
      expect(missing.err).toBe(`gen train diffusion: --autoencoder (${JSON.stringify(join(dir, 'nope'))}) is not a folder\n`);
      expect(missing.code).toBe(2);
    });
  });

  describe('text-to-image: a UNet cross-attending to a CLIP\'s token states (--text-encoder)', () => {
    // Cross-attention needs attention somewhere: the middle block (14×14) of the tiny UNet.
    const TEXT_UNET = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":true,"attentionHeadDim":8,"normNumGroups":2,"timeEmbeddingDim":8}';
    const TEXT = ['--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--config', TEXT_UNET, '--sample-steps', '2'];
    const clipCheckpoint = () => join(run('clip'), 'checkpoints', 'step-00000001');
    const PROMPT = 'a thin, slanted seven';
    beforeAll(async () => {
      // A tiny CLIP trained for one step on MNIST captions (its config keeps the caption thresholds), text width 8.
      const clip = await gen(['train', 'clip', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '32', '--vocab-size', '600', '--max-length', '16', '--steps', '1', '--config', '{"embedDim":8,"text":{"width":8,"layers":1,"heads":2},"image":{"widths":[4,4,4],"outFeatures":8}}', '--out', run('clip')]);
      expect(clip.code).toBe(0);
    });

    test('train records the text encoder in run.json and every checkpoint; --resume is exact', async () => {
      const { code, out, err } = await gen(['train', 'diffusion', ...TEXT, '--text-encoder', run('clip'), '--steps', '2', '--every', '2', '--checkpoint-every', '1', '--out', run('t')]);
      expect(err).toMatch(/step 2\/2/);
      expect(code).toBe(0);
      expect(out).toContain(`text-conditioned on ${clipCheckpoint()} (token states 8 wide, CFG dropout)`);
      expect(readJson(join(run('t'), 'run.json'))).toMatchObject({ family: 'diffusion', conditional: false, textEncoder: clipCheckpoint(), config: { crossAttentionDim: 8, numClasses: null } });
      const saved = readJson(join(run('t'), 'checkpoints', 'step-00000002', 'config.json')).userDefinedMetadata.genCheckpoint.config;
      expect(saved).toMatchObject({ family: 'diffusion', model: { crossAttentionDim: 8 }, textEncoder: { kind: 'clip-token-states', clip: clipCheckpoint(), width: 8, maxLength: 16 } });
      expect(saved.textEncoder.captions.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(pngInfo(join(run('t'), 'samples', 'step-000002.png'))).toMatchObject({ width: 302 });

      const args = ['train', 'diffusion', ...TEXT, '--text-encoder', run('clip'), '--every', '0', '--checkpoint-every', '1', '--out', run('t-resume')];
      expect((await gen([...args, '--steps', '1'])).code).toBe(0);
      const withoutText = await gen(['train', 'diffusion', ...TEXT, '--every', '0', '--steps', '2', '--resume', '--out', run('t-resume')]);
      expect(withoutText.err).toBe(`gen train diffusion: --text-encoder must be ${JSON.stringify(clipCheckpoint())}, the text encoder of the run being resumed in ${run('t-resume')}\n`);
      expect(withoutText.code).toBe(2);
      expect((await gen([...args, '--steps', '2', '--resume'])).code).toBe(0);
      const straight = await checkpointTensors(join(run('t'), 'checkpoints', 'step-00000002'));
      const resumed = await checkpointTensors(join(run('t-resume'), 'checkpoints', 'step-00000002'));
      expect(Object.keys(resumed).sort()).toEqual(Object.keys(straight).sort());
      for (const [name, values] of Object.entries(straight)) expect([name, Array.from(resumed[name])]).toEqual([name, Array.from(values)]);
    });

    test('sample: --prompt is the text condition with CFG (--guidance), recorded in samples.json; one image redraws from its seed; no tensors left', async () => {
      const before = tf.memory().numTensors;
      const out = run('t-s');
      const sampled = await gen(['sample', 'diffusion', '--checkpoint', run('t'), '--backend', 'wasm', '--prompt', PROMPT, '--guidance', '4', '--n', '2', '--steps', '2', '--seed', '3', '--out', out]);
      expect(sampled.err).toBe('');
      expect(sampled.code).toBe(0);
      expect(sampled.out).toContain(`text-conditioned on "${PROMPT}", guidance 4)`);
      expect(expectSampleSet(out, 2, { labels: 'none' })).toMatchObject({ family: 'diffusion', prompt: PROMPT, guidanceScale: 4, textEncoder: clipCheckpoint(), ema: true });
      const single = run('t-s1');
      expect((await gen(['sample', 'diffusion', '--checkpoint', run('t'), '--backend', 'wasm', '--prompt', PROMPT, '--guidance-scale', '4', '--n', '1', '--steps', '2', '--seed', '4', '--out', single])).code).toBe(0);
      expect(readFileSync(join(single, 'samples', '0000.png'))).toEqual(readFileSync(join(out, 'samples', '0001.png')));
      // Without --prompt: each class's plain phrase in turn.
      const classes = await gen(['sample', 'diffusion', '--checkpoint', run('t'), '--backend', 'wasm', '--n', '3', '--steps', '1', '--out', run('t-c')]);
      expect(classes.code).toBe(0);
      expect(expectSampleSet(run('t-c'), 3, { labels: [0, 1, 2] })).toMatchObject({ prompts: ['0', '1', '2'].map(canonicalPhrase), guidanceScale: 3 });
      expect(tf.memory().numTensors).toBe(before);
    });

    test('eval: prompted-class accuracy with FID, and the attribute pairs, in metrics.json; no tensors left', async () => {
      const before = tf.memory().numTensors;
      const evaluated = await gen(['eval', 'diffusion', '--checkpoint', run('t'), '--backend', 'wasm', '--n', '10', '--pairs', '2', '--steps', '1', '--batch-size', '10', '--out', run('t-e')]);
      expect(evaluated.err).toBe('');
      expect(evaluated.code).toBe(0);
      expect(evaluated.out).toMatch(/\nfid [\d.]+ floor [\d.]+ ratio [\d.]+ kid -?[\d.]+ accuracy [\d.]+ .*\(n 10, mnist test, held-out prompts, guidance 3\)\nattribute pairs whose measure moved as prompted: weight [\d.]+% \(thin → bold\), size [\d.]+% \(small → large\), slant [\d.]+% \(left-slanted → right-slanted\); 2 pairs each\n/);
      const metrics = readJson(join(run('t-e'), 'metrics.json'));
      expect(metrics).toMatchObject({ family: 'diffusion', textConditioned: true, textEncoder: clipCheckpoint(), n: 10, guidanceScale: 3, prompts: 'held-out templates' });
      for (const field of ['fid', 'floor', 'ratio', 'kid', 'classAccuracy']) expect(Number.isFinite(metrics[field])).toBe(true);
      expect(metrics.perClassAccuracy).toHaveLength(10);
      expect(metrics.examples.classes[0]).toBe('a close-up of a zero');
      for (const kind of ['weight', 'size', 'slant']) expect(metrics.attributes[kind]).toMatchObject({ pairs: 2, moved: expect.any(Number), noInk: expect.any(Number) });
      expect(tf.memory().numTensors).toBe(before);
    });

    test('latent text-to-image: --text-encoder with --autoencoder; samples decode to 28×28', async () => {
      const ae = run('t-ae');
      await tf.ready();
      const autoencoder = new AutoencoderKL({ blockChannels: [4, 4], normGroups: 2, latentChannels: 2, generator: new core.Generator(7) });
      await core.saveCheckpoint(coreNode.fileCheckpoint(join(ae, 'checkpoints', 'step-00000001')), {
        config: { family: 'vae', model: autoencoder.config as unknown as core.JsonValue },
        tensors: Object.fromEntries(Object.entries(autoencoder.stateDict()).map(([name, t]) => [`model/${name}`, t])),
      });
      autoencoder.dispose();
      const trained = await gen(['train', 'diffusion', ...TEXT, '--text-encoder', run('clip'), '--autoencoder', ae, '--steps', '1', '--every', '0', '--out', run('t-l')]);
      expect(trained.err).toMatch(/step 1\/1/);
      expect(trained.code).toBe(0);
      expect(trained.out).toContain('latents 14×14×2');
      const saved = readJson(join(run('t-l'), 'checkpoints', 'step-00000001', 'config.json')).userDefinedMetadata.genCheckpoint.config;
      expect(saved).toMatchObject({ model: { height: 14, inChannels: 2, crossAttentionDim: 8 }, textEncoder: { clip: clipCheckpoint() }, scalingFactor: expect.any(Number) });
      const sampled = await gen(['sample', 'diffusion', '--checkpoint', run('t-l'), '--backend', 'wasm', '--prompt', 'a bold zero', '--n', '1', '--steps', '1', '--out', run('t-l-s')]);
      expect(sampled.err).toBe('');
      expect(expectSampleSet(run('t-l-s'), 1, { labels: 'none' })).toMatchObject({ prompt: 'a bold zero', textEncoder: clipCheckpoint() });
    });

    test('a CLIP that moved: one line asking for --text-encoder, which then finds it', async () => {
      cpSync(run('clip'), run('clip-moved'), { recursive: true });
      expect((await gen(['train', 'diffusion', ...TEXT, '--text-encoder', run('clip-moved'), '--steps', '1', '--every', '0', '--out', run('t-m')])).code).toBe(0);
      rmSync(run('clip-moved'), { recursive: true });
      const moved = join(run('clip-moved'), 'checkpoints', 'step-00000001');
      const lost = await gen(['sample', 'diffusion', '--checkpoint', run('t-m'), '--backend', 'wasm', '--n', '1', '--steps', '1', '--out', run('t-m-s')]);
      expect(lost.err).toBe(
        `gen sample diffusion: ${join(run('t-m'), 'checkpoints', 'step-00000001')} was trained with the text encoder ${moved}, which cannot be read (is not a folder); give --text-encoder <dir>\n`,
      );
      expect(lost.code).toBe(1);
      const found = await gen(['sample', 'diffusion', '--checkpoint', run('t-m'), '--text-encoder', run('clip'), '--backend', 'wasm', '--n', '1', '--steps', '1', '--out', run('t-m-s')]);
      expect(found.err).toBe('');
      expect(expectSampleSet(run('t-m-s'), 1, { labels: [0] })).toMatchObject({ textEncoder: clipCheckpoint() });
    });

    test('sample: an over-long --prompt is a one-line error (the pipeline alone would keep its first tokens)', async () => {
      const { code, out, err } = await gen(['sample', 'diffusion', '--checkpoint', run('t'), '--prompt', 'seven '.repeat(40).trim(), '--backend', 'wasm', '--n', '1', '--steps', '1', '--out', run('t-long')]);
      expect(err).toMatch(/^gen sample diffusion: --prompt \("seven seven [a-z ]*…"\) is too long: \d+ tokens, at most \d+ fit\n$/);
      expect(code).toBe(1);
      expect(out).not.toMatch(/samples\.json/);
    });

    test.each([
      [['train', 'diffusion', '--conditional', '--text-encoder', 'CLIP_RUN'], 2, 'gen train diffusion: --text-encoder ("CLIP_RUN") cannot be combined with --conditional: the text replaces the class labels (prompts name the class)'],
      [['train', 'diffusion', '--text-encoder', 'NOWHERE'], 2, 'gen train diffusion: --text-encoder ("NOWHERE") is not a folder'],
      [['train', 'diffusion', '--text-encoder', 'RUN_A'], 1, 'gen train diffusion: RUN_A/checkpoints/step-00000004 is a diffusion checkpoint, not a clip checkpoint'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_C', '--prompt', 'a seven'], 2, 'gen sample diffusion: --clip is required with --prompt: the checkpoint is class-conditional, not text-conditioned, so --prompt means CLIP guidance: gen sample diffusion --prompt "a seven" --clip <dir> (or train a text-conditioned UNet with gen train diffusion --text-encoder <clip>)'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_T', '--prompt', 'a seven', '--clip', 'CLIP_RUN'], 2, 'gen sample diffusion: --clip ("CLIP_RUN") must be omitted: the checkpoint is text-conditioned, so --prompt conditions it through the CLIP it was trained with (--text-encoder <dir> if that one moved)'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_T', '--prompt', 'a seven', '--label', '7'], 2, 'gen sample diffusion: --label ("7") cannot be combined with --prompt: the prompt says what to draw'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_T', '--guidance', '2', '--guidance-scale', '2'], 2, 'gen sample diffusion: --guidance ("2") is --guidance-scale: give one of them'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_A', '--text-encoder', 'CLIP_RUN'], 2, 'gen sample diffusion: --text-encoder ("CLIP_RUN") must be omitted: the checkpoint is not text-conditioned (train one with gen train diffusion --text-encoder <clip>)'],
      [['eval', 'diffusion', '--checkpoint', 'RUN_A', '--pairs', '3'], 2, 'gen eval diffusion: --pairs ("3") must be omitted: the checkpoint is not text-conditioned'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_T', '--text-encoder', 'RUN_CLIP_OTHER'], 1, 'gen sample diffusion: RUN_CLIP_OTHER/checkpoints/step-00000001: clip ("width 16") is not the text encoder this model was trained with (width 8, from CLIP_RUN/checkpoints/step-00000001)'],
    ])('gen %j', async (argv, exitCode, message) => {
      if ((argv as string[]).includes('RUN_CLIP_OTHER') && !existsSync(run('clip-other'))) {
        const other = await gen(['train', 'clip', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '32', '--vocab-size', '600', '--max-length', '16', '--steps', '1', '--config', '{"embedDim":8,"text":{"width":16,"layers":1,"heads":2},"image":{"widths":[4,4,4],"outFeatures":8}}', '--out', run('clip-other')]);
        expect(other.code).toBe(0);
      }
      const names: Record<string, string> = { RUN_A: run('a'), RUN_C: run('c'), RUN_T: run('t'), RUN_CLIP_OTHER: run('clip-other'), CLIP_RUN: run('clip'), NOWHERE: join(dir, 'nowhere') };
      const substitute = (text: string) => text.replace(/RUN_CLIP_OTHER|RUN_A|RUN_C|RUN_T|CLIP_RUN|NOWHERE/g, (name) => names[name]);
      const { code, out, err } = await gen([...(argv as string[]).map(substitute), '--backend', 'wasm', '--out', run('t-bad')]);
      expect(err).toBe(`${substitute(message as string)}\n`);
      expect(code).toBe(exitCode);
      if (exitCode === 2) expect(out).toBe('');
    });
  });

  describe('bad input: one line, exit 2 (command line) or 1 (checkpoint)', () => {
    test.each([
      [['train', 'diffusion', '--prediction-type', 'score'], 2, 'gen train diffusion: --prediction-type ("score") must be one of epsilon, sample, v, v_prediction'],
      [['train', 'diffusion', '--workers', 'all'], 2, 'gen train diffusion: --workers ("all") must be auto or an integer from 1 to 256'],
      [['sample', 'diffusion'], 2, 'gen sample diffusion: --checkpoint is required: gen sample diffusion --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_A', '--scheduler', 'plms'], 2, 'gen sample diffusion: --scheduler ("plms") must be one of ddpm, ddim, euler, euler-ancestral, heun, dpmpp-2m, dpmpp-2m-sde, unipc'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_A', '--guidance-scale', '3'], 2, 'gen sample diffusion: --guidance-scale ("3") must be omitted: the checkpoint is unconditional'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_C', '--label', '-1'], 2, 'gen sample diffusion: --label ("-1") must be an integer from 0 to 1000000'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_C', '--label', '10'], 2, 'gen sample diffusion: --label ("10") must be a class from 0 to 9 (the checkpoint has 10 classes)'],
      [['sample', 'diffusion', '--checkpoint', 'pretrained:cifar'], 2, 'gen sample diffusion: --checkpoint ("pretrained:cifar") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion, pretrained:mnist-text, pretrained:fashion-text)'],
      [['eval', 'diffusion', '--checkpoint', 'RUN_A', '--n', '0'], 2, 'gen eval diffusion: --n ("0") must be an integer from 1 to 10000000'],
      [['eval', 'gan', '--checkpoint', 'RUN_A'], 1, 'gen eval gan: RUN_A/checkpoints/step-00000004 is a diffusion checkpoint, not a gan checkpoint'],
    ])('gen %j', async (argv, exitCode, message) => {
      const names: Record<string, string> = { RUN_A: run('a'), RUN_C: run('c') };
      const substitute = (text: string) => text.replace(/RUN_A|RUN_C/g, (name) => names[name]);
      const { code, out, err } = await gen([...(argv as string[]).map(substitute), '--backend', 'wasm']);
      expect(err).toBe(`${substitute(message as string)}\n`);
      expect(code).toBe(exitCode);
      if (exitCode === 2) expect(out).toBe('');
    });
  });
});
