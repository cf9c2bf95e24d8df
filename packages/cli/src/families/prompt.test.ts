// gen sample gan|vae|diffusion --prompt --clip end to end on tiny untrained checkpoints (wasm backend):
// a 28×28 CLIP, GAN generator and VAE saved through the packages' APIs, a diffusion UNet from one training step.
// The untrained CLIP's score swings with a pixel shift (flattened head), so the measured-effect checks use
// unshifted views (--cutouts 1 --max-shift 0), where the steering objective is the clean score itself.
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
const PROMPT = 'a thin, slanted seven';

describe('gen sample --prompt', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-prompt-test-'));
    await tf.setBackend('wasm');
    const tokenizer = BpeTokenizer.train(['a thin, slanted seven', 'a bold zero', 'a small one', 'a photo of a seven'], { vocabSize: 560, maxLength: 16 });
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
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The measured effect: printed, recorded, and the unprompted grid is plain sampling's grid for the same seeds. */
  async function expectPrompted(family: string, extra: string[], plain: string[]) {
    const out = path(`${family}-prompted`);
    const before = tf.memory().numTensors;
    const { code, out: stdout, err } = await gen(['sample', family, '--backend', 'wasm', '--n', '3', '--seed', '5', '--prompt', PROMPT, '--clip', path('clip'), ...extra, '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const json = expectSampleSet(out, 3);
    expect(json.prompt).toMatchObject({ prompt: PROMPT, clip: path('clip'), clipScore: { prompted: expect.any(Number), unprompted: expect.any(Number) } });
    const { prompted, unprompted } = json.prompt.clipScore as { prompted: number; unprompted: number };
    expect(stdout).toContain(`clip score of "${PROMPT}": prompted ${prompted.toFixed(4)} vs unprompted ${unprompted.toFixed(4)} (mean of 3, same seeds`);
    const reference = path(`${family}-plain`);
    expect((await gen(['sample', family, '--backend', 'wasm', '--n', '3', '--seed', '5', ...plain, '--out', reference])).code).toBe(0);
    expect(readFileSync(join(out, 'unprompted.png')).equals(readFileSync(join(reference, 'grid.png')))).toBe(true);
    expect(readFileSync(join(out, 'grid.png')).equals(readFileSync(join(reference, 'grid.png')))).toBe(false);
    return { json, prompted, unprompted };
  }

  test('gan: steered latents raise the mean CLIP score over the same seeds unprompted', async () => {
    const { json, prompted, unprompted } = await expectPrompted('gan', ['--checkpoint', path('gan'), '--steer-steps', '8', '--steer-lr', '0.1', '--cutouts', '1', '--max-shift', '0'], ['--checkpoint', path('gan')]);
    expect(json.prompt).toMatchObject({ steps: 8, lr: 0.1, cutouts: 1, maxShift: 0 });
    expect(prompted).toBeGreaterThan(unprompted);
  });

  test('vae: steered latents raise the mean CLIP score over the same seeds unprompted', async () => {
    const { json, prompted, unprompted } = await expectPrompted('vae', ['--checkpoint', path('vae'), '--steer-steps', '8', '--steer-lr', '0.1', '--cutouts', '1', '--max-shift', '0', '--prior-weight', '0.001'], ['--checkpoint', path('vae')]);
    expect(json.prompt).toMatchObject({ steps: 8, lr: 0.1, cutouts: 1, maxShift: 0, priorWeight: 0.001 });
    expect(prompted).toBeGreaterThan(unprompted);
  });

  test('diffusion: CLIP guidance through the pipeline hook, recorded with its scale', async () => {
    const train = await gen(['train', 'diffusion', '--backend', 'wasm', '--batch-size', '4', '--limit-data', '8', '--config', UNET, '--steps', '1', '--every', '0', '--checkpoint-every', '1', '--out', path('ddpm')]);
    expect(train.code).toBe(0);
    const steps = ['--scheduler', 'ddim', '--steps', '2'];
    const { json } = await expectPrompted('diffusion', ['--checkpoint', path('ddpm'), ...steps, '--clip-scale', '50', '--cutouts', '2'], ['--checkpoint', path('ddpm'), ...steps]);
    expect(json.prompt).toMatchObject({ clipScale: 50, cutouts: 2, maxShift: 2 });
  });

  test('bad --prompt / --clip combinations are one line (exit 2; another family\'s checkpoint exit 1)', async () => {
    const sample = (args: string[]) => gen(['sample', 'gan', '--backend', 'wasm', '--checkpoint', path('gan'), '--n', '1', '--out', path('bad'), ...args]);
    const noClip = await sample(['--prompt', PROMPT]);
    expect(noClip.code).toBe(2);
    expect(noClip.err).toBe(`gen sample gan: --clip is required with --prompt: gen sample gan --prompt "${PROMPT}" --clip <dir> (a CLIP checkpoint of gen train clip)\n`);
    const noPrompt = await sample(['--clip', path('clip')]);
    expect(noPrompt.code).toBe(2);
    expect(noPrompt.err).toBe(`gen sample gan: --clip ("${path('clip')}") needs --prompt "<text>"\n`);
    const empty = await sample(['--prompt', ' ', '--clip', path('clip')]);
    expect(empty.code).toBe(2);
    expect(empty.err).toBe('gen sample gan: --prompt (" ") must not be empty\n');
    const missing = await sample(['--prompt', PROMPT, '--clip', path('nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`gen sample gan: --clip ("${path('nowhere')}") is not a folder\n`);
    const wrong = await sample(['--prompt', PROMPT, '--clip', path('gan')]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`gen sample gan: ${path('gan')} is a gan checkpoint, not a clip checkpoint\n`);
    const mixture = await gen(['sample', 'vae', '--backend', 'wasm', '--checkpoint', path('vae'), '--prompt', PROMPT, '--clip', path('clip'), '--mixture', '--out', path('bad')]);
    expect(mixture.code).toBe(2);
    expect(mixture.err).toBe('gen sample vae: --mixture cannot be combined with --prompt (steering starts from the prior draws of the same seeds)\n');
    const steps = await sample(['--prompt', PROMPT, '--clip', path('clip'), '--steer-steps', '0']);
    expect(steps.code).toBe(2);
    expect(steps.err.split('\n')).toHaveLength(2);
    expect(existsSync(path('bad'))).toBe(false);
  });

  test('--clip pretrained:<name> that is not shipped: one line listing the shipped names, exit 2', async () => {
    const { code, out, err } = await gen(['sample', 'gan', '--backend', 'wasm', '--checkpoint', path('gan'), '--n', '1', '--prompt', PROMPT, '--clip', 'pretrained:nope', '--out', path('bad-pretrained')]);
    expect(err).toBe('gen sample gan: --clip ("pretrained:nope") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)\n');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(existsSync(path('bad-pretrained'))).toBe(false);
  });
});
