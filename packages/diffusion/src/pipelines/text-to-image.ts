// Text-conditional generation (cross-attention to token embeddings, Rombach et al. 2022) with
// classifier-free guidance: the unconditional branch uses the negative text, or the null
// condition (no text) by default. @gen/clip-guidance supplies the embeddings.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import {
  applyGuidance,
  finishImages,
  guidedModelOutput,
  initialNoise,
  prepareCondition,
  resetScheduler,
  resolvePipelineOptions,
  type ConditioningOptions,
  type PipelineOptions,
  type PipelineOutput,
} from './pipeline-utils';

/** Options of {@link textToImagePipeline}: one image per row of `encoderHiddenStates`. */
export interface TextToImagePipelineOptions
  extends PipelineOptions,
    Pick<ConditioningOptions, 'encoderMask' | 'negativeEncoderHiddenStates' | 'negativeEncoderMask' | 'guidanceScale' | 'guidanceRescale'> {
  /** `[B, L, crossAttentionDim]` text-token embeddings, one row per image. */
  encoderHiddenStates: tf.Tensor;
}

/**
 * Generates one image per row of `encoderHiddenStates`, with classifier-free guidance weight
 * `guidanceScale` (default 3; 1 = plain conditional sampling).
 *
 * ```ts
 * const { images } = await textToImagePipeline({ model, scheduler, encoderHiddenStates, encoderMask, guidanceScale: 4 });
 * ```
 */
export async function textToImagePipeline(options: TextToImagePipelineOptions): Promise<PipelineOutput> {
  const resolved = resolvePipelineOptions(options);
  const { model, scheduler, numInferenceSteps, generator, callback, signal } = resolved;
  const { encoderHiddenStates, encoderMask, negativeEncoderHiddenStates, negativeEncoderMask, guidanceScale, guidanceRescale } = options;
  if (encoderHiddenStates === undefined) throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, 'is required: [batch, length, crossAttentionDim] token embeddings');
  const condition = prepareCondition(model, { encoderHiddenStates, encoderMask, negativeEncoderHiddenStates, negativeEncoderMask, guidanceScale, guidanceRescale }, undefined);
  const batchSize = condition.batchSize;

  // 1. Timesteps, and the initial noise x_T ~ N(0, σ_init² I).
  scheduler.setTimesteps(numInferenceSteps);
  resetScheduler(scheduler);
  const timesteps = Array.from(scheduler.timesteps);
  let latents = initialNoise(model, scheduler, generator, batchSize);
  let selfCondition = model.config.selfConditioning ? tf.zerosLike(latents) : undefined;
  let stepsCompleted = 0;
  try {
    for (const [step, timestep] of timesteps.entries()) {
      if (signal?.aborted) break;
      // 2. The model's prediction at x_t (input scaled for σ-parametrised samplers), then the guidance hook.
      const modelInput = scheduler.scaleModelInput(latents, timestep);
      const prediction = guidedModelOutput(model, modelInput, timestep, condition, selfCondition);
      const { modelOutput, predOriginalSample } = applyGuidance(resolved, prediction, modelInput, timestep, step);
      // 3. One scheduler step x_t → x_{t−1}.
      const output = scheduler.step(modelOutput, timestep, latents, { generator });
      tf.dispose([modelInput, prediction, modelOutput, latents]);
      latents = output.prevSample;
      stepsCompleted += 1;
      // 4. Self-conditioning reads this step's x̂₀ at the next one.
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
