// Class-conditional generation with classifier-free guidance (Ho & Salimans 2022): at each step
// the model predicts with the class and with the null class in one doubled batch, and the
// scheduler steps with ε̂_∅ + w·(ε̂_c − ε̂_∅), optionally rescaled (Lin et al. 2023).
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

/** Options of {@link classConditionalPipeline}: one image per entry of `classLabels`. */
export interface ClassConditionalPipelineOptions
  extends PipelineOptions,
    Pick<ConditioningOptions, 'guidanceScale' | 'guidanceRescale'> {
  /** One class label per image, in [0, numClasses); `numClasses` itself is the null class. */
  classLabels: number[];
}

/**
 * Generates one image per class label, with classifier-free guidance weight `guidanceScale`
 * (default 3; 1 = plain conditional sampling, one model call per step).
 *
 * ```ts
 * const { images } = await classConditionalPipeline({ model, scheduler, classLabels: [7, 7, 3], guidanceScale: 3, numInferenceSteps: 20 });
 * ```
 */
export async function classConditionalPipeline(options: ClassConditionalPipelineOptions): Promise<PipelineOutput> {
  const resolved = resolvePipelineOptions(options);
  const { model, scheduler, numInferenceSteps, generator, callback, signal } = resolved;
  const { classLabels, guidanceScale, guidanceRescale } = options;
  if (classLabels === undefined) throw new InvalidArgumentError('classLabels', classLabels, 'is required: one class label per image');
  const condition = prepareCondition(model, { classLabels, guidanceScale, guidanceRescale }, undefined);
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
