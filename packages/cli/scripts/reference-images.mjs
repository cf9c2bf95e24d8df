#!/usr/bin/env node
// Reference images across families (docs/guides/reference-images.md): for K MNIST test references
// of each class, variations from each family's reference route on the shipped models
// (pretrained:mnist diffusion, GAN, VAE and CLIP), scored by @gen/clip-guidance's
// evaluateReferenceVariations (the measure `gen eval unclip` reports): the share the repository's
// feature classifier gives the reference's class, the RMS pixel distance to the reference and the
// share of copies (< 0.1). Each family's plain samples are the baseline (what chance agreement
// gives). Prints a markdown table. Uses the built packages (run the build first).
//   nice -n 12 node packages/cli/scripts/reference-images.mjs --per-class 1 --per-reference 4 [--steps 20] [--steer-steps 50]
//     [--strengths 0.6,0.4] [--routes 0,1,…] (--routes: the rows to run, by index in the full list)
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { clipGuidance, evaluateReferenceVariations, steerGanLatents, steerVaeLatents } from '@gen/clip-guidance';
import { loadPretrainedClip } from '@gen/clip-guidance/node';
import { img2imgPipeline, SCHEDULERS, unconditionalPipeline } from '@gen/diffusion';
import { autoencoderDirOf, loadPretrainedDiffusion, pretrainedDiffusionDir } from '@gen/diffusion/node';
import { generate } from '@gen/gan';
import { loadPretrainedGan } from '@gen/gan/node';
import { loadVaeModel } from '@gen/vae';
import { loadPretrainedVae } from '@gen/vae/node';
import { setupBackend } from '../dist/index.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const perClass = Number(flag('--per-class', '1'));
const perReference = Number(flag('--per-reference', '4'));
const steps = Number(flag('--steps', '20'));
const steerSteps = Number(flag('--steer-steps', '50'));
const only = flag('--routes', '').split(',').filter(Boolean);
// img2img routes, one per strength (with and without CLIP guidance on top).
const strengths = flag('--strengths', '0.6').split(',').map(Number);

await setupBackend({ backend: 'wasm', io: { stdout: process.stdout, stderr: process.stderr } });
const references = await coreNode.loadDataset('mnist', { split: 'test' });
const classifier = await coreNode.loadFeatureClassifier('mnist');
const clip = await loadPretrainedClip('mnist');
const diffusion = await loadPretrainedDiffusion('mnist');
const { model: autoencoder } = await loadVaeModel({ source: autoencoderDirOf(diffusion.config, pretrainedDiffusionDir('mnist')) });
const decoder = { vae: autoencoder, vaeScalingFactor: diffusion.config.scalingFactor };
const scheduler = () => SCHEDULERS.ddim.fromConfig({ ...diffusion.schedulerConfig, clipSample: false });
const gan = await loadPretrainedGan('mnist');
const vae = await loadPretrainedVae('mnist');
const [low, high] = vae.range;

const guidanceFor = (reference, generator) => clipGuidance({ clip, image: reference, scale: 100, cutouts: 4, maxShift: 2, generator: generator.fork('views'), ...decoder });
async function img2img(reference, generator, guided, strength) {
  const image = tf.tile(reference, [perReference, 1, 1, 1]);
  const guidance = guided ? guidanceFor(reference, generator) : null;
  try {
    return (await img2imgPipeline({ model: diffusion.model, scheduler: scheduler(), numInferenceSteps: steps, image, strength, generator, ...decoder, ...(guidance ? { guidance } : {}) })).images;
  } finally {
    image.dispose();
    guidance?.dispose();
  }
}
const vaeDecode = (z) => tf.tidy(() => tf.clipByValue(tf.div(tf.sub(vae.decode(z).sample, low), high - low), 0, 1));
// `gen sample vae --image`'s variations: z = μ + σ·ε of the reference's posterior q(z | x).
const posterior = (reference, generator) =>
  tf.tidy(() => {
    const { latentDist } = vae.encode(tf.add(tf.mul(reference, high - low), low));
    return tf.add(latentDist.mean, tf.mul(latentDist.std(), generator.normal([perReference, ...vae.latentShape])));
  });

const routes = [
  ['diffusion', 'plain samples, null class (baseline)', async (_, generator) => (await unconditionalPipeline({ model: diffusion.model, scheduler: scheduler(), numInferenceSteps: steps, batchSize: perReference, generator, ...decoder })).images],
  ...strengths.map((strength) => ['diffusion', `img2img, strength ${strength}`, (reference, generator) => img2img(reference, generator, false, strength)]),
  [
    'diffusion',
    'CLIP image guidance from noise (scale 100)',
    async (reference, generator) => {
      const guidance = guidanceFor(reference, generator);
      try {
        return (await unconditionalPipeline({ model: diffusion.model, scheduler: scheduler(), numInferenceSteps: steps, batchSize: perReference, generator, guidance, ...decoder })).images;
      } finally {
        guidance.dispose();
      }
    },
  ],
  ...strengths.map((strength) => ['diffusion', `img2img ${strength} + CLIP image guidance`, (reference, generator) => img2img(reference, generator, true, strength)]),
  ['gan', 'plain samples, random class (baseline)', async (_, generator) => generate({ generator: gan.generator, n: perReference, rng: generator })],
  [
    'gan',
    `CLIP image steering, ${steerSteps} steps (class steered)`,
    async (reference, generator) => {
      const result = await steerGanLatents({ clip, image: reference, generator: gan.generator, n: perReference, steps: steerSteps, rng: generator });
      tf.dispose([result.latents, ...(result.condition ? [result.condition] : [])]);
      return result.images;
    },
  ],
  ['vae', 'prior samples (baseline)', async (_, generator) => vaeDecode(generator.normal([perReference, ...vae.latentShape]))],
  [
    'vae',
    'posterior samples of the reference',
    async (reference, generator) => {
      const z = posterior(reference, generator);
      try {
        return vaeDecode(z);
      } finally {
        z.dispose();
      }
    },
  ],
  [
    'vae',
    `posterior samples + CLIP image steering, ${steerSteps} steps`,
    async (reference, generator) => {
      const z = posterior(reference, generator);
      try {
        const result = await steerVaeLatents({ clip, image: reference, decoder: vae, latents: z, steps: steerSteps, rng: generator.fork('steer') });
        result.latents.dispose();
        return result.images;
      } finally {
        z.dispose();
      }
    },
  ],
];

const rows = [];
for (const [index, [family, route, run]] of routes.entries()) {
  if (only.length > 0 && !only.includes(String(index))) continue;
  const start = Date.now();
  const cpu = process.cpuUsage();
  const result = await evaluateReferenceVariations({ references, referenceCount: 10 * perClass, perReference, classifier, classCount: 10, seed: 0, generate: run });
  const { user, system } = process.cpuUsage(cpu);
  const images = result.references * perReference;
  const row = `| ${family} | ${route} | ${(100 * result.classAgreement).toFixed(1)}% | ${result.meanDistance.toFixed(3)} | ${result.minDistance.toFixed(3)} | ${(100 * result.copies).toFixed(1)}% | ${((user + system) / 1e6 / images).toFixed(2)} |`;
  rows.push(row);
  process.stderr.write(`${row}  (${((Date.now() - start) / 1000).toFixed(0)} s wall; references classified right ${(100 * result.referenceAccuracy).toFixed(0)}%, same-class distance ${result.sameClassDistance.toFixed(3)})\n`);
}
process.stdout.write(
  `${10 * perClass} references (${perClass} per class, MNIST test) × ${perReference} variations; DDIM ${steps} steps\n\n` +
    '| family | route | class kept | mean RMS distance | min | copies (< 0.1) | CPU s / image |\n|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);
for (const model of [classifier, clip, diffusion.model, autoencoder, gan, vae]) model.dispose();
void core;
