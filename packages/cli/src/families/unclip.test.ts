// gen train | sample | eval unclip and gen train | eval unclip-prior end to end: a tiny CLIP
// trained for one step, a tiny decoder and priors trained for two steps on 64 MNIST digits (wasm).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as coreNode from '@gen/core/node';
import { loadPrior, savePrior } from '@gen/clip-guidance';
import { expectSampleSet, gen, pngInfo, readJson } from './test-utils';

const DECODER_UNET = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":true,"attentionHeadDim":8,"normNumGroups":2,"timeEmbeddingDim":8}';
const COMMON = ['--backend', 'wasm', '--limit-data', '64'];

describe('gen train | sample | eval unclip and unclip-prior', () => {
  let dir: string;
  const run = (name: string) => join(dir, name);
  const clipCheckpoint = () => join(run('clip'), 'checkpoints', 'step-00000001');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gen-unclip-test-'));
    // A tiny CLIP trained for one step on MNIST captions: embedDim 8.
    const clip = await gen(['train', 'clip', ...COMMON, '--batch-size', '8', '--vocab-size', '600', '--max-length', '16', '--steps', '1', '--config', '{"embedDim":8,"text":{"width":8,"layers":1,"heads":2},"image":{"widths":[4,4,4],"outFeatures":8}}', '--out', run('clip')]);
    expect(clip.code).toBe(0);
    // A 28×28 reference and a 16×16 one (the wrong size).
    const reference = tf.tidy(() => tf.pad(tf.ones([10, 6, 1]), [[9, 9], [11, 11], [0, 0]]) as tf.Tensor3D);
    await coreNode.writePng(run('ref.png'), reference);
    await coreNode.writePng(run('small.png'), tf.tidy(() => tf.slice(reference, [0, 0, 0], [16, 16, 1]) as tf.Tensor3D));
    reference.dispose();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('train unclip: a decoder over the CLIP image embedding, recorded in run.json and every checkpoint; sample grids', async () => {
    const { code, out, err } = await gen(['train', 'unclip', ...COMMON, '--batch-size', '8', '--config', DECODER_UNET, '--sample-steps', '2', '--clip', run('clip'), '--tokens', '2', '--steps', '2', '--every', '2', '--checkpoint-every', '1', '--out', run('d')]);
    expect(err).toMatch(/train unclip .*step 2\/2/);
    expect(code).toBe(0);
    expect(out).toContain(`conditioned on ${clipCheckpoint()} image embeddings (2 tokens × 8, CFG dropout)`);
    expect(readJson(join(run('d'), 'run.json'))).toMatchObject({ family: 'diffusion', imageEncoder: clipCheckpoint(), config: { crossAttentionDim: 8, numClasses: null } });
    const saved = readJson(join(run('d'), 'checkpoints', 'step-00000002', 'config.json')).userDefinedMetadata.genCheckpoint.config;
    expect(saved).toMatchObject({ family: 'diffusion', model: { crossAttentionDim: 8 }, imageEncoder: { kind: 'clip-image-embedding', clip: clipCheckpoint(), embedDim: 8, tokens: 2, imageShape: [28, 28, 1] } });
    expect(pngInfo(join(run('d'), 'samples', 'step-000002.png'))).toMatchObject({ width: 302 });
    // Losses and the session's elapsed seconds (the training time ship-pretrained sums), as gen train diffusion writes them.
    const logged = readFileSync(join(run('d'), 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; elapsed: number; losses: Record<string, number> });
    expect(logged.at(-1)).toMatchObject({ step: 2, elapsed: expect.any(Number), losses: expect.any(Object) });

    const bad = await gen(['train', 'unclip', ...COMMON, '--clip', run('clip'), '--tokens', '3', '--steps', '1', '--out', run('d-bad')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("gen train unclip: --tokens (\"3\") must divide the CLIP's embedding width (8)\n");
    const missing = await gen(['train', 'unclip', ...COMMON, '--steps', '1', '--out', run('d-bad')]);
    expect(missing.err).toBe('gen train unclip: --clip is required: gen train unclip --clip pretrained:mnist (the CLIP whose embeddings are used)\n');
  });

  test('train unclip-prior: regression and diffusion priors write checkpoints; eval unclip-prior reports cosines', async () => {
    for (const kind of ['regression', 'diffusion']) {
      const { code, out, err } = await gen(['train', 'unclip-prior', ...COMMON, '--batch-size', '8', '--clip', run('clip'), '--kind', kind, '--hidden', '16', '--layers', '1', '--steps', '2', '--out', run(`p-${kind}`)]);
      expect(err).toMatch(/train unclip-prior .*step 2\/2/);
      expect(code).toBe(0);
      expect(out).toContain(`${kind} prior from ${clipCheckpoint()} text to image embeddings (8 wide), MLP 16 × 1, batch 8`);
      const saved = readJson(join(run(`p-${kind}`), 'checkpoints', 'step-00000002', 'config.json')).userDefinedMetadata.genCheckpoint.config;
      expect(saved).toMatchObject({ family: 'unclip-prior', prior: { kind, embedDim: 8, hidden: 16, layers: 1 }, clip: clipCheckpoint() });
    }
    const evaluated = await gen(['eval', 'unclip-prior', '--checkpoint', run('p-diffusion'), '--backend', 'wasm', '--n', '12', '--prior-steps', '2', '--out', run('p-e')]);
    expect(evaluated.err).toBe('');
    expect(evaluated.code).toBe(0);
    expect(evaluated.out).toMatch(/diffusion prior: cos\(predicted, true image embedding\) -?[\d.]+ \(text embedding itself: -?[\d.]+\); zero-shot class of the prediction [\d.]+% \(true embeddings: [\d.]+%\); n 12, held-out prompts\n/);
    expect(readJson(join(run('p-e'), 'metrics.json'))).toMatchObject({ family: 'unclip-prior', kind: 'diffusion', n: 12, dataset: 'mnist', priorSteps: 2, priorGuidance: 1, priorCandidates: 1, cosine: expect.any(Number), textCosine: expect.any(Number) });
    // A prior that records its measured-best guidance (ship-pretrained --sampling) samples with it by default; --prior-guidance wins.
    const loaded = await loadPrior(join(run('p-diffusion'), 'checkpoints', 'step-00000002'));
    const { family: _family, prior: _prior, ...extra } = loaded.checkpointConfig;
    await savePrior(run('p-recorded'), loaded, { ...extra, sampling: { guidanceScale: 2.5, candidates: 2 } });
    loaded.dispose();
    const cases = [
      [[], { priorGuidance: 2.5, priorCandidates: 2 }],
      [['--prior-guidance', '0.5', '--prior-candidates', '3'], { priorGuidance: 0.5, priorCandidates: 3 }],
    ] as const;
    for (const [index, [flags, expected]] of cases.entries()) {
      const result = await gen(['eval', 'unclip-prior', '--checkpoint', run('p-recorded'), '--backend', 'wasm', '--n', '12', '--prior-steps', '2', ...flags, '--out', run(`p-r${index}`)]);
      expect(result.err).toBe('');
      expect(readJson(join(run(`p-r${index}`), 'metrics.json'))).toMatchObject(expected);
    }
  });

  test('sample unclip: variations of a reference PNG, text through a prior; bad input is one line', async () => {
    const variations = await gen(['sample', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--image', run('ref.png'), '--n', '3', '--steps', '2', '--out', run('v')]);
    expect(variations.err).toBe('');
    expect(variations.code).toBe(0);
    expect(variations.out).toMatch(/sampled 3 variations of .*ref\.png \(RMS pixel distance to it: mean [\d.]+, min [\d.]+\)/);
    expect(expectSampleSet(run('v'), 3, { labels: 'none' })).toMatchObject({ family: 'unclip', image: run('ref.png'), meanDistance: expect.any(Number), clip: clipCheckpoint(), guidanceScale: 3 });
    // --redraw-below larger than any distance: every variation is a copy, drawn again 4 times, and said so.
    const redrawn = await gen(['sample', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--image', run('ref.png'), '--n', '2', '--steps', '1', '--redraw-below', '5', '--out', run('v-redraw')]);
    expect(redrawn.err).toBe('');
    expect(redrawn.out).toMatch(/min [\d.]+; 8 draws closer than 5 redrawn, 2 still closer after 4 rounds \(more rounds: --max-redraws\)\)/);
    expect(expectSampleSet(run('v-redraw'), 2, { labels: 'none' })).toMatchObject({ redrawBelow: 5, maxRedraws: 4, redrawn: 8, copiesLeft: 2 });
    // --max-redraws bounds the rounds: 1 round redraws each of the 2 once.
    const once = await gen(['sample', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--image', run('ref.png'), '--n', '2', '--steps', '1', '--redraw-below', '5', '--max-redraws', '1', '--out', run('v-redraw1')]);
    expect(once.err).toBe('');
    expect(once.out).toMatch(/min [\d.]+; 2 draws closer than 5 redrawn, 2 still closer after 1 round \(more rounds: --max-redraws\)\)/);
    expect(expectSampleSet(run('v-redraw1'), 2, { labels: 'none' })).toMatchObject({ redrawBelow: 5, maxRedraws: 1, redrawn: 2, copiesLeft: 2 });

    const prompted = await gen(['sample', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--prompt', 'a seven', '--prior', run('p-diffusion'), '--prior-steps', '2', '--n', '2', '--steps', '2', '--out', run('t')]);
    expect(prompted.err).toBe('');
    expect(prompted.code).toBe(0);
    expect(expectSampleSet(run('t'), 2, { labels: 'none' })).toMatchObject({ prompt: 'a seven', priorKind: 'diffusion', priorSteps: 2 });

    const base = ['sample', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--steps', '1', '--out', run('x')];
    const errors: Array<[string[], string]> = [
      [['--image', run('small.png')], `--image (${JSON.stringify(run('small.png'))}) is 16×16, not the CLIP's 28×28 image size`],
      [['--image', run('nope.png')], `--image (${JSON.stringify(run('nope.png'))}) is not a file`],
      [[], '--image or --prompt is required: --image ref.png (variations) or --prompt "<text>" --prior <dir> (text-to-image)'],
      [['--prompt', 'a seven'], `--prior is required with --prompt: gen sample unclip --prompt "a seven" --prior <dir> (a gen train unclip-prior run)`],
      [['--prompt', '  ', '--prior', run('p-diffusion')], '--prompt ("  ") must not be empty'],
      [['--image', run('ref.png'), '--prior', run('p-diffusion')], `--prior (${JSON.stringify(run('p-diffusion'))}) must be omitted with --image: variations decode the reference's own image embedding`],
      [['--image', run('ref.png'), '--max-redraws', '8'], '--max-redraws ("8") needs --redraw-below <x> above 0 (the distance below which a variation is drawn again)'],
      [['--image', run('ref.png'), '--redraw-below', '0.1', '--max-redraws', '-1'], '--max-redraws ("-1") must be an integer from 0 to 1000'],
    ];
    for (const [args, message] of errors) {
      const result = await gen([...base, ...args]);
      expect([args, result.err]).toEqual([args, `gen sample unclip: ${message}\n`]);
      expect(result.code).toBe(2);
    }
    expect(existsSync(run('x'))).toBe(false);
    // The decoder is not a plain diffusion checkpoint.
    const plain = await gen(['sample', 'diffusion', '--checkpoint', run('d'), '--backend', 'wasm', '--n', '1', '--out', run('x')]);
    expect(plain.err).toBe(`gen sample diffusion: --checkpoint (${JSON.stringify(run('d'))}) is an unCLIP decoder (conditioned on CLIP image embeddings): use gen sample unclip / gen eval unclip\n`);
  });

  test('pretrained:<name> names the shipped decoders and priors; an unknown name lists them', async () => {
    const decoder = await gen(['sample', 'unclip', '--checkpoint', 'pretrained:nope', '--image', 'x.png', '--out', run('s-nope')]);
    expect(decoder.code).toBe(2);
    expect(decoder.err).toBe('gen sample unclip: --checkpoint ("pretrained:nope") names no shipped checkpoint (shipped: pretrained:mnist, pretrained:fashion)\n');
    const prior = await gen(['eval', 'unclip-prior', '--checkpoint', 'pretrained:mnist', '--out', run('p-nope')]);
    expect(prior.code).toBe(2);
    expect(prior.err).toBe('gen eval unclip-prior: --checkpoint ("pretrained:mnist") names no shipped checkpoint (shipped: pretrained:mnist-diffusion, pretrained:mnist-regression, pretrained:fashion-diffusion, pretrained:fashion-regression)\n');
    const evaluated = await gen(['eval', 'unclip-prior', '--checkpoint', 'pretrained:mnist-regression', '--backend', 'wasm', '--n', '20', '--out', run('p-shipped')]);
    expect(evaluated.err).toBe('');
    expect(evaluated.out).toMatch(/^regression prior: cos\(predicted, true image embedding\) 0\.[89]\d\d /m);
  });

  test('eval unclip: prompted-class accuracy through the prior, variation class agreement and distance to the reference', async () => {
    const { code, out, err } = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--prior', run('p-regression'), '--backend', 'wasm', '--n', '4', '--references', '2', '--per-reference', '2', '--steps', '1', '--out', run('e')]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/prompted-class accuracy [\d.]+% \(n 4, held-out prompts, regression prior, guidance 3\); FID [\d.]+, floor [\d.]+, ratio [\d.]+×\nvariations keep the reference's class [\d.]+% \(2 references × 2\); RMS pixel distance to the reference mean [\d.]+, min [\d.]+ \(another test image of its class: [\d.]+, nearest training image: [\d.]+\); copies \(< 0.1\) [\d.]+%, closer than the nearest training image too [\d.]+%\n/);
    const written = readJson(join(run('e'), 'metrics.json')) as { prompted: { fid: number; floor: number; ratio: number } };
    expect(written.prompted).toMatchObject({ n: 4, fid: expect.any(Number), floor: expect.any(Number), ratio: expect.any(Number), kid: expect.any(Number) });
    expect(written.prompted.ratio).toBeCloseTo(written.prompted.fid / written.prompted.floor, 6);
    const tooMany = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--prior', run('p-regression'), '--backend', 'wasm', '--n', '6000', '--out', run('e-many')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/^gen eval unclip: --n \("6000"\) must be an integer from 2 to \d+ for mnist/);
    const nothing = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--references', '0', '--out', run('e-none')]);
    expect(nothing.err).toBe('gen eval unclip: --references ("0") must be at least 1 without --prior: there would be nothing to measure\n');
    expect(nothing.code).toBe(2);
    const metrics = readJson(join(run('e'), 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'unclip', dataset: 'mnist', priorKind: 'regression', prompted: { n: 4 }, variations: { references: 2, perReference: 2, copyThreshold: 0.1, redrawBelow: 0, redrawn: 0, perClassCopies: expect.any(Array), nearestNeighbourDistance: expect.any(Number), copiesBelowNearest: expect.any(Number) } });
    // --redraw-below: every draw under 5 is drawn again 4 rounds (4 redraws per variation), all still copies (< 5 as the threshold).
    const redrawn = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--references', '1', '--per-reference', '2', '--steps', '1', '--redraw-below', '5', '--copy-threshold', '5', '--out', run('e-redraw')]);
    expect(redrawn.err).toBe('');
    expect(redrawn.out).toMatch(/copies \(< 5\) 100\.0%, closer than the nearest training image too [\d.]+% after redrawing those < 5 \(up to 4 rounds; 4\.000 redraws per variation\)\n/);
    expect(readJson(join(run('e-redraw'), 'metrics.json'))).toMatchObject({ variations: { redrawBelow: 5, maxRedraws: 4, redrawn: 4 } });
    const twice = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--references', '1', '--per-reference', '2', '--steps', '1', '--redraw-below', '5', '--max-redraws', '2', '--copy-threshold', '5', '--out', run('e-redraw2')]);
    expect(twice.err).toBe('');
    expect(twice.out).toMatch(/after redrawing those < 5 \(up to 2 rounds; 2\.000 redraws per variation\)\n/);
    const alone = await gen(['eval', 'unclip', '--checkpoint', run('d'), '--backend', 'wasm', '--references', '1', '--max-redraws', '2', '--out', run('e-alone')]);
    expect(alone.err).toBe('gen eval unclip: --max-redraws ("2") needs --redraw-below <x> above 0 (the distance below which a variation is drawn again)\n');
    expect(alone.code).toBe(2);
  });
});
