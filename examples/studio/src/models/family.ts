// What the Generate and Explore tabs need from a model family, whatever it is.
import type * as tf from '@tensorflow/tfjs-core';

/**
 * `text`: text-conditioned diffusion (a UNet that cross-attends to a CLIP's token states of a prompt);
 * `dalle`: a DALL·E-style transformer over a VQ-VAE's image tokens; `unclip`: an unCLIP decoder of
 * CLIP image embeddings (text through a prior, or variations of a reference image).
 */
export type FamilyName = 'gan' | 'vae' | 'diffusion' | 'text' | 'dalle' | 'unclip';
export const FAMILIES: readonly FamilyName[] = ['gan', 'vae', 'diffusion', 'text', 'dalle', 'unclip'];

/** One step of a sampler that shows its progress (diffusion): the x̂₀ estimate, in [0, 1]. */
export interface StepPreview {
  step: number;
  totalSteps: number;
  /** `[n, H, W, C]` in [0, 1]; valid during the callback only. */
  images: tf.Tensor4D;
}

/** DALL·E: how image tokens are drawn (`gen sample dalle --temperature --top-k --top-p`). */
export interface TokenSampling {
  /** 0: greedy. */
  temperature: number;
  /** 0: all tokens. */
  topK: number;
  /** In (0, 1]; 1: off. */
  topP: number;
  /** `n × candidates` images are drawn and the CLIP-best `n` kept (1: no re-ranking). */
  candidates: number;
}

/** unCLIP text → image: the prior and how a diffusion prior samples (`gen sample unclip --prior …`). */
export interface PriorRequest {
  /** The prior's folder URL (one of the decoder's shipped priors). */
  url: string;
  steps: number;
  guidanceScale: number;
  /** Embeddings drawn per prompt, the one closest to the text embedding kept. */
  candidates: number;
}

export interface SampleRequest {
  n: number;
  seed: number;
  /** A class for every image, or null (unconditional / drawn). */
  label: number | null;
  /** GAN truncation τ, VAE prior temperature; Infinity / 1 = none. */
  truncation: number;
  /** Text-to-image, DALL·E and unCLIP through a prior: what to draw (every image gets it). */
  prompt?: string;
  /** DALL·E only. */
  tokenSampling?: TokenSampling;
  /** unCLIP only: text → image through this prior (without `reference`). */
  prior?: PriorRequest;
  /** unCLIP only: variations of this image (`[H, W, C]` in [0, 1]; the caller disposes it). */
  reference?: tf.Tensor3D;
  /** Diffusion, text-to-image and unCLIP (the decoder). DALL·E: `guidanceScale` guides the token logits. */
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
  /** Prompted families: the library's check of a prompt (the token count), or a one-line error, before anything is drawn. */
  checkPrompt?(prompt: string): number;
  /** GAN and VAE: `[frames, H, W, C]` in [0, 1] from seed A's latent to seed B's. */
  interpolate?(request: InterpolationRequest): Promise<tf.Tensor4D>;
  dispose(): void;
}

/** Number of scalar parameters of an nn.Module-like model. */
export function countParameters(module: { namedParameters(): Array<[string, tf.Variable]> }): number {
  return module.namedParameters().reduce((sum, [, variable]) => sum + variable.size, 0);
}
