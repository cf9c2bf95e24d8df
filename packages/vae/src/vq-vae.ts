// VQVAE: a convolutional encoder, a vector-quantization bottleneck and a convolutional
// decoder (van den Oord et al. 2017, "Neural Discrete Representation Learning"), on the
// spatial encoder / decoder of AutoencoderKL. A 28×28 image becomes a 7×7 grid of integer
// tokens in [0, K): `encodeToTokens` / `decodeTokens` are the interface a token prior
// (an autoregressive transformer) builds on.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn, type PixelRange } from '@gen/core';
import { SpatialDecoder, SpatialEncoder } from './spatial-networks';
import { VectorQuantizer, vectorQuantizerConfig, type CodebookUpdate, type QuantizerOutput } from './vector-quantizer';
import { checkBatch, checkDivisible, checkPositiveInteger, checkWidths } from './validate';

/** Serialisable configuration of {@link VQVAE} (every default filled in). */
export interface VQVAEConfig {
  kind: 'vq-vae';
  /** Image height, width, channels. Default 28×28×1. */
  height: number;
  width: number;
  channels: number;
  /**
   * Channels of each resolution level, finest first; the resolution halves between levels,
   * so the token grid is `[height / 2^(n−1), width / 2^(n−1)]`. Default [32, 64, 64] (28 → 7×7 tokens).
   */
  blockChannels: number[];
  /** Residual blocks per level. Default 1. */
  layersPerBlock: number;
  /** GroupNorm groups; must divide every entry of blockChannels. Default 8. */
  normGroups: number;
  /** K, the number of codes (token vocabulary). Default 256. */
  codebookSize: number;
  /** D, the size of each code. Default 32. */
  codeDim: number;
  /** Commitment weight β. Default 0.25. */
  beta: number;
  /** 'ema' (default) or 'gradient' (see VectorQuantizer). */
  codebookUpdate: CodebookUpdate;
  /** EMA decay γ in (0, 1). Default 0.99. */
  decay: number;
  /** Laplace smoothing ε of the EMA cluster sizes. Default 1e-5. */
  epsilon: number;
  /** Restart codes unused for this many training steps (0: never). Default 100. */
  deadCodeSteps: number;
}

export type VQVAEOptions = Partial<Omit<VQVAEConfig, 'kind'>> & { generator: Generator };

/** Fills the defaults of a VQVAE config and validates it (one-line errors). */
export function vqVaeConfig(options: Partial<Omit<VQVAEConfig, 'kind'>> = {}): VQVAEConfig {
  const { height = 28, width = 28, channels = 1, blockChannels = [32, 64, 64], layersPerBlock = 1, normGroups = 8, codebookSize = 256, codeDim = 32 } = options;
  const owner = 'VQVAE';
  checkPositiveInteger(`${owner} height`, height);
  checkPositiveInteger(`${owner} width`, width);
  checkPositiveInteger(`${owner} channels`, channels);
  checkWidths(`${owner} blockChannels`, blockChannels);
  checkDivisible(`${owner} height`, height, blockChannels.length - 1);
  checkDivisible(`${owner} width`, width, blockChannels.length - 1);
  checkPositiveInteger(`${owner} layersPerBlock`, layersPerBlock);
  checkPositiveInteger(`${owner} normGroups`, normGroups);
  const indivisible = blockChannels.find((c) => c % normGroups !== 0);
  if (indivisible !== undefined) {
    throw new InvalidArgumentError(`${owner} normGroups`, normGroups, `must divide every blockChannels entry (${indivisible} is not divisible)`);
  }
  const quantizer = vectorQuantizerConfig({ ...options, codebookSize, codeDim }, owner);
  return { kind: 'vq-vae', height, width, channels, blockChannels: [...blockChannels], layersPerBlock, normGroups, ...quantizer };
}

/** What {@link VQVAE.forward} returns: the quantizer's output plus the encoder output and the reconstruction (caller disposes). */
export interface VQVAEOutput extends QuantizerOutput {
  /** Encoder outputs z_e `[B, h, w, D]` before quantization. */
  latents: tf.Tensor;
  /** Decoded images `[B, H, W, C]` in [0, 1]. */
  reconstruction: tf.Tensor;
}

/**
 * VQ-VAE on images `[B, H, W, C]` in **[0, 1]** (the decoder ends in a sigmoid).
 *
 * ```ts
 * const vq = new VQVAE({ codebookSize: 256, codeDim: 32, generator: new Generator(0) }); // 28×28×1 ↔ 7×7 tokens
 * const tokens = vq.encodeToTokens(images);   // int32 [B, 7, 7], values in [0, 256)
 * const decoded = vq.decodeTokens(tokens);    // float32 [B, 28, 28, 1] in [0, 1]
 * ```
 */
export class VQVAE extends nn.Module {
  readonly config: Readonly<VQVAEConfig>;
  readonly imageShape: [number, number, number];
  /** `[h, w]`: the token grid of one image. */
  readonly tokenShape: [number, number];
  /** `[h, w, D]`: the encoder output of one image. */
  readonly latentShape: [number, number, number];
  readonly range: PixelRange = [0, 1];
  readonly encoder: SpatialEncoder;
  readonly quantizer: VectorQuantizer;
  readonly decoder: SpatialDecoder;

  constructor(options: VQVAEOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as VQVAEOptions);
    const config = vqVaeConfig(rest);
    this.config = Object.freeze({ ...config, blockChannels: Object.freeze([...config.blockChannels]) as number[] });
    const factor = 2 ** (config.blockChannels.length - 1);
    this.imageShape = [config.height, config.width, config.channels];
    this.tokenShape = [config.height / factor, config.width / factor];
    this.latentShape = [...this.tokenShape, config.codeDim];
    const networks = { channels: config.channels, blockChannels: config.blockChannels, layersPerBlock: config.layersPerBlock, normGroups: config.normGroups, generator };
    this.encoder = this.registerModule('encoder', new SpatialEncoder({ ...networks, outChannels: config.codeDim }));
    const { codebookSize, codeDim, beta, codebookUpdate, decay, epsilon, deadCodeSteps } = config;
    this.quantizer = this.registerModule('quantizer', new VectorQuantizer({ codebookSize, codeDim, beta, codebookUpdate, decay, epsilon, deadCodeSteps, generator }));
    this.decoder = this.registerModule('decoder', new SpatialDecoder({ ...networks, inChannels: config.codeDim, outChannels: config.channels }));
  }

  /** Rebuilds a VQVAE from its config (weights drawn from `generator`, default seed 0: load a state dict next). */
  static fromConfig(config: VQVAEConfig, generator: Generator = new Generator(0)): VQVAE {
    if (config?.kind !== 'vq-vae') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'vq-vae'");
    const { kind: _kind, ...options } = config;
    return new VQVAE({ ...options, generator });
  }

  /** A copy of the config (JSON-serialisable; `fromConfig` rebuilds the model). */
  getConfig(): VQVAEConfig {
    return { ...this.config, blockChannels: [...this.config.blockChannels] };
  }

  /** K: the token vocabulary size. */
  get codebookSize(): number {
    return this.config.codebookSize;
  }

  /** Encoder outputs z_e `[B, h, w, D]` (before quantization). */
  encode(images: tf.Tensor): tf.Tensor {
    checkBatch('VQVAE images', images, this.imageShape);
    return this.encoder.forward(images);
  }

  /** Decodes quantized latents `[B, h, w, D]` to images `[B, H, W, C]` in [0, 1]. */
  decode(latents: tf.Tensor): tf.Tensor {
    checkBatch('VQVAE latents', latents, this.latentShape, 'latents');
    return tf.tidy(() => tf.sigmoid(this.decoder.forward(latents)));
  }

  /** encode → quantize → decode, with the quantizer's losses and code usage (the training forward pass). */
  forward(images: tf.Tensor): VQVAEOutput {
    const latents = this.encode(images);
    const quantized = this.quantizer.forward(latents);
    const reconstruction = this.decode(quantized.quantized);
    return { ...quantized, latents, reconstruction };
  }

  /** The reconstruction `decode(quantize(encode(images)))`, images in [0, 1]. */
  reconstruct(images: tf.Tensor): tf.Tensor {
    checkBatch('VQVAE images', images, this.imageShape);
    return tf.tidy(() => {
      const out = this.forward(images);
      return out.reconstruction;
    });
  }

  /** Images `[B, H, W, C]` in [0, 1] → int32 tokens `[B, h, w]` in [0, K) (indices of the nearest codes). */
  encodeToTokens(images: tf.Tensor): tf.Tensor {
    checkBatch('VQVAE images', images, this.imageShape);
    return tf.tidy(() => this.quantizer.nearest(this.encoder.forward(images)));
  }

  /**
   * int32 tokens `[B, h, w]` in [0, K) → images `[B, H, W, C]` in [0, 1]. Reads the tokens'
   * minimum and maximum back once (one small transfer) to refuse out-of-range tokens.
   */
  decodeTokens(tokens: tf.Tensor): tf.Tensor {
    const [h, w] = this.tokenShape;
    const k = this.codebookSize;
    if (!(tokens instanceof tf.Tensor) || tokens.isDisposed || tokens.dtype !== 'int32' || tokens.rank !== 3 || tokens.shape[0] < 1 || tokens.shape[1] !== h || tokens.shape[2] !== w) {
      throw new InvalidArgumentError('tokens', tokens, `must be an int32 tensor [batch, ${h}, ${w}] of codes in [0, ${k})`);
    }
    const extremes = tf.tidy(() => tf.stack([tf.min(tokens), tf.max(tokens)]));
    const [min, max] = extremes.dataSync();
    extremes.dispose();
    if (min < 0 || max >= k) throw new InvalidArgumentError('tokens', `values in [${min}, ${max}]`, `must lie in [0, ${k - 1}] (the codebook has ${k} codes)`);
    return tf.tidy(() => this.decode(this.quantizer.lookup(tokens)));
  }
}

