// CLIP-steered VAE sampling: the latents z of a @gen/vae decoder optimised toward a prompt,
// kept near the prior by the penalty weight · (−log N(z; 0, I)) = weight · ½‖z‖² + const.
import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeNumber, checkPositiveNumber, InvalidArgumentError } from '@gen/core';
import type { VariationalModel } from '@gen/vae';
import { checkLatents, checkSteeringOptions, steerLatents, type SteeringOptions, type SteeringResult } from './steer-latents';

/** What steering needs of a VAE: its decoder, latent shape and pixel range (any @gen/vae model qualifies). */
export type VaeDecoder = Pick<VariationalModel, 'decode' | 'latentShape' | 'range' | 'numClasses'>;

export interface SteerVaeLatentsOptions extends SteeringOptions {
  /** The model whose `decode(z, { labels })` maps latents to images in its `range`. */
  decoder: VaeDecoder;
  /** Number of images; may be omitted when `latents` are given. */
  n?: number;
  /** Initial latents `[n, ...latentShape]`; default: z ~ N(0, temperature²·I) from `rng` (as @gen/vae's samplePrior). */
  latents?: tf.Tensor;
  /** Standard deviation of the initial draw. Default 1. */
  temperature?: number;
  /** Weight of the prior penalty ½‖z‖² (0: none). Default 0.01. */
  priorWeight?: number;
  /** Conditional models: one class for all, or one per sample (required). */
  labels?: number | ArrayLike<number>;
}

export interface VaeSteeringResult extends SteeringResult {
  labels: Int32Array | null;
}

function resolveVaeLabels(numClasses: number, n: number, labels: number | ArrayLike<number> | undefined): Int32Array | null {
  if (numClasses === 0) {
    if (labels !== undefined) throw new InvalidArgumentError('labels', labels, 'must be omitted: the model is unconditional');
    return null;
  }
  const values = typeof labels === 'number' ? new Array<number>(n).fill(labels) : labels;
  if (values === undefined || values === null || typeof values !== 'object' || values.length !== n) {
    throw new InvalidArgumentError('labels', labels, `must be a class in [0, ${numClasses}) or ${n} of them (the model is conditional)`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (!Number.isInteger(value) || value < 0 || value >= numClasses) throw new InvalidArgumentError(`labels[${i}]`, value, `must be an integer class in [0, ${numClasses})`);
    out[i] = value;
  }
  return out;
}

/**
 * Optimises `n` latents of a VAE so that decode(z) matches `prompt` (or the reference `image`) under `clip`, with the
 * objective mean_k d(CLIP(view_k(decode(z))), t) + priorWeight·½‖z‖² per sample.
 *
 * ```ts
 * const { images } = await steerVaeLatents({ clip, prompt: 'a bold zero', decoder: vae, n: 16, rng: new Generator(1) });
 * ```
 */
export async function steerVaeLatents(options: SteerVaeLatentsOptions): Promise<VaeSteeringResult> {
  const shared = checkSteeringOptions(options);
  const { decoder, labels, temperature = 1, priorWeight = 0.01 } = options;
  const d = decoder as VaeDecoder;
  if (!d || typeof d.decode !== 'function' || !Array.isArray(d.latentShape) || !Array.isArray(d.range)) {
    throw new InvalidArgumentError('decoder', decoder, 'must be a @gen/vae model (decode, latentShape, range)');
  }
  checkPositiveNumber('temperature', temperature);
  checkNonNegativeNumber('priorWeight', priorWeight);
  const given = options.latents;
  if (given !== undefined) checkLatents(given, d.latentShape, options.n);
  const n = given !== undefined ? given.shape[0] : options.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('n', n, 'must be a positive integer (or give latents)');
  const classes = resolveVaeLabels(d.numClasses ?? 0, n, labels);
  const initial = given ?? shared.rng.normal([n, ...d.latentShape], { std: temperature });
  const y = classes ? tf.tensor1d(classes, 'int32') : undefined;
  const [low, high] = d.range;
  try {
    const result = await steerLatents({
      ...shared,
      latents: initial,
      latentShape: d.latentShape,
      render: (z) => tf.div(tf.sub(d.decode(z, y ? { labels: y } : {}).sample, low), high - low),
      prior: { kind: 'gaussian', weight: priorWeight },
    });
    return { ...result, labels: classes };
  } finally {
    y?.dispose();
    if (given === undefined) initial.dispose();
  }
}
