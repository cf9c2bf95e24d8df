// Image-to-image (SDEdit, Meng et al. 2022): noise the input image to an intermediate timestep
// with the forward process and denoise from there. `strength` chooses how far: 0 returns the
// image, 1 starts from (almost) pure noise. Latent diffusion (`vae` with `encode`): the image is
// encoded to the autoencoder's posterior mean first, and the result decoded as in every pipeline.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import {
  applyGuidance,
  finishImages,
  guidedModelOutput,
  imageToSample,
  prepareCondition,
  resetScheduler,
  resolvePipelineOptions,
  type ConditioningOptions,
  type PipelineOptions,
  type PipelineOutput,
} from './pipeline-utils';

/** What latent img2img needs of the autoencoder: an AutoencoderKL of @gen/vae qualifies. */
export interface LatentEncoder {
  decode(latents: tf.Tensor): tf.Tensor | { sample: tf.Tensor };
  /** Images in [−1, 1] → the posterior q(z | x); its `mean` is used. */
  encode(images: tf.Tensor): { latentDist: { mean: tf.Tensor } };
}

/** Options of {@link img2imgPipeline}. */
export interface Img2ImgPipelineOptions extends PipelineOptions, ConditioningOptions {
  /**
   * `[B, H, W, C]` images in [0, 1] of the model's shape; for latent diffusion (`vae`) of the
   * autoencoder's image shape: they are encoded to the posterior mean × `vaeScalingFactor`.
   */
  image: tf.Tensor;
  /** Fraction of the schedule to run, in [0, 1] (default 0.8): the image is noised to that point first. */
  strength?: number;
}

/**
 * Redraws `image` with the model: diffusers' img2img. With a condition (class labels or text) the
 * denoising is guided towards it.
 *
 * ```ts
 * const { images } = await img2imgPipeline({ model, scheduler, image, strength: 0.6, classLabels: [3], numInferenceSteps: 50 });
 * ```
 */
export async function img2imgPipeline(options: Img2ImgPipelineOptions): Promise<PipelineOutput> {
  const resolved = resolvePipelineOptions(options);
  const { model, scheduler, numInferenceSteps, generator, callback, signal } = resolved;
  const { image, strength = 0.8 } = options;
  if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
    throw new InvalidArgumentError('strength', strength, 'must be a number in [0, 1] (0 = keep the image, 1 = start from noise)');
  }
  const original = resolved.vae ? encodeToLatents(model, resolved.vae, image, resolved.vaeScalingFactor) : imageToSample(model, image);
  const batchSize = original.shape[0];
  let condition;
  try {
    condition = prepareCondition(model, options, batchSize);
  } catch (error) {
    original.dispose();
    throw error;
  }

  // 1. The last `strength` of the schedule (diffusers' get_timesteps): skip the first steps.
  scheduler.setTimesteps(numInferenceSteps);
  resetScheduler(scheduler);
  const initSteps = Math.min(Math.floor(numInferenceSteps * strength), numInferenceSteps);
  const startIndex = Math.max(numInferenceSteps - initSteps, 0);
  const timesteps = Array.from(scheduler.timesteps.slice(startIndex * scheduler.order));

  // 2. x_{t_start} = √ᾱ·x₀ + √(1−ᾱ)·ε (in the scheduler's scale), the starting point.
  let latents: tf.Tensor;
  if (timesteps.length === 0) {
    latents = original;
  } else {
    const noise = generator.normal(original.shape);
    latents = scheduler.addNoise(original, noise, new Int32Array(batchSize).fill(timesteps[0]));
    tf.dispose([noise, original]);
  }
  let selfCondition = model.config.selfConditioning ? tf.zerosLike(latents) : undefined;
  let stepsCompleted = 0;
  try {
    for (const [step, timestep] of timesteps.entries()) {
      if (signal?.aborted) break;
      // 3. Prediction (classifier-free guided when conditioned), then the guidance hook.
      const modelInput = scheduler.scaleModelInput(latents, timestep);
      const prediction = guidedModelOutput(model, modelInput, timestep, condition, selfCondition);
      const { modelOutput, predOriginalSample } = applyGuidance(resolved, prediction, modelInput, timestep, step);
      // 4. One scheduler step x_t → x_{t−1}.
      const output = scheduler.step(modelOutput, timestep, latents, { generator });
      tf.dispose([modelInput, prediction, modelOutput, latents]);
      latents = output.prevSample;
      stepsCompleted += 1;
      if (selfCondition) {
        selfCondition.dispose();
        selfCondition = tf.clipByValue(predOriginalSample, -1, 1);
      }
      // 5. Preview / interrupt.
      const keepGoing = callback
        ? await callback({ step, totalSteps: timesteps.length, timestep, latents, predOriginalSample: output.predOriginalSample ?? predOriginalSample })
        : true;
      tf.dispose([predOriginalSample, ...(output.predOriginalSample ? [output.predOriginalSample] : [])]);
      if (keepGoing === false) break;
    }
  } catch (error) {
    latents.dispose();
    throw error;
  } finally {
    condition.dispose();
    selfCondition?.dispose();
  }
  return { images: finishImages(latents, resolved), interrupted: stepsCompleted < timesteps.length, stepsCompleted };
}

/** Latent img2img's start: images in [0, 1] → posterior mean of the autoencoder × scaling factor, checked against the UNet's latent shape. */
function encodeToLatents(model: Parameters<typeof imageToSample>[0], vae: unknown, image: unknown, scalingFactor: number): tf.Tensor {
  if (typeof (vae as Partial<LatentEncoder>)?.encode !== 'function') {
    throw new InvalidArgumentError('vae', vae, 'must have an encode(images) method for img2img (an AutoencoderKL): the image is encoded to its latents');
  }
  if (!(image instanceof tf.Tensor) || image.rank !== 4) throw new InvalidArgumentError('image', image, "must be [batch, H, W, C] images in [0, 1] of the autoencoder's image shape");
  const latents = tf.tidy(() => tf.mul((vae as LatentEncoder).encode(tf.sub(tf.mul(image, 2), 1)).latentDist.mean, scalingFactor));
  const { height, width, inChannels } = model.config;
  if (latents.rank !== 4 || latents.shape[1] !== height || latents.shape[2] !== width || latents.shape[3] !== inChannels) {
    const shape = latents.shape;
    latents.dispose();
    throw new InvalidArgumentError('image', image, `must encode to the UNet's latents [batch, ${height}, ${width}, ${inChannels}] (the autoencoder gives [${shape.join(', ')}])`);
  }
  return latents;
}
