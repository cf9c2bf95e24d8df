// gen sample diffusion|gan|vae --image ref.png [--clip <dir>] end to end on tiny untrained checkpoints
// (wasm backend), as prompt.test.ts does for --prompt: a 28×28 CLIP, GAN generator and VAE saved
// through the packages' APIs, a diffusion UNet from one training step, and a 28×28 reference PNG.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { BpeTokenizer, Clip, ClipModel, saveClip } from '@gen/clip-guidance';
import { createGenerator, ganConfig, saveGan } from '@gen/gan';
import { VAE } from '@gen/vae';
import { expectSampleSet, gen } from './test-utils';

const UNET = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":false,"normNumGroups":2,"timeEmbeddingDim":8}';

describe('gen sample --image (reference images)', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-reference-test-'));
    await tf.setBackend('wasm');
    const tokenizer = BpeTokenizer.train(['a thin, slanted seven', 'a bold zero', 'a small one'], { vocabSize: 560, maxLength: 16 });
    const model = ClipModel.fromConfig(
      { embedDim: 16, text: { width: 16, layers: 1, heads: 2, mlpRatio: 2, vocabSize: tokenizer.vocabSize, contextLength: 16 }, image: { height: 28, width: 28, channels: 1, widths: [4, 8], outFeatures: 16 } },
      new core.Generator(1),
    );
    const clip = new Clip(model, tokenizer);
    await saveClip(coreNode.fileCheckpoint(path('clip')), clip);
    clip.dispose();
    const generator = createGenerator(ganConfig({ height: 28, width: 28, channels: 1, latentDim: 8, generatorWidths: [8, 4] }).generator, new core.Generator(2));
    await saveGan(coreNode.fileCheckpoint(path('gan')), { generator });
    generator.dispose();
    const vae = new VAE({ height: 28, width: 28, widths: [4], hiddenDim: 8, latentDim: 4, generator: new core.Generator(3) });
    await core.saveCheckpoint(coreNode.fileCheckpoint(path('vae')), {
      config: { family: 'vae', model: vae.config as unknown as core.JsonValue },
      tensors: Object.fromEntries(Object.entries(vae.stateDict()).map(([name, t]) => [`model/${name}`, t])),
    });
    vae.dispose();
    // A 28×28 reference (a bar) and a 16×16 one (the wrong size).
    const reference = tf.tidy(() => tf.pad(tf.ones([10, 6, 1]), [[9, 9], [11, 11], [0, 0]]) as tf.Tensor3D);
    await coreNode.writePng(path('ref.png'), reference);
    await coreNode.writePng(path('small.png'), tf.tidy(() => tf.slice(reference, [0, 0, 0], [16, 16, 1]) as tf.Tensor3D));
    reference.dispose();
    const train = await gen(['train', 'diffusion', '--backend', 'wasm', '--batch-size', '4', '--limit-data', '8', '--config', UNET, '--steps', '1', '--every', '0', '--checkpoint-every', '1', '--out', path('ddpm')]);
    expect(train.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs one sample command with --image; no tensor outlives it; samples.json records the reference. */
  async function sampleWithImage(family: string, args: string[], out: string) {
    const before = tf.memory().numTensors;
    const result = await gen(['sample', family, '--backend', 'wasm', '--n', '2', '--seed', '5', '--image', path('ref.png'), ...args, '--out', out]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const json = expectSampleSet(out, 2);
    expect(json.image).toBe(path('ref.png'));
    expect(json.reference).toMatchObject({ image: path('ref.png'), meanDistance: expect.any(Number), minDistance: expect.any(Number) });
    expect(result.out).toContain(`RMS pixel distance to ${path('ref.png')}: mean ${(json.reference.meanDistance as number).toFixed(3)}`);
    return { json, stdout: result.out };
  }

  test('diffusion --image: img2img at --strength (default 0.4); --strength 0 redraws nothing (the reference itself)', async () => {
    const steps = ['--checkpoint', path('ddpm'), '--scheduler', 'ddim', '--steps', '4'];
    const { json, stdout } = await sampleWithImage('diffusion', steps, path('d-img2img'));
    expect(json.reference).toMatchObject({ strength: 0.4 });
    expect(json.reference.clipScore).toBeUndefined();
    expect(stdout).toContain(`img2img from ${path('ref.png')} at strength 0.4`);
    const kept = await sampleWithImage('diffusion', [...steps, '--strength', '0'], path('d-keep'));
    expect(kept.json.reference.meanDistance).toBeLessThan(0.01);
    expect(readFileSync(join(path('d-keep'), 'samples', '0000.png')).equals(readFileSync(path('ref.png')))).toBe(true);
  });

  test('diffusion --image --clip: CLIP guidance toward the reference from noise (unguided samples of the same seeds beside it), or with --strength on top of img2img', async () => {
    const steps = ['--checkpoint', path('ddpm'), '--scheduler', 'ddim', '--steps', '2', '--clip', path('clip'), '--clip-scale', '50', '--cutouts', '1', '--max-shift', '0'];
    const { json, stdout } = await sampleWithImage('diffusion', steps, path('d-guided'));
    expect(json.reference).toMatchObject({ clip: path('clip'), clipScale: 50, cutouts: 1, maxShift: 0, clipScore: { guided: expect.any(Number), unguided: expect.any(Number) } });
    expect(json.reference.strength).toBeUndefined();
    expect(stdout).toContain(`CLIP-guided toward ${path('ref.png')}`);
    // The unguided samples are plain sampling's for the same seeds.
    const plain = await gen(['sample', 'diffusion', '--backend', 'wasm', '--n', '2', '--seed', '5', '--checkpoint', path('ddpm'), '--scheduler', 'ddim', '--steps', '2', '--out', path('d-plain')]);
    expect(plain.code).toBe(0);
    expect(readFileSync(join(path('d-guided'), 'unguided.png')).equals(readFileSync(join(path('d-plain'), 'grid.png')))).toBe(true);
    const both = await sampleWithImage('diffusion', [...steps, '--strength', '0.5'], path('d-both'));
    expect(both.json.reference).toMatchObject({ strength: 0.5, clipScore: { guided: expect.any(Number), unguided: expect.any(Number) } });
  });

  test('gan --image --clip: the same seeds\' latents steered toward the reference raise the CLIP score against its image embedding', async () => {
    const { json } = await sampleWithImage('gan', ['--checkpoint', path('gan'), '--clip', path('clip'), '--steer-steps', '8', '--steer-lr', '0.1', '--cutouts', '1', '--max-shift', '0'], path('g'));
    expect(json.reference).toMatchObject({ clip: path('clip'), steps: 8, lr: 0.1 });
    const { guided, unguided } = json.reference.clipScore as { guided: number; unguided: number };
    expect(guided).toBeGreaterThan(unguided);
    const plain = await gen(['sample', 'gan', '--backend', 'wasm', '--n', '2', '--seed', '5', '--checkpoint', path('gan'), '--out', path('g-plain')]);
    expect(readFileSync(join(path('g'), 'unguided.png')).equals(readFileSync(join(path('g-plain'), 'grid.png')))).toBe(true);
  });

  test('vae --image: posterior samples of the reference; with --clip steered toward its image embedding', async () => {
    const { json, stdout } = await sampleWithImage('vae', ['--checkpoint', path('vae')], path('v'));
    expect(json).toMatchObject({ sampler: 'posterior of the reference image', temperature: 1 });
    expect(stdout).toContain(`(posterior of ${path('ref.png')})`);
    // Temperature → 0: every variation is the decoded posterior mean (the same distance to the reference); at 1 they differ.
    const mean = await sampleWithImage('vae', ['--checkpoint', path('vae'), '--temperature', '0.000001'], path('v-mean'));
    expect(mean.json.reference.minDistance).toBeCloseTo(mean.json.reference.meanDistance, 5);
    expect(json.reference.meanDistance - json.reference.minDistance).toBeGreaterThan(1e-4);
    const steered = await sampleWithImage('vae', ['--checkpoint', path('vae'), '--clip', path('clip'), '--steer-steps', '8', '--steer-lr', '0.1', '--cutouts', '1', '--max-shift', '0', '--prior-weight', '0.001'], path('v-steered'));
    const { guided, unguided } = steered.json.reference.clipScore as { guided: number; unguided: number };
    expect(guided).toBeGreaterThan(unguided);
    expect(readFileSync(join(path('v-steered'), 'unguided.png')).equals(readFileSync(join(path('v'), 'grid.png')))).toBe(true);
  });

  test('bad --image combinations are one line (exit 2), before any output', async () => {
    const ref = path('ref.png');
    const cases: Array<[string[], string]> = [
      [['gan', '--checkpoint', path('gan'), '--image', ref], `gen sample gan: --clip is required with --image: gen sample gan --image ${ref} --clip <dir> (the latents are steered toward its CLIP image embedding)`],
      [['gan', '--checkpoint', path('gan'), '--image', ref, '--prompt', 'a seven', '--clip', path('clip')], 'gen sample gan: --prompt ("a seven") cannot be combined with --image: give one target, the text or the reference image'],
      [['gan', '--checkpoint', path('gan'), '--image', path('nope.png'), '--clip', path('clip')], `gen sample gan: --image (${JSON.stringify(path('nope.png'))}) is not a file`],
      [['vae', '--checkpoint', path('vae'), '--image', path('small.png')], `gen sample vae: --image (${JSON.stringify(path('small.png'))}) is 16×16, not the model's 28×28 image size`],
      [['vae', '--checkpoint', path('vae'), '--image', ref, '--mixture'], 'gen sample vae: --mixture cannot be combined with --image (the variations are posterior samples of the reference)'],
      [['diffusion', '--checkpoint', path('ddpm'), '--strength', '0.5'], 'gen sample diffusion: --strength ("0.5") needs --image ref.png (img2img redraws the reference)'],
      [['diffusion', '--checkpoint', path('ddpm'), '--image', ref, '--strength', '1.5'], 'gen sample diffusion: --strength ("1.5") must be a number in [0, 1]'],
    ];
    for (const [args, message] of cases) {
      const [family, ...rest] = args;
      const { code, err } = await gen(['sample', family, '--backend', 'wasm', '--n', '1', ...rest, '--out', path('bad')]);
      expect(err).toBe(`${message}\n`);
      expect(code).toBe(2);
    }
    expect(existsSync(path('bad'))).toBe(false);
  });
});
