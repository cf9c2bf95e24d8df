// Latent diffusion on a VAE: train an AutoencoderKL (28×28×1 → 7×7×c latents), train a UNet on
// its scaled latents, sample latents with DDIM and decode them to images.
//   node examples/node/latent-diffusion.mjs [--quick] [--out gen-out/latent-diffusion]
// The CLI does the same with `gen train vae --model autoencoder-kl` and
// `gen train diffusion --autoencoder <run>` (docs/guides/mix-models.md).
import * as tf from '@tensorflow/tfjs-core';
import { Generator, makeGrid } from '@gen/core';
import { DDIMScheduler, trainDiffusion, unconditionalPipeline } from '@gen/diffusion';
import { estimateScalingFactor, trainVae } from '@gen/vae';
import { imagesOf, mnistSlice, savePng, setup } from './lib/setup.mjs';

const args = await setup('latent-diffusion');
const quick = args.quick;
const train = await mnistSlice(quick ? 128 : undefined);
const log = (what) => ({ step, losses }) => console.log(`${what} step ${step}: loss ${losses.loss.toFixed(4)}`);

// 1. The autoencoder: two halvings (three levels), so 28×28 → 7×7.
const { model: autoencoder, optimizer } = await trainVae({
  config: quick
    ? { kind: 'autoencoder-kl', blockChannels: [8, 8, 8], latentChannels: 2, normGroups: 4 }
    : { kind: 'autoencoder-kl', blockChannels: [32, 64, 64], latentChannels: 4 },
  dataset: train,
  steps: quick ? 2 : 10_000,
  batchSize: quick ? 16 : 64,
  seed: args.seed,
  logEvery: quick ? 1 : 1000,
  onProgress: log('autoencoder'),
});
optimizer.dispose();

// 2. The scaling factor: 1 / std of the latents, so the UNet sees unit-variance data.
const pixels = tf.tidy(() => tf.sub(tf.mul(imagesOf(tf, train, quick ? 64 : 512), 2), 1)); // [-1, 1]
const scalingFactor = await estimateScalingFactor({ model: autoencoder, images: pixels, generator: new Generator(args.seed).fork('scaling-factor') });
pixels.dispose();
autoencoder.setScalingFactor(scalingFactor);
console.log(`scaling factor ${scalingFactor.toFixed(4)}`);

// 3. The UNet on latents: trainDiffusion encodes each [-1, 1] image batch with encodeImages.
const [height, width, channels] = autoencoder.latentShape;
const diffusion = await trainDiffusion({
  config: quick
    ? { height, width, inChannels: channels, outChannels: channels, blockOutChannels: [8, 16], layersPerBlock: 1, attentionLevels: [false, true], attentionHeadDim: 8, normNumGroups: 4, timeEmbeddingDim: 16 }
    : { height, width, inChannels: channels, outChannels: channels, blockOutChannels: [64, 128], layersPerBlock: 1, attentionLevels: [false, true] },
  dataset: train,
  steps: quick ? 2 : 20_000,
  batchSize: quick ? 8 : 64,
  seed: args.seed,
  encodeImages: (x, g) => tf.tidy(() => tf.mul(autoencoder.encode(x).latentDist.sample({ generator: g }), scalingFactor)),
  logEvery: quick ? 1 : 1000,
  onProgress: log('unet'),
});
diffusion.ema?.copyTo(Object.fromEntries(diffusion.model.namedParameters()));

// 4. Sample latents with DDIM; the pipeline decodes decode(z / scalingFactor) after the loop.
const { images } = await unconditionalPipeline({
  model: diffusion.model,
  scheduler: DDIMScheduler.fromConfig(diffusion.schedulerConfig),
  numInferenceSteps: quick ? 4 : 50,
  batchSize: quick ? 4 : 16,
  vae: autoencoder,
  vaeScalingFactor: scalingFactor,
  generator: new Generator(args.seed + 1),
});
const grid = makeGrid(images, { columns: 4 });
await savePng(args.out, 'samples.png', grid);
console.log(JSON.stringify({ example: 'latent-diffusion', latentShape: autoencoder.latentShape, scalingFactor, imagesShape: images.shape }));
tf.dispose([images, grid]);
diffusion.dispose();
autoencoder.dispose();
