// CLIP steering of a latent-variable generator: Adam on the latents z (and optionally a
// per-sample scale ψ ∈ [0, 1] of them, the truncation trick toward the prior's mean 0, and an
// unconstrained extra input such as class logits) to minimise the mean spherical distance between
// the CLIP embeddings of shifted views of render(ψ·z) and the target embedding (a prompt's text
// embedding or a reference image's image embedding, guidance/clip-target), with z kept near
// the prior. Family-agnostic: the GAN and VAE wrappers (steer-gan-latents, steer-vae-latents)
// supply `render` and the prior.
import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeInteger, checkNonNegativeNumber, checkPositiveInteger, checkPositiveNumber, Adam, Generator, InvalidArgumentError } from '@gen/core';
import { BaseClip } from '../clip';
import { drawShifts, viewStatistics } from '../guidance/clip-views';
import { checkPromptText, checkTarget, targetEmbedding, type ClipTarget } from '../guidance/clip-target';

/**
 * How z is kept near the prior N(0, I):
 * - `'sphere'`: after every Adam step each latent is re-projected onto the sphere of its
 *   initial norm ‖z₀‖ (≈ √d for a N(0, I) draw, the prior's typical set; smaller for a
 *   truncated draw, so the chosen truncation is kept). ‖z‖ is then constant (GANs).
 * - `'gaussian'`: the objective gains `weight · ½‖z‖²` = weight · (−log N(z; 0, I)) + const,
 *   the standard normal negative log-density (VAEs).
 */
export type LatentPrior = { kind: 'sphere' } | { kind: 'gaussian'; weight: number };

/** Options every steering function shares; the target is exactly one of `prompt` and `image`. */
export interface SteeringOptions extends ClipTarget {
  /** The text–image model: a Clip (trainClip, loadClip) or an ExternalClip (loadExternalClip) whose image tower passes gradients. */
  clip: BaseClip;
  /** Adam steps (≥ 1). Default 50. */
  steps?: number;
  /** Adam learning rate (> 0). Default 0.05. */
  lr?: number;
  /** Shifted views of each image averaged per step (≥ 1). Default 4. */
  cutouts?: number;
  /** Each view is shifted by up to this many pixels per axis, zero-filled (0: no augmentation). Default 2. */
  maxShift?: number;
  /** Draws the initial latents (when not given), omitted labels, then every step's shifts. */
  rng: Generator;
}

export interface SteerLatentsOptions extends SteeringOptions {
  /** Initial latents `[n, ...latentShape]` (float32; not modified). */
  latents: tf.Tensor;
  /** Per-sample latent shape the renderer takes. */
  latentShape: readonly number[];
  /** Differentiable latents `[n, ...latentShape]` (and the `condition`, when given) → images `[n, H, W, C]` in [0, 1] (called inside tf.tidy). */
  render: (latents: tf.Tensor, condition?: tf.Tensor) => tf.Tensor;
  prior: LatentPrior;
  /** Also learn a per-sample scale ψ ∈ [0, 1] (starting at 1, clipped after each step): images are render(ψ·z). Default false. */
  optimizeScale?: boolean;
  /**
   * Also learn an unconstrained input `[n, ...]` that `render` takes as its second argument (e.g.
   * class logits of a conditional GAN), starting at `initial` (not modified), with its own Adam
   * learning rate (default `lr`). No prior: the renderer decides what it means.
   */
  condition?: { initial: tf.Tensor; lr?: number };
}

/** What steering returns; `dispose()` frees the tensors. */
export interface SteeringResult {
  /** render(ψ·z) of the final latents, `[n, H, W, C]` clipped to [0, 1]. */
  images: tf.Tensor4D;
  /** The final latents z `[n, ...latentShape]`. */
  latents: tf.Tensor;
  /** The final ψ per sample, or null without `optimizeScale`. */
  scales: Float32Array | null;
  /** The final `condition` input, or null without one. */
  condition: tf.Tensor | null;
  /** Per step (before its update), per sample: the objective (view distance + prior penalty). */
  losses: Float32Array[];
  /** Per step (before its update), per sample: the mean cosine between the views' CLIP embeddings and the target's. */
  scores: Float32Array[];
  /** CLIP score (cosine, unshifted image) of each initial image with the target (prompt or reference). */
  initialScores: Float32Array;
  /** CLIP score (cosine, unshifted image) of each final image with the target (prompt or reference). */
  finalScores: Float32Array;
  dispose(): void;
}

/** The pieces of the steering objective fixed for a run. */
export interface SteeringObjective {
  clip: BaseClip;
  /** The target's unit-length embedding (prompt or reference image, `targetEmbedding`) `[1, embedDim]`, or one per sample `[n, embedDim]`. */
  textEmbedding: tf.Tensor;
  render: (latents: tf.Tensor, condition?: tf.Tensor) => tf.Tensor;
  prior: LatentPrior;
}

/**
 * The per-sample steering objective `[n]` at latents z (and scale ψ `[n]`, and the renderer's
 * `condition`, if any) for given view shifts: mean_k d(CLIP(shift_k(render(ψ·z, c))), t)
 * (+ weight·½‖z‖² for the Gaussian prior), with the views' mean cosine to t. Differentiable in
 * z, ψ and c; the caller disposes.
 */
export function steeringObjective(
  objective: SteeringObjective,
  latents: tf.Tensor,
  scales: tf.Tensor | null,
  shifts: ReadonlyArray<readonly [number, number]>,
  condition?: tf.Tensor | null,
): { objective: tf.Tensor1D; cosine: tf.Tensor1D } {
  const { clip, textEmbedding, render, prior } = objective;
  return tf.tidy(() => {
    const n = latents.shape[0];
    const input = scales ? tf.mul(latents, tf.reshape(scales, [n, ...latents.shape.slice(1).map(() => 1)])) : latents;
    const images = condition ? render(input, condition) : render(input);
    const { distance, cosine } = viewStatistics(clip, images, textEmbedding, shifts);
    const penalty = prior.kind === 'gaussian' ? tf.mul(prior.weight / 2, tf.sum(tf.reshape(tf.square(latents), [n, -1]), 1)) : null;
    return { objective: (penalty ? tf.add(distance, penalty) : distance) as tf.Tensor1D, cosine };
  });
}

/**
 * Throws unless `prompt` is a non-empty string (the message clipGuidance uses), or a non-empty
 * array of them (one per image; `n`, when given, is the number of images).
 */
export function checkPrompt(prompt: unknown, n?: number): string | readonly string[] {
  return checkPromptText(prompt, n);
}

/** The prompt embedding(s) `[1 | n, embedDim]` of a checked prompt; the caller disposes. */
export function promptEmbedding(clip: BaseClip, prompt: string | readonly string[]): tf.Tensor2D {
  return targetEmbedding(clip, { prompt });
}

/** The shared options with defaults filled in (the target stays one of prompt / image). */
export type CheckedSteeringOptions = Required<Omit<SteeringOptions, 'prompt' | 'image'>> & ClipTarget;

/** Checks the shared options; returns them with defaults filled in. */
export function checkSteeringOptions(options: SteeringOptions): CheckedSteeringOptions {
  const { clip, prompt, image, steps = 50, lr = 0.05, cutouts = 4, maxShift = 2, rng } = options ?? ({} as SteeringOptions);
  if (!(clip instanceof BaseClip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (trainClip, loadClip) or an ExternalClip (loadExternalClip)');
  checkTarget({ prompt, image }, clip);
  checkPositiveInteger('steps', steps);
  checkPositiveNumber('lr', lr);
  checkPositiveInteger('cutouts', cutouts);
  checkNonNegativeInteger('maxShift', maxShift);
  if (!(rng instanceof Generator)) throw new InvalidArgumentError('rng', rng, 'must be a Generator from @gen/core (new Generator(seed))');
  clip.checkImageGradients();
  return { clip, ...(prompt !== undefined ? { prompt } : { image }), steps, lr, cutouts, maxShift, rng };
}

/** Throws unless `latents` is a float32 tensor `[n, ...latentShape]` with n ≥ 1. */
export function checkLatents(latents: unknown, latentShape: readonly number[], n?: number): tf.Tensor {
  const t = latents as tf.Tensor;
  const expected = `[${n ?? 'n'}, ${latentShape.join(', ')}]`;
  if (!(t instanceof tf.Tensor) || t.dtype !== 'float32') throw new InvalidArgumentError('latents', latents, `must be a float32 tensor of shape ${expected}`);
  const shape = t.shape;
  const ok = shape.length === latentShape.length + 1 && shape[0] >= 1 && (n === undefined || shape[0] === n) && latentShape.every((d, i) => shape[i + 1] === d);
  if (!ok) throw new InvalidArgumentError('latents', latents, `must have shape ${expected}`);
  return t;
}

function checkPrior(prior: unknown): LatentPrior {
  const p = prior as LatentPrior;
  if (p?.kind === 'sphere') return p;
  if (p?.kind === 'gaussian') {
    checkNonNegativeNumber('prior.weight', p.weight);
    return p;
  }
  throw new InvalidArgumentError('prior', prior, "must be { kind: 'sphere' } or { kind: 'gaussian', weight ≥ 0 }");
}

/**
 * Steers latents toward `prompt` or the reference `image` (see the module comment). Each step draws `cutouts` shifts
 * from `rng`, takes the gradient of Σ_n objective_n with respect to z (and ψ), applies one
 * Adam update and re-projects (sphere prior) / clips ψ to [0, 1]. Same inputs and rng state,
 * same result. Per-step values are read back once, at the end.
 */
export async function steerLatents(options: SteerLatentsOptions): Promise<SteeringResult> {
  const { clip, prompt, image, steps, lr, cutouts, maxShift, rng } = checkSteeringOptions(options);
  const { latents: initial, latentShape, render, optimizeScale = false, condition: conditionOption } = options;
  if (!Array.isArray(latentShape) || latentShape.length === 0 || !latentShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new InvalidArgumentError('latentShape', latentShape, 'must be a non-empty array of positive integers');
  }
  checkLatents(initial, latentShape);
  if (typeof render !== 'function') throw new InvalidArgumentError('render', render, 'must be a function latents → images in [0, 1]');
  const prior = checkPrior(options.prior);
  if (typeof optimizeScale !== 'boolean') throw new InvalidArgumentError('optimizeScale', optimizeScale, 'must be true or false');
  const n = initial.shape[0];
  checkTarget({ prompt, image }, clip, n);
  if (conditionOption !== undefined) {
    const t = conditionOption?.initial;
    if (!(t instanceof tf.Tensor) || t.dtype !== 'float32' || t.rank < 1 || t.shape[0] !== n) {
      throw new InvalidArgumentError('condition.initial', t, `must be a float32 tensor [${n}, …] (one row per image)`);
    }
    if (conditionOption.lr !== undefined) checkPositiveNumber('condition.lr', conditionOption.lr);
  }

  const textEmbedding = tf.keep(targetEmbedding(clip, { prompt, image }));
  const objective: SteeringObjective = { clip, textEmbedding, render, prior };
  const z = tf.variable(initial, true);
  const psi = optimizeScale ? tf.tidy(() => tf.variable(tf.ones([n]), true)) : null;
  const c = conditionOption ? tf.variable(conditionOption.initial, true) : null;
  const radius = prior.kind === 'sphere' ? tf.tidy(() => tf.norm(tf.reshape(initial, [n, -1]), 'euclidean', 1, true)) : null;
  const adam = new Adam({ learningRate: lr });
  // The condition has its own optimizer when its learning rate differs (Adam's step is lr-scaled per parameter group).
  const conditionAdam = c && conditionOption?.lr !== undefined && conditionOption.lr !== lr ? new Adam({ learningRate: conditionOption.lr }) : null;
  const lossHistory: tf.Tensor[] = [];
  const scoreHistory: tf.Tensor[] = [];
  const cleanScore = () => tf.tidy(() => steeringObjective(objective, z, psi, [[0, 0]], c).cosine);
  const initialScores = cleanScore();
  try {
    for (let step = 0; step < steps; step++) {
      const shifts = drawShifts(rng, cutouts, maxShift);
      let cosine: tf.Tensor | null = null;
      const variables: tf.Variable[] = [z, ...(psi ? [psi] : []), ...(c ? [c] : [])];
      const { value, grads } = tf.tidy(() =>
        tf.valueAndGrads((...inputs: tf.Tensor[]) => {
          const [latents, ...rest] = inputs;
          const scales = psi ? rest.shift()! : null;
          const out = steeringObjective(objective, latents, scales, shifts, c ? rest.shift()! : null);
          cosine = tf.keep(out.cosine);
          return out.objective;
        })(variables),
      );
      lossHistory.push(value);
      scoreHistory.push(cosine!);
      const named: Record<string, tf.Variable> = { z };
      const gradients: Record<string, tf.Tensor> = { z: grads[0] };
      if (psi) {
        named.psi = psi;
        gradients.psi = grads[1];
      }
      if (c && !conditionAdam) {
        named.condition = c;
        gradients.condition = grads[variables.length - 1];
      }
      adam.step(named, gradients);
      if (c && conditionAdam) conditionAdam.step({ condition: c }, { condition: grads[variables.length - 1] });
      tf.dispose(grads);
      if (radius) {
        const r = radius;
        tf.tidy(() => {
          const flat = tf.reshape(z, [n, -1]);
          z.assign(tf.reshape(tf.mul(flat, tf.div(r, tf.maximum(tf.norm(flat, 'euclidean', 1, true), 1e-12))), z.shape));
        });
      }
      if (psi) tf.tidy(() => psi.assign(tf.clipByValue(psi, 0, 1)));
    }
    const images = tf.tidy(() => {
      const input = psi ? tf.mul(z, tf.reshape(psi, [n, ...latentShape.map(() => 1)])) : z;
      return tf.clipByValue(c ? render(input, c) : render(input), 0, 1) as tf.Tensor4D;
    });
    const latents = tf.clone(z);
    const condition = c ? tf.clone(c) : null;
    const finalScores = cleanScore();
    try {
      const [losses, scores, first, last, scales] = await Promise.all([
        readRows(lossHistory, n),
        readRows(scoreHistory, n),
        initialScores.data() as Promise<Float32Array>,
        finalScores.data() as Promise<Float32Array>,
        psi ? (psi.data() as Promise<Float32Array>) : Promise.resolve(null),
      ]);
      return { images, latents, scales, condition, losses, scores, initialScores: first, finalScores: last, dispose: () => tf.dispose([images, latents, ...(condition ? [condition] : [])]) };
    } catch (error) {
      tf.dispose([images, latents, ...(condition ? [condition] : [])]);
      throw error;
    } finally {
      finalScores.dispose();
    }
  } finally {
    tf.dispose([...lossHistory, ...scoreHistory, textEmbedding, z, initialScores]);
    if (psi) psi.dispose();
    c?.dispose();
    radius?.dispose();
    adam.dispose();
    conditionAdam?.dispose();
  }
}

/** Reads a list of `[n]` tensors with one download. */
async function readRows(rows: tf.Tensor[], n: number): Promise<Float32Array[]> {
  const stacked = tf.stack(rows);
  try {
    const values = (await stacked.data()) as Float32Array;
    return rows.map((_, i) => values.slice(i * n, (i + 1) * n));
  } finally {
    stacked.dispose();
  }
}
