// gen train | sample | eval vae end to end on a tiny VAE and 64 MNIST digits (wasm backend).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { main } from '../main';
import { checkpointTensors, expectSampleSet, gen, jsonLines, pngInfo, readJson, expectSameCheckpoints } from './test-utils';

const TINY = '{"widths":[4,8],"hiddenDim":16}';
const COMMON = ['--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--latent-dim', '2', '--config', TINY];

describe('gen train | sample | eval vae', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-vae-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (name: string) => join(dir, name);

  test('train writes checkpoints, prior-sample grids and metrics (nats per image)', async () => {
    const { code, out, err } = await gen(['train', 'vae', ...COMMON, '--steps', '4', '--every', '2', '--checkpoint-every', '2', '--out', run('a')]);
    expect(code).toBe(0);
    expect(out).toContain('bernoulli decoder, latent 2, objective elbo');
    expect(out).toContain('trained to step 4');
    expect(err).toMatch(/train vae .*step 4\/4 loss [\d.]+ reconstruction [\d.]+ kl [\d.]+ negativeElbo [\d.]+/);
    for (const step of ['00000002', '00000004']) expect(existsSync(join(run('a'), 'checkpoints', `step-${step}`, 'config.json'))).toBe(true);
    for (const step of ['000002', '000004']) expect(pngInfo(join(run('a'), 'samples', `step-${step}.png`))).toMatchObject({ width: 242, height: 242 });
    expect(jsonLines(join(run('a'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 4, losses: { loss: expect.any(Number), kl: expect.any(Number) } });
  });

  test('--resume continues to --steps exactly (same tensors as uninterrupted)', async () => {
    const args = ['train', 'vae', ...COMMON, '--every', '0', '--checkpoint-every', '2', '--out', run('b')];
    expect((await gen([...args, '--steps', '2'])).code).toBe(0);
    const resumed = await gen([...args, '--steps', '4', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    await expectSameCheckpoints(join(run('a'), 'checkpoints', 'step-00000004'), join(run('b'), 'checkpoints', 'step-00000004'));
  });

  test('Ctrl-C (SIGINT) stops after the current step with a final checkpoint, exit 130; --resume finishes the run', async () => {
    let err = '';
    let sent = false;
    const io = {
      stdout: { write: (text: string) => (out += text) },
      stderr: {
        isTTY: true,
        write: (text: string) => {
          err += text;
          // Interrupt once the progress bar (redrawn on each read, as on a terminal) reports step 3.
          if (!sent && /step 3\/50 /.test(text)) {
            sent = true;
            process.emit('SIGINT');
          }
          return true;
        },
      },
    };
    let out = '';
    const args = ['train', 'vae', ...COMMON, '--steps', '50', '--every', '1', '--checkpoint-every', '1000', '--out', run('i')];
    const code = await main(args, { io });
    expect(sent).toBe(true);
    expect(err).toContain('stopping after this step and writing a checkpoint (Ctrl-C again to quit now)');
    expect(code).toBe(130);
    expect(out).toContain(`stopped at step 3 (interrupted); checkpoint: ${join(run('i'), 'checkpoints', 'step-00000003')} (step 3); continue with --resume`);
    expect(process.listenerCount('SIGINT')).toBe(0);
    const resumed = await gen([...args.slice(0, args.indexOf('--steps')), '--steps', '4', '--every', '0', '--out', run('i'), '--resume']);
    expect(resumed.code).toBe(0);
    const uninterrupted = await checkpointTensors(join(run('a'), 'checkpoints', 'step-00000004'));
    const continued = await checkpointTensors(join(run('i'), 'checkpoints', 'step-00000004'));
    for (const [name, values] of Object.entries(uninterrupted)) expect([name, Array.from(continued[name])]).toEqual([name, Array.from(values)]);
  });

  test('sample: files, seeds, --mixture, --interpolate and --latent-grid', async () => {
    const out = run('s');
    const { code, err } = await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '4', '--seed', '3', '--interpolate', '--rows', '2', '--frames', '4', '--latent-grid', '--grid-size', '5', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = expectSampleSet(out, 4, { labels: 'none' });
    expect(json.samples.map((s: { seed: number }) => s.seed)).toEqual([3, 4, 5, 6]);
    expect(json).toMatchObject({ family: 'vae', sampler: 'prior', temperature: 1, step: 4 });
    expect(pngInfo(join(out, 'interpolation.png'))).toMatchObject({ width: 4 * 30 + 2, height: 2 * 30 + 2 });
    expect(pngInfo(join(out, 'latent-grid.png'))).toMatchObject({ width: 5 * 30 + 2, height: 5 * 30 + 2 });

    const single = run('s1');
    expect((await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '1', '--seed', '5', '--out', single])).code).toBe(0);
    expect(readFileSync(join(single, 'samples', '0000.png'))).toEqual(readFileSync(join(out, 'samples', '0002.png')));

    const mixture = run('m');
    const fitted = await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '3', '--mixture', '--components', '2', '--mixture-images', '50', '--out', mixture]);
    expect(fitted.err).toBe('');
    expect(fitted.code).toBe(0);
    expect(expectSampleSet(mixture, 3).sampler).toBe('mixture of 2 Gaussians fitted to 50 training posterior means');
  });

  test('eval: FID / KID of prior samples and the importance-sampled NLL with the ELBO, k stated', async () => {
    const out = run('e');
    const { code, out: stdout, err } = await gen(['eval', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '20', '--k', '8', '--nll-n', '10', '--components', '2', '--mixture-images', '30', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^nll [\d.]+ ± [\d.]+ nats \(k 8, 10 test images\), elbo -?[\d.]+ nats$/m);
    const metrics = readJson(join(out, 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'vae', dataset: 'mnist', n: 20, k: 8, nllImages: 10, nllUnit: 'nats per image', likelihood: 'bernoulli' });
    for (const field of ['fid', 'floor', 'ratio', 'kid', 'nll', 'elbo']) expect(Number.isFinite(metrics[field])).toBe(true);
    // log p(x) ≥ ELBO on average: NLL ≤ −ELBO.
    expect(metrics.nll).toBeLessThanOrEqual(-metrics.elbo + 1e-6);
    expect(metrics.ratio).toBeCloseTo(metrics.fid / metrics.floor, 6);
    // Gaussian-mixture samples are scored against the same real images (same floor).
    expect(metrics.sampler).toBe('prior N(0, I)');
    expect(metrics.mixture).toMatchObject({ sampler: 'mixture of 2 Gaussians fitted to 30 training posterior means', floor: metrics.floor });
    expect(metrics.mixture.ratio).toBeCloseTo(metrics.mixture.fid / metrics.floor, 6);
    expect(stdout).toMatch(/^mixture: fid [\d.]+ ratio [\d.]+$/m);
    // Reconstructions of training images, scored against the same real images.
    expect(metrics.reconstruction.ratio).toBeCloseTo(metrics.reconstruction.fid / metrics.floor, 6);
    expect(stdout).toMatch(/^reconstructions: fid [\d.]+ ratio [\d.]+ accuracy [\d.]+, mse [\d.]+$/m);
  });

  test('--model autoencoder-kl trains an AutoencoderKL with a spatial latent, and gen sample draws from it', async () => {
    const args = ['train', 'vae', '--model', 'autoencoder-kl', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--steps', '2', '--every', '0'];
    const config = ['--config', '{"blockChannels":[8,8],"normGroups":4,"latentChannels":2}'];
    const { code, out } = await gen([...args, ...config, '--out', run('ae')]);
    expect(code).toBe(0);
    expect(out).toContain('AutoencoderKL, gaussian decoder, latent 14×14×2');
    expect(readJson(join(run('ae'), 'run.json')).config).toMatchObject({ kind: 'autoencoder-kl', latentChannels: 2, blockChannels: [8, 8] });
    expect(jsonLines(join(run('ae'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 2, losses: { loss: expect.any(Number) } });
    expect((await gen(['sample', 'vae', '--checkpoint', run('ae'), '--backend', 'wasm', '--n', '3', '--out', run('ae-s')])).code).toBe(0);
    expectSampleSet(run('ae-s'), 3);
    const bad = await gen([...args, '--latent-dim', '4', '--out', run('ae-bad')]);
    expect(bad.err).toBe('gen train vae: --latent-dim ("4") does not apply to --model autoencoder-kl (its latent is spatial: set --config \'{"latentChannels":4}\')\n');
    expect(bad.code).toBe(2);
  });

  const VQ_ARGS = ['train', 'vae', '--model', 'vq-vae', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '64', '--codebook-size', '16', '--code-dim', '4'];
  const VQ_CONFIG = ['--config', '{"blockChannels":[4,4,4],"normGroups":2,"deadCodeSteps":2}', '--checkpoint-every', '2'];

  test('--model vq-vae: trains (perplexity and restarts in the metrics), gen eval vae reports reconstruction error and perplexity', async () => {
    const [args, config] = [VQ_ARGS, VQ_CONFIG];
    const { code, out, err } = await gen([...args, ...config, '--steps', '4', '--every', '2', '--out', run('vq')]);
    expect(code).toBe(0);
    expect(out).toContain('VQ-VAE, 7×7 tokens from 16 codes of size 4 (ema codebook)');
    expect(err).toMatch(/train vae .*step 4\/4 loss [\d.]+ reconstruction [\d.]+ commitment [\d.]+ perplexity [\d.]+ usedCodes [\d.]+ restartedCodes [\d.]+/);
    expect(readJson(join(run('vq'), 'run.json')).config).toMatchObject({ kind: 'vq-vae', codebookSize: 16, codeDim: 4, deadCodeSteps: 2 });
    const last = jsonLines(join(run('vq'), 'metrics.jsonl')).at(-1) as { step: number; losses: Record<string, number> };
    expect(last.step).toBe(4);
    expect(last.losses.perplexity).toBeGreaterThanOrEqual(1 - 1e-4);
    expect(last.losses.perplexity).toBeLessThanOrEqual(last.losses.usedCodes + 1e-3);
    expect(last.losses.restartedCodes).toBeGreaterThanOrEqual(0);
    // 4 rows of training images above their 4 rows of reconstructions.
    expect(pngInfo(join(run('vq'), 'samples', 'step-000004.png'))).toMatchObject({ width: 8 * 30 + 2, height: 8 * 30 + 2 });


    const before = tf.memory().numTensors;
    const evaluated = await gen(['eval', 'vae', '--checkpoint', run('vq'), '--backend', 'wasm', '--n', '20', '--out', run('vq-e')]);
    expect(evaluated.err).toBe('');
    expect(evaluated.code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluated.out).toMatch(/^reconstruction mse [\d.]+ mae [\d.]+; perplexity [\d.]+ of 16 codes \(\d+ used\) on 20 test images$/m);
    const metrics = readJson(join(run('vq-e'), 'metrics.json'));
    expect(metrics).toMatchObject({ family: 'vae', model: 'vq-vae', dataset: 'mnist', n: 20, codebookSize: 16, tokens: [7, 7], step: 4 });
    expect(metrics.perplexity).toBeGreaterThanOrEqual(1 - 1e-4);
    expect(metrics.perplexity).toBeLessThanOrEqual(metrics.usedCodes + 1e-3);
    // Reconstructions scored like samples (FID against the test split at the same n): the ceiling of a token model over this VQ-VAE.
    expect(evaluated.out).toMatch(/^reconstructions of 20 training images: fid [\d.]+ floor [\d.]+ ratio [\d.]+ kid /m);
    expect(metrics.reconstruction.scored.ratio).toBeCloseTo(metrics.reconstruction.scored.fid / metrics.reconstruction.scored.floor, 9);
    expect(metrics.reconstruction.mse).toBeGreaterThan(0);
    expect(metrics.reconstruction.mse).toBeLessThanOrEqual(metrics.reconstruction.mae + 1e-9); // errors in [0, 1]: e² ≤ |e|

    const sampled = await gen(['sample', 'vae', '--checkpoint', run('vq'), '--backend', 'wasm', '--out', run('vq-s')]);
    expect(sampled.err).toMatch(/^gen sample vae: --checkpoint \(".*"\) is a VQ-VAE, which has no prior to sample from \(a token prior samples its tokens\); gen eval vae measures its reconstructions\n$/);
    expect(sampled.code).toBe(2);
    const wrongFlag = await gen(['train', 'vae', '--codebook-size', '16', '--backend', 'wasm', '--out', run('vq-bad')]);
    expect(wrongFlag.err).toBe('gen train vae: --codebook-size ("16") applies to --model vq-vae only\n');
    const latent = await gen([...args, '--latent-dim', '4', '--out', run('vq-bad')]);
    expect(latent.err).toBe('gen train vae: --latent-dim ("4") does not apply to --model vq-vae (set --code-dim and --codebook-size)\n');
    const decay = await gen([...args, '--config', '{"decay":1}', '--out', run('vq-bad')]);
    expect(decay.err).toBe('gen train vae: --config ("{\\"decay\\":1}") is not a valid VQ-VAE config: VQVAE decay (1) must lie in (0, 1)\n');
    for (const bad of [wrongFlag, latent, decay]) expect(bad.code).toBe(2);
  });

  test('--model vq-vae --resume continues to --steps exactly (EMA codebook state included)', async () => {
    expect((await gen([...VQ_ARGS, ...VQ_CONFIG, '--steps', '2', '--every', '0', '--out', run('vq-b')])).code).toBe(0);
    const resumed = await gen([...VQ_ARGS, ...VQ_CONFIG, '--steps', '4', '--every', '0', '--resume', '--out', run('vq-b')]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming from step 2');
    await expectSameCheckpoints(join(run('vq'), 'checkpoints', 'step-00000004'), join(run('vq-b'), 'checkpoints', 'step-00000004'));
  });

  test('--objective iwae --k 3 trains on the k-sample bound', async () => {
    const { code, out } = await gen(['train', 'vae', ...COMMON, '--objective', 'iwae', '--k', '3', '--steps', '2', '--every', '0', '--out', run('iwae')]);
    expect(code).toBe(0);
    expect(out).toContain('objective iwae (k 3)');
    expect(readJson(join(run('iwae'), 'run.json'))).toMatchObject({ objective: 'iwae', k: 3 });
    expect(jsonLines(join(run('iwae'), 'metrics.jsonl')).at(-1)).toMatchObject({ step: 2, losses: { loss: expect.any(Number) } });
  });

  test('a conditional VAE samples the requested classes and reports class accuracy', async () => {
    expect((await gen(['train', 'vae', ...COMMON, '--conditional', '--steps', '2', '--every', '0', '--out', run('c')])).code).toBe(0);
    expect((await gen(['sample', 'vae', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '11', '--out', run('c-s')])).code).toBe(0);
    expectSampleSet(run('c-s'), 11, { labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0] });
    const evaluated = await gen(['eval', 'vae', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '20', '--k', '4', '--nll-n', '5', '--components', '0', '--out', run('c-e')]);
    expect(evaluated.err).toBe('');
    expect(readJson(join(run('c-e'), 'metrics.json'))).toMatchObject({ conditional: true, classAccuracy: expect.any(Number) });
  });

  test('sample --reconstruct and --attribute write reconstruction.png and attribute.png next to the grid', async () => {
    const out = run('ra');
    const { code, out: stdout, err } = await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '2', '--reconstruct', '--attribute', '7-1', '--attribute-images', '200', '--rows', '3', '--frames', '4', '--out', out]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expectSampleSet(out, 2, { labels: 'none' });
    // 3 test images above their 3 reconstructions; 3 test ones, each going toward a 7 in 4 steps.
    expect(pngInfo(join(out, 'reconstruction.png'))).toMatchObject({ width: 3 * 30 + 2, height: 2 * 30 + 2 });
    expect(pngInfo(join(out, 'attribute.png'))).toMatchObject({ width: 4 * 30 + 2, height: 3 * 30 + 2 });
    expect(stdout).toContain(`${join(out, 'reconstruction.png')}\n`);
    expect(stdout).toContain(`${join(out, 'attribute.png')}\n`);
    // A conditional model encodes and decodes with each image's label.
    const conditional = await gen(['sample', 'vae', '--checkpoint', run('c'), '--backend', 'wasm', '--n', '1', '--reconstruct', '--attribute', '3-8', '--attribute-images', '200', '--rows', '2', '--frames', '2', '--out', run('c-ra')]);
    expect(conditional.err).toBe('');
    expect(conditional.code).toBe(0);
    expect(pngInfo(join(run('c-ra'), 'attribute.png'))).toMatchObject({ width: 2 * 30 + 2, height: 2 * 30 + 2 });
    // Class names (case-insensitive) as well as indices, a name may hold a '-'.
    const named = await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '1', '--dataset', 'fashion', '--attribute', 't-shirt/top-Trouser', '--attribute-images', '100', '--rows', '1', '--frames', '2', '--out', run('f-ra')]);
    expect(named.err).toBe('');
    expect(named.code).toBe(0);
    expect(pngInfo(join(run('f-ra'), 'attribute.png'))).toMatchObject({ width: 2 * 30 + 2, height: 30 + 2 });
  });

  test('sample and eval leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    expect((await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '3', '--mixture', '--components', '2', '--mixture-images', '20', '--interpolate', '--rows', '1', '--frames', '3', '--latent-grid', '--grid-size', '3', '--out', run('leak')])).code).toBe(0);
    expect((await gen(['sample', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '1', '--reconstruct', '--attribute', '0-1', '--attribute-images', '100', '--rows', '2', '--frames', '3', '--out', run('leak-ra')])).code).toBe(0);
    expect((await gen(['eval', 'vae', '--checkpoint', run('a'), '--backend', 'wasm', '--n', '10', ...['--k', '2', '--nll-n', '3', '--mixture-images', '20', '--components', '2'], '--out', run('leak-e')])).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('bad input: one line, exit 2 (command line) or 1 (checkpoint)', () => {
    test.each([
      [['train', 'vae', '--objective', 'elbo', '--k', '5'], 2, 'gen train vae: --k ("5") must be 1 with --objective elbo (use --objective iwae for k > 1)'],
      [['train', 'vae', '--objective', 'iwae', '--beta', '0.5'], 2, 'gen train vae: --beta ("0.5") must be omitted with --objective iwae (the bound has no KL weight)'],
      [['train', 'vae', '--likelihood', 'poisson'], 2, 'gen train vae: --likelihood ("poisson") must be one of bernoulli, gaussian, logistic'],
      [['sample', 'vae'], 2, 'gen sample vae: --checkpoint is required: gen sample vae --checkpoint <dir> (a run folder of gen train, its checkpoints/ folder or one checkpoint folder)'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--n', '0'], 2, 'gen sample vae: --n ("0") must be an integer from 1 to 100000'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--label', '2'], 2, 'gen sample vae: --label ("2") must be omitted: the checkpoint is unconditional'],
      [['sample', 'vae', '--checkpoint', 'RUN_C', '--label', '10'], 2, 'gen sample vae: --label ("10") must be a class from 0 to 9 (the checkpoint has 10 classes)'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--temperature', '0'], 2, 'gen sample vae: --temperature ("0") must be a number > 0'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--attribute', '7-7'], 2, 'gen sample vae: --attribute ("7-7") must be <a>-<b>: two different classes of mnist (0 to 9); a and b are both 7'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--attribute', '7-12'], 2, 'gen sample vae: --attribute ("7-12") must be <a>-<b>: two different classes of mnist (0 to 9)'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--attribute', '7'], 2, 'gen sample vae: --attribute ("7") must be <a>-<b>: two different classes of mnist (0 to 9)'],
      [['sample', 'vae', '--checkpoint', 'RUN_A', '--dataset', 'fashion', '--attribute', 'T-shirt/top-boot'], 2, 'gen sample vae: --attribute ("T-shirt/top-boot") must be <a>-<b>: two different classes of fashion (0 to 9 or "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")'],
      [['eval', 'vae', '--checkpoint', 'RUN_A', '--n', '1'], 2, 'gen eval vae: --n ("1") must be an integer from 2 to 1000 for mnist (FID\'s floor needs two disjoint subsets of n real test images out of 2000)'],
      [['sample', 'vae', '--checkpoint', 'GAN'], 1, 'gen sample vae: GAN is a gan checkpoint, not a vae checkpoint'],
    ])('gen %j', async (argv, exitCode, message) => {
      const gan = join(dir, 'gan-checkpoint');
      if (!existsSync(gan)) {
        expect((await gen(['train', 'gan', '--backend', 'wasm', '--steps', '1', '--batch-size', '8', '--limit-data', '16', '--every', '0', '--fid-every', '0', '--config', '{"latentDim":4,"generatorWidths":[8,4],"discriminatorWidths":[4,8]}', '--out', gan])).code).toBe(0);
      }
      const names: Record<string, string> = { RUN_A: run('a'), RUN_C: run('c'), GAN: join(gan, 'checkpoints', 'step-00000001') };
      const substitute = (text: string) => text.replace(/RUN_A|RUN_C|GAN/g, (name) => names[name]);
      const { code, out, err } = await gen([...(argv as string[]).map(substitute), '--backend', 'wasm']);
      expect(err).toBe(`${substitute(message as string)}\n`);
      expect(code).toBe(exitCode);
      if (exitCode === 2) expect(out).toBe('');
    });
  });
});
