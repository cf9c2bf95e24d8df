// gen train | sample | eval diffusion end to end on a tiny UNet and 64 MNIST digits (wasm backend).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { AutoencoderKL } from '@gen/vae';
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
    expect(jsonLines(join(run('a'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 4, losses: { loss: expect.any(Number) } });
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

  describe('bad input: one line, exit 2 (command line) or 1 (checkpoint)', () => {
    test.each([
      [['train', 'diffusion', '--prediction-type', 'score'], 2, 'gen train diffusion: --prediction-type ("score") must be one of epsilon, sample, v, v_prediction'],
      [['sample', 'diffusion'], 2, 'gen sample diffusion: --checkpoint is required: gen sample diffusion --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_A', '--scheduler', 'plms'], 2, 'gen sample diffusion: --scheduler ("plms") must be one of ddpm, ddim, euler, euler-ancestral, heun, dpmpp-2m, dpmpp-2m-sde, unipc'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_A', '--guidance-scale', '3'], 2, 'gen sample diffusion: --guidance-scale ("3") must be omitted: the checkpoint is unconditional'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_C', '--label', '-1'], 2, 'gen sample diffusion: --label ("-1") must be an integer from 0 to 1000000'],
      [['sample', 'diffusion', '--checkpoint', 'RUN_C', '--label', '10'], 2, 'gen sample diffusion: --label ("10") must be a class from 0 to 9 (the checkpoint has 10 classes)'],
      [['sample', 'diffusion', '--checkpoint', 'pretrained:cifar'], 2, 'gen sample diffusion: --checkpoint ("pretrained:cifar") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)'],
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
