// What the Generate and Explore tabs need from a model family, whatever it is.
import type * as tf from '@tensorflow/tfjs-core';

/** `text`: text-conditioned diffusion (a UNet that cross-attends to a CLIP's token states of a prompt). */
export type FamilyName = 'gan' | 'vae' | 'diffusion' | 'text';
export const FAMILIES: readonly FamilyName[] = ['gan', 'vae', 'diffusion', 'text'];

/** One step of a sampler that shows its progress (diffusion): the x̂₀ estimate, in [0, 1]. */
export interface StepPreview {
  step: number;
  totalSteps: number;
  /** `[n, H, W, C]` in [0, 1]; valid during the callback only. */
  images: tf.Tensor4D;
}

export interface SampleRequest {
  n: number;
  seed: number;
  /** A class for every image, or null (unconditional / drawn). */
  label: number | null;
  /** GAN truncation τ, VAE prior temperature; Infinity / 1 = none. */
  truncation: number;
  /** Text-to-image only: what to draw (every image gets it). */
  prompt?: string;
  /** Diffusion and text-to-image only. */
  steps: number;
  scheduler: string;
  guidanceScale: number;
  /** Diffusion and text-to-image: called after every denoising step. */
  onStep?: (preview: StepPreview) => Promise<void> | void;
  signal?: AbortSignal;
}

export interface InterpolationRequest {
  seedA: number;
  seedB: number;
  frames: number;
  truncation: number;
  label: number | null;
}

/** A loaded model of one family, ready to sample. */
export interface StudioModel {
  readonly family: FamilyName;
  /** Where it came from ('untrained', a URL, an indexeddb:// key), for the status line. */
  readonly source: string;
  readonly imageShape: readonly [number, number, number];
  /** Classes of a conditional model, 0 otherwise. */
  readonly numClasses: number;
  readonly parameterCount: number;
  /** `[n, H, W, C]` in [0, 1]; a pure function of the request (same seed ⇒ same images). */
  sample(request: SampleRequest): Promise<tf.Tensor4D>;
  /** GAN and VAE: `[frames, H, W, C]` in [0, 1] from seed A's latent to seed B's. */
  interpolate?(request: InterpolationRequest): Promise<tf.Tensor4D>;
  dispose(): void;
}

/** Number of scalar parameters of an nn.Module-like model. */
export function countParameters(module: { namedParameters(): Array<[string, tf.Variable]> }): number {
  return module.namedParameters().reduce((sum, [, variable]) => sum + variable.size, 0);
}
