// Unconditional generation (Ho et al. 2020, Algorithm 2, with any scheduler): start from noise
// x_T and let the scheduler walk it to x₀ with the model's predictions.
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
  type PipelineOptions,
  type PipelineOutput,
} from './pipeline-utils';

/** Options of {@link unconditionalPipeline}. */
export interface UnconditionalPipelineOptions extends PipelineOptions {
  /** Images to generate (default 1). */
  batchSize?: number;
}

/**
 * Generates `batchSize` images from noise.
 *
 * ```ts
 * const scheduler = DDIMScheduler.fromConfig(schedulerConfig);
 * const { images } = await unconditionalPipeline({ model, scheduler, numInferenceSteps: 20, batchSize: 16, generator: new Generator(1) });
 * ```
 */
export async function unconditionalPipeline(options: UnconditionalPipelineOptions): Promise<PipelineOutput> {
  const resolved = resolvePipelineOptions(options);
  const { model, scheduler, numInferenceSteps, generator, callback, signal } = resolved;
  const { batchSize = 1 } = options;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', batchSize, 'must be a positive integer');
  const condition = prepareCondition(model, {}, batchSize);

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
