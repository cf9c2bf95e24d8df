// Text-to-image with the shipped model: a UNet conditioned by cross-attention on the token
// states of a CLIP text encoder, over the latents of an AutoencoderKL, sampled with
// classifier-free guidance. Three checkpoints mixed: the UNet, its autoencoder (shipped inside
// it, in autoencoder/) and the CLIP its config names.
//   node examples/node/text-to-image.mjs [--quick] [--prompt "a thin, slanted seven"] [--model mnist-text]
// The CLI does the same with `gen sample diffusion --checkpoint pretrained:mnist-text --prompt "…"`.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, makeGrid } from '@gen/core';
import { generateFromPrompts, loadClip } from '@gen/clip-guidance';
import { loadPretrainedClip } from '@gen/clip-guidance/node';
import { DPMSolverMultistepScheduler } from '@gen/diffusion';
import { autoencoderDirOf, loadPretrainedDiffusion, pretrainedDiffusionDir } from '@gen/diffusion/node';
import { loadVaeModel } from '@gen/vae';
import { savePng, setup } from './lib/setup.mjs';

const args = await setup('text-to-image', { prompt: { type: 'string', multiple: true }, model: { type: 'string', default: 'mnist-text' } });
const prompts = args.prompt ?? ['a thin, slanted seven', 'a bold three', 'a small zero', 'a large two'];

// 1. The UNet (EMA weights) and its config, which names the autoencoder and the text encoder.
const unet = await loadPretrainedDiffusion(args.model);
const { textEncoder, scalingFactor } = unet.config;
if (!textEncoder) throw new Error(`pretrained:${args.model} is not text-conditioned (its config names no textEncoder)`);

// 2. The autoencoder that decodes the sampled latents: decode(z / scalingFactor).
const { model: autoencoder } = await loadVaeModel({ source: autoencoderDirOf(unet.config, pretrainedDiffusionDir(args.model)) });

// 3. The CLIP whose text encoder the UNet was trained on ("pretrained:mnist" or a folder).
const clipName = textEncoder.clip;
const clip = clipName.startsWith('pretrained:') ? await loadPretrainedClip(clipName.slice('pretrained:'.length)) : await loadClip(clipName);

// 4. One image per prompt; DPM-Solver++ 2M with the scheduler config the UNet was trained with.
const { images, stepsCompleted } = await generateFromPrompts({
  model: unet.model,
  scheduler: DPMSolverMultistepScheduler.fromConfig(unet.schedulerConfig),
  clip,
  prompts: args.quick ? prompts.slice(0, 2) : prompts,
  guidanceScale: 3,
  numInferenceSteps: args.quick ? 4 : 20,
  vae: autoencoder,
  vaeScalingFactor: scalingFactor,
  generator: new Generator(args.seed),
});
const grid = makeGrid(images, { columns: images.shape[0] });
await savePng(args.out, 'samples.png', grid);
console.log(JSON.stringify({ example: 'text-to-image', prompts: prompts.slice(0, images.shape[0]), stepsCompleted, imagesShape: images.shape }));
tf.dispose([images, grid]);
unet.dispose();
autoencoder.dispose();
clip.dispose();
