// Inpainting with an unconditionally trained model (the "replace" method: Song et al. 2021,
// "Score-Based Generative Modeling through SDEs", appendix I.2; diffusers' legacy inpaint
// pipeline): after every step the known pixels are overwritten by the original image noised to
// the next timestep, so only the masked region is generated and the rest ends exactly as given.
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

/** Options of {@link inpaintPipeline}. */
export interface InpaintPipelineOptions extends PipelineOptions, ConditioningOptions {
  /** `[B, H, W, C]` images in [0, 1] of the model's shape. */
  image: tf.Tensor;
  /** `[B or 1, H, W, 1 or C]`: 1 where pixels are generated, 0 where the image is kept. */
  mask: tf.Tensor;
  /** Fraction of the schedule to run (default 1: start the masked region from pure noise). */
  strength?: number;
}

/**
 * Fills the masked region of `image` with content consistent with the rest.
 *
 * ```ts
 * const { images } = await inpaintPipeline({ model, scheduler, image, mask, numInferenceSteps: 50 });
 * ```
 */
export async function inpaintPipeline(options: InpaintPipelineOptions): Promise<PipelineOutput> {
  const resolved = resolvePipelineOptions(options);
  const { model, scheduler, numInferenceSteps, generator, callback, signal } = resolved;
  const { image, mask, strength = 1 } = options;
  if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
    throw new InvalidArgumentError('strength', strength, 'must be a number in [0, 1] (0 = keep the image, 1 = start from noise)');
  }
  if (resolved.vae) throw new InvalidArgumentError('vae', resolved.vae, 'is not supported by inpainting yet: pass pixel images to a pixel-space model');
  const { height, width, inChannels } = model.config;
  const batchSize = image instanceof tf.Tensor && image.rank === 4 ? image.shape[0] : 1;
  if (
    !(mask instanceof tf.Tensor) ||
    mask.rank !== 4 ||
    (mask.shape[0] !== 1 && mask.shape[0] !== batchSize) ||
    mask.shape[1] !== height ||
    mask.shape[2] !== width ||
    (mask.shape[3] !== 1 && mask.shape[3] !== inChannels)
  ) {
    throw new InvalidArgumentError('mask', mask, `must have shape [${batchSize === 1 ? 1 : `1 or ${batchSize}`}, ${height}, ${width}, ${inChannels === 1 ? 1 : `1 or ${inChannels}`}] (1 = generate, 0 = keep)`);
  }
  const original = imageToSample(model, image);
  let condition;
  try {
    condition = prepareCondition(model, options, batchSize);
  } catch (error) {
    original.dispose();
    throw error;
  }

  // 1. Timesteps (the last `strength` of the schedule) and one noise draw used throughout.
  scheduler.setTimesteps(numInferenceSteps);
  resetScheduler(scheduler);
  const initSteps = Math.min(Math.floor(numInferenceSteps * strength), numInferenceSteps);
  const startIndex = Math.max(numInferenceSteps - initSteps, 0);
  const timesteps = Array.from(scheduler.timesteps.slice(startIndex * scheduler.order));
  const noise = generator.normal(original.shape);
  const maskFloat = tf.cast(mask, 'float32');
  const noisedOriginal = (timestep: number) => scheduler.addNoise(original, noise, new Int32Array(batchSize).fill(timestep));

  // 2. Start: pure noise for strength 1, else the image noised to the first timestep.
  let latents: tf.Tensor =
    timesteps.length === 0 ? tf.clone(original) : strength === 1 ? tf.mul(noise, scheduler.initNoiseSigma) : noisedOriginal(timesteps[0]);
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
      // 5. Keep the known pixels: x ← m·x_{t−1} + (1 − m)·q(x_{t−1} | x₀), the clean image after the last step.
      const isLast = step === timesteps.length - 1;
      latents = tf.tidy(() => {
        const known = isLast ? original : noisedOriginal(timesteps[step + 1]);
        return tf.add(tf.mul(maskFloat, output.prevSample), tf.mul(tf.sub(1, maskFloat), known));
      });
      output.prevSample.dispose();
      stepsCompleted += 1;
      if (selfCondition) {
        selfCondition.dispose();
        selfCondition = tf.clipByValue(predOriginalSample, -1, 1);
      }
      // 6. Preview / interrupt.
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
    tf.dispose([original, noise, maskFloat]);
    condition.dispose();
    selfCondition?.dispose();
  }
  return { images: finishImages(latents, resolved), interrupted: stepsCompleted < timesteps.length, stepsCompleted };
}
