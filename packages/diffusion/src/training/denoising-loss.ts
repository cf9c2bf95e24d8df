// One step of DDPM training (Ho et al. 2020, Algorithm 1) split in two parts that both the
// in-thread trainer (train-diffusion.ts) and the data-parallel replica (diffusion-replica.ts)
// use, so both compute the same numbers: the step's random draws for the WHOLE batch (a
// replica then slices its rows), and the loss of a (sub-)batch given those draws.
import * as tf from '@tensorflow/tfjs-core';
import { losses } from '@gen/core';
import type { Generator, PredictionType } from '@gen/core';
import { originalSampleFromPrediction } from '../models/prediction-type';
import type { UNet2DModel } from '../models/unet';

/** The random draws of one training step, one row per sample of the batch. */
export interface StepDraws {
  /** `[B]` int32 timesteps. */
  timesteps: tf.Tensor;
  /** `[B, H, W, C]` ε. */
  noiseDraw: tf.Tensor;
  /** `[B, 1, 1, C]` offset noise, or null when off. */
  offsetDraw: tf.Tensor | null;
  /** `B` uniforms: sample k's condition is dropped when `dropped[k] < conditionDropProb`. */
  dropped: Float32Array;
  /** Whether this step runs the self-conditioning pass (one coin per step, not per sample). */
  useSelfCondition: boolean;
}

/**
 * The step's draws for a batch of `size` samples, from the step's generator, in a fixed
 * order: timesteps, noise, offset noise, condition dropout, self-conditioning coin.
 */
export function drawStep(
  draw: Generator,
  size: number,
  shape: { height: number; width: number; inChannels: number; numTrainTimesteps: number },
  offsetNoise: number,
  selfConditioning: boolean,
): StepDraws {
  const { height, width, inChannels, numTrainTimesteps } = shape;
  const timesteps = draw.randint([size], 0, numTrainTimesteps);
  const noiseDraw = draw.normal([size, height, width, inChannels]);
  const offsetDraw = offsetNoise > 0 ? draw.normal([size, 1, 1, inChannels]) : null;
  const dropped = draw.uniformArray(size);
  const useSelfCondition = selfConditioning && draw.uniformArray(1)[0] < 0.5;
  return { timesteps, noiseDraw, offsetDraw, dropped, useSelfCondition };
}

/** Rows `[start, end)` of the draws (new tensors; the caller disposes both). */
export function sliceDraws(draws: StepDraws, start: number, end: number): StepDraws {
  const rows = <T extends tf.Tensor>(t: T): T => tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [end - start, ...t.shape.slice(1)]) as T;
  return {
    timesteps: rows(draws.timesteps),
    noiseDraw: rows(draws.noiseDraw),
    offsetDraw: draws.offsetDraw ? rows(draws.offsetDraw) : null,
    dropped: draws.dropped.subarray(start, end),
    useSelfCondition: draws.useSelfCondition,
  };
}

/** What the loss needs besides the batch. */
export interface DenoisingSetup {
  model: UNet2DModel;
  /** `[T]` ᾱ_t. */
  alphaBarTable: tf.Tensor1D;
  predictionType: PredictionType;
  snrGamma: number | undefined;
  offsetNoise: number;
  selfConditioning: boolean;
  conditionDropProb: number;
}

/** A (sub-)batch: x₀, its draws, and its conditions. */
export interface DenoisingBatch {
  /** `[b, H, W, C]` clean samples (pixels in [−1, 1] or latents). */
  x0: tf.Tensor;
  draws: StepDraws;
  /** Class-conditional UNets: the `b` dataset labels (the null class replaces dropped ones). */
  labels?: ArrayLike<number>;
  /** Cross-attention UNets: the batch's token embeddings (dropped rows get a zero mask). */
  text?: { encoderHiddenStates: tf.Tensor; encoderMask?: tf.Tensor };
}

/**
 * Builds x_t and the conditioning of a batch (inside the caller's `tf.tidy`) and returns the
 * loss function to differentiate: the mean over the batch of ‖target − model(x_t, t, c)‖².
 */
export function denoisingLoss(setup: DenoisingSetup, batch: DenoisingBatch): () => tf.Scalar {
  const { model, alphaBarTable, predictionType, snrGamma, offsetNoise, selfConditioning, conditionDropProb } = setup;
  const { x0, draws, labels, text } = batch;
  const { timesteps, noiseDraw, offsetDraw, dropped, useSelfCondition } = draws;
  const { numClasses, crossAttentionDim } = model.config;
  const size = x0.shape[0];
  const noise = offsetDraw ? tf.add(noiseDraw, tf.mul(offsetDraw, offsetNoise)) : noiseDraw;
  const alphaBar = tf.gather(alphaBarTable, timesteps);
  const column = tf.reshape(alphaBar, [size, 1, 1, 1]);
  // x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε — Ho et al. 2020, eq. 4.
  const noisy = tf.add(tf.mul(tf.sqrt(column), x0), tf.mul(tf.sqrt(tf.sub(1, column)), noise));

  // Conditioning, with the null condition for dropped samples (classifier-free guidance).
  const conditioning: { classLabels?: tf.Tensor; encoderHiddenStates?: tf.Tensor; encoderMask?: tf.Tensor } = {};
  if (numClasses !== null && labels) {
    const classes = new Int32Array(size);
    for (let k = 0; k < size; k++) classes[k] = dropped[k] < conditionDropProb ? numClasses : labels[k];
    conditioning.classLabels = tf.tensor1d(classes, 'int32');
  }
  if (crossAttentionDim !== null && text) {
    const keep = tf.tensor1d(Array.from(dropped, (value) => (value < conditionDropProb ? 0 : 1)), 'float32');
    const [, length] = text.encoderHiddenStates.shape;
    const mask = text.encoderMask ? tf.cast(text.encoderMask, 'float32') : tf.ones([size, length]);
    conditioning.encoderHiddenStates = text.encoderHiddenStates;
    conditioning.encoderMask = tf.mul(mask, tf.reshape(keep, [size, 1]));
  }
  // Self-conditioning: x̂₀ from a first pass without gradient, on half the steps.
  let selfCondition: tf.Tensor | undefined;
  if (selfConditioning) {
    selfCondition = useSelfCondition
      ? tf.clipByValue(originalSampleFromPrediction(model.forward(noisy, timesteps, conditioning).sample, noisy, alphaBar, predictionType), -1, 1)
      : tf.zerosLike(x0);
  }
  return () =>
    losses.diffusionLoss({
      modelOutput: model.forward(noisy, timesteps, { ...conditioning, selfCondition }).sample,
      originalSample: x0,
      noise,
      alphaBar,
      predictionType,
      snrGamma,
    }) as tf.Scalar;
}
