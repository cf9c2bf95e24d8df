// CLIP-steered GAN sampling: the latents z of a @gen/gan generator (and optionally a
// per-sample truncation ψ, z ↦ ψ·z toward the prior's mean) optimised toward a prompt, with z
// re-projected onto the sphere of its initial norm after every step (see steer-latents).
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, InvalidArgumentError } from '@gen/core';
import { resolveLabels, sampleLatents, type GanGenerator, type LabelsInput } from '@gen/gan';
import { checkLatents, checkSteeringOptions, steerLatents, type SteeringOptions, type SteeringResult } from './steer-latents';

export interface SteerGanLatentsOptions extends SteeringOptions {
  /** The generator (e.g. `loadGan(dir).generator`): latents `[n, latentDim]` → images in [−1, 1]. Run in eval mode, left unchanged. */
  generator: GanGenerator;
  /** Number of images; may be omitted when `latents` are given. */
  n?: number;
  /** Initial latents `[n, latentDim]`; default: drawn from `rng` as @gen/gan's `generate` draws them. */
  latents?: tf.Tensor;
  /** Conditional generators: one class for all, or one per sample; omitted: drawn from `rng` (after the latents). */
  labels?: LabelsInput;
  /** Truncation threshold τ of the initial draw (as `generate`); default Infinity (none). */
  truncation?: number;
  /** Also optimise a per-sample truncation ψ ∈ [0, 1] (images are G(ψ·z), ψ starts at 1). Default false. */
  optimizeTruncation?: boolean;
}

/** A GAN steering run: the shared result plus the labels used (null when unconditional). */
export interface GanSteeringResult extends SteeringResult {
  labels: Int32Array | null;
}

/**
 * Optimises `n` latents of `generator` so that G(z) matches `prompt` under `clip`
 * (Adam, `steps` × `lr`, `cutouts` shifted views per step); ‖z‖ stays at its initial value.
 *
 * ```ts
 * const { images, finalScores } = await steerGanLatents({ clip, prompt: 'a thin, slanted seven', generator, n: 16, steps: 50, lr: 0.05, rng: new Generator(1) });
 * ```
 */
export async function steerGanLatents(options: SteerGanLatentsOptions): Promise<GanSteeringResult> {
  const shared = checkSteeringOptions(options);
  const { generator, labels, truncation = Infinity, optimizeTruncation = false } = options;
  const g = generator as GanGenerator;
  if (!g || typeof g.forward !== 'function' || typeof g.latentDim !== 'number' || typeof g.numClasses !== 'number') {
    throw new InvalidArgumentError('generator', generator, 'must be a GAN generator model (e.g. from loadGan)');
  }
  checkBoolean('optimizeTruncation', optimizeTruncation);
  const given = options.latents;
  if (given !== undefined) checkLatents(given, [g.latentDim], options.n);
  const n = given !== undefined ? given.shape[0] : options.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('n', n, 'must be a positive integer (or give latents)');
  if (labels !== undefined) resolveLabels(g, n, labels, null); // checks before any draw
  const initial = given ?? sampleLatents({ n, latentDim: g.latentDim, truncation, rng: shared.rng });
  const classes = resolveLabels(g, n, labels, shared.rng);
  const y = classes ? tf.tensor1d(classes, 'int32') : undefined;
  const wasTraining = g.training;
  g.eval();
  try {
    const result = await steerLatents({
      ...shared,
      latents: initial,
      latentShape: [g.latentDim],
      render: (z) => tf.mul(tf.add(g.forward(z, y), 1), 0.5),
      prior: { kind: 'sphere' },
      optimizeScale: optimizeTruncation,
    });
    return { ...result, labels: classes };
  } finally {
    g.train(wasTraining);
    y?.dispose();
    if (given === undefined) initial.dispose();
  }
}
