// CLIP-steered GAN sampling: the latents z of a @gen/gan generator (and optionally a
// per-sample truncation ψ, z ↦ ψ·z toward the prior's mean) optimised toward a prompt, with z
// re-projected onto the sphere of its initial norm after every step (see steer-latents).
//
// A conditional generator's class decides what it draws, and z has to fight it: steering "a seven"
// from a generator told to draw a three often still gives a three (the shipped MNIST ACGAN with a
// random class kept: 55.9% prompted-class accuracy after 50 steps, n = 1,000; README). So when no
// labels are given the class is steered too (`classes: 'steer'`): every image is first rendered
// once per class from its own z, CLIP scores each render against the prompt, and the class logits
// start at s·cos(CLIP(G(z, k)), prompt) (s: the CLIP's learned logit scale, so the start is CLIP's
// zero-shot posterior over the classes of those renders). The logits are then optimised with z,
// and the generator takes softmax(logits) as float class weights (the weighted class input and
// batch-norm tables; a one-hot row is exactly that class). 98.9% with the same setup (README).
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkPositiveNumber, InvalidArgumentError } from '@gen/core';
import { resolveLabels, sampleLatents, type GanGenerator, type LabelsInput } from '@gen/gan';
import { viewStatistics } from '../guidance/clip-views';
import { checkTarget, targetEmbedding } from '../guidance/clip-target';
import { checkLatents, checkSteeringOptions, steerLatents, type SteeringOptions, type SteeringResult } from './steer-latents';

/** How a conditional generator's class is chosen when no labels are given. */
export const GAN_CLASS_MODES = ['steer', 'random'] as const;
export type GanClassMode = (typeof GAN_CLASS_MODES)[number];

export interface SteerGanLatentsOptions extends SteeringOptions {
  /** The generator (e.g. `loadGan(dir).generator`): latents `[n, latentDim]` → images in [−1, 1]. Run in eval mode, left unchanged. */
  generator: GanGenerator;
  /** Number of images; may be omitted when `latents` are given. */
  n?: number;
  /** Initial latents `[n, latentDim]`; default: drawn from `rng` as @gen/gan's `generate` draws them. */
  latents?: tf.Tensor;
  /** Conditional generators: one class for all, or one per sample, kept fixed; omitted: see `classes`. */
  labels?: LabelsInput;
  /**
   * Conditional generators without `labels`: `'steer'` (default) — the class starts at CLIP's
   * choice among one render per class and its logits are optimised with z (the generator takes
   * float class weights); `'random'` — classes drawn from `rng` after the latents and kept fixed,
   * so steering only moves z, against the class input.
   */
  classes?: GanClassMode;
  /** Adam learning rate of the class logits with `classes: 'steer'` (default: `lr`). */
  classLr?: number;
  /** Truncation threshold τ of the initial draw (as `generate`); default Infinity (none). */
  truncation?: number;
  /** Also optimise a per-sample truncation ψ ∈ [0, 1] (images are G(ψ·z), ψ starts at 1). Default false. */
  optimizeTruncation?: boolean;
}

/** A GAN steering run: the shared result plus the classes used. */
export interface GanSteeringResult extends SteeringResult {
  /** The class of each image: as given or drawn, or, when steered, the largest final class weight; null when unconditional. */
  labels: Int32Array | null;
  /** With steered classes: the final softmax class weights, row-major `[n × numClasses]`; else null. */
  classWeights: Float32Array | null;
  /** With steered classes: the class CLIP chose from the one-render-per-class scores (before any step); else null. */
  initialLabels: Int32Array | null;
}

/**
 * Optimises `n` latents of `generator` so that G(z) matches `prompt` (or the reference `image`) under `clip`
 * (Adam, `steps` × `lr`, `cutouts` shifted views per step); ‖z‖ stays at its initial value.
 * A conditional generator without `labels` has its class steered as well (see the file header).
 *
 * ```ts
 * const { images, finalScores, labels } = await steerGanLatents({ clip, prompt: 'a thin, slanted seven', generator, n: 16, steps: 50, lr: 0.05, rng: new Generator(1) });
 * ```
 */
export async function steerGanLatents(options: SteerGanLatentsOptions): Promise<GanSteeringResult> {
  const shared = checkSteeringOptions(options);
  const { generator, labels, truncation = Infinity, optimizeTruncation = false, classes: classMode = 'steer', classLr } = options;
  const g = generator as GanGenerator;
  if (!g || typeof g.forward !== 'function' || typeof g.latentDim !== 'number' || typeof g.numClasses !== 'number') {
    throw new InvalidArgumentError('generator', generator, 'must be a GAN generator model (e.g. from loadGan)');
  }
  checkBoolean('optimizeTruncation', optimizeTruncation);
  if (!GAN_CLASS_MODES.includes(classMode)) throw new InvalidArgumentError('classes', classMode, `must be one of ${GAN_CLASS_MODES.join(', ')}`);
  if (classLr !== undefined) checkPositiveNumber('classLr', classLr);
  const given = options.latents;
  if (given !== undefined) checkLatents(given, [g.latentDim], options.n);
  const n = given !== undefined ? given.shape[0] : options.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('n', n, 'must be a positive integer (or give latents)');
  checkTarget(shared, shared.clip, n);
  if (labels !== undefined) resolveLabels(g, n, labels, null); // checks before any draw
  const steerClasses = g.numClasses > 0 && labels === undefined && classMode === 'steer';
  const initial = given ?? sampleLatents({ n, latentDim: g.latentDim, truncation, rng: shared.rng });
  const fixed = steerClasses ? null : resolveLabels(g, n, labels, shared.rng);
  const y = fixed ? tf.tensor1d(fixed, 'int32') : undefined;
  const wasTraining = g.training;
  g.eval();
  let logits: tf.Tensor2D | null = null;
  try {
    let initialLabels: Int32Array | null = null;
    if (steerClasses) {
      logits = classLogitsByClip(shared, g, initial);
      initialLabels = argmaxRows(await logits.data(), n, g.numClasses);
    }
    const render = (z: tf.Tensor, condition?: tf.Tensor) => tf.mul(tf.add(g.forward(z, condition ? tf.softmax(condition) : y), 1), 0.5);
    const result = await steerLatents({
      ...shared,
      latents: initial,
      latentShape: [g.latentDim],
      render,
      prior: { kind: 'sphere' },
      optimizeScale: optimizeTruncation,
      ...(logits ? { condition: { initial: logits, ...(classLr !== undefined ? { lr: classLr } : {}) } } : {}),
    });
    if (!result.condition) return { ...result, labels: fixed, classWeights: null, initialLabels: null };
    const weights = tf.tidy(() => tf.softmax(result.condition as tf.Tensor));
    try {
      const classWeights = (await weights.data()) as Float32Array;
      return { ...result, labels: argmaxRows(classWeights, n, g.numClasses), classWeights, initialLabels };
    } finally {
      weights.dispose();
    }
  } finally {
    g.train(wasTraining);
    y?.dispose();
    logits?.dispose();
    if (given === undefined) initial.dispose();
  }
}

/**
 * The starting class logits `[n, numClasses]`: s·cos between CLIP's embedding of G(z_i, k) and the
 * target (image i's prompt or reference image), one render per class, s the CLIP's logit scale.
 */
function classLogitsByClip(shared: ReturnType<typeof checkSteeringOptions>, g: GanGenerator, latents: tf.Tensor): tf.Tensor2D {
  const { clip } = shared;
  const n = latents.shape[0];
  return tf.tidy(() => {
    const text = targetEmbedding(clip, shared);
    const columns = Array.from({ length: g.numClasses }, (_, k) => {
      const images = tf.mul(tf.add(g.forward(latents, tf.fill([n], k, 'int32')), 1), 0.5);
      return viewStatistics(clip, images, text, [[0, 0]]).cosine;
    });
    return tf.mul(tf.stack(columns, 1), clip.logitScale()) as tf.Tensor2D;
  });
}

function argmaxRows(values: ArrayLike<number>, rows: number, columns: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, i) => {
    let best = 0;
    for (let k = 1; k < columns; k++) if (values[i * columns + k] > values[i * columns + best]) best = k;
    return best;
  });
}
