// A config-driven UNet denoiser ε_θ(x_t, t, c) for small images and latents, after the DDPM
// UNet (Ho et al. 2020, appendix B) in the layout of diffusers' UNet2DModel / UNet2DConditionModel:
// sinusoidal time embedding + MLP, residual blocks with the embedding added, self-attention at
// low resolution, an optional class embedding added to the time embedding (with a null class for
// classifier-free guidance, Ho & Salimans 2022) and optional cross-attention to text tokens.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn } from '@gen/core';
import { AttentionBlock } from './attention-block';
import { Downsample, ResnetBlock, Upsample } from './resnet-block';
import { timestepEmbedding } from './timestep-embedding';

/** Serialisable configuration of {@link UNet2DModel} (every field filled in). */
export interface UNet2DConfig {
  kind: 'unet2d';
  /** Sample height and width the model is built for (28 for MNIST, 32, 7 for a 7×7 latent). */
  height: number;
  width: number;
  /** Channels of the sample x_t (1 for MNIST, 3 for RGB, 4 for a latent). */
  inChannels: number;
  /** Channels of the prediction (default inChannels). */
  outChannels: number;
  /** Width of each resolution level, finest first; each level after the first halves the resolution (⌈H/2⌉). */
  blockOutChannels: number[];
  /**
   * Residual blocks per level on the way down (the way up has one more, for the extra skip);
   * one number for every level, or one per level — 0 at the finest level skips the costly
   * full-resolution blocks on the way down.
   */
  layersPerBlock: number[];
  /** Per level: whether its blocks are followed by attention (self-, and cross- when text-conditioned). */
  attentionLevels: boolean[];
  /** Attention in the middle block (at the coarsest resolution). */
  midBlockAttention: boolean;
  /** Channels per attention head. */
  attentionHeadDim: number;
  /** GroupNorm groups; must divide every entry of blockOutChannels. */
  normNumGroups: number;
  /** Width of the time embedding MLP (diffusers: 4 × blockOutChannels[0]). */
  timeEmbeddingDim: number;
  /** Number of classes for class conditioning, or null. Label `numClasses` is the null class. */
  numClasses: number | null;
  /** Width D of the text-token embeddings `[B, L, D]` for cross-attention, or null. */
  crossAttentionDim: number | null;
  /** Self-conditioning (Chen et al. 2023, "Analog Bits", §3.2): the model also reads a previous x₀ estimate. */
  selfConditioning: boolean;
}

/** What {@link unet2dConfig} and the constructor accept: the config fields, all but the sample shape optional. */
export type UNet2DConfigInput = Partial<Omit<UNet2DConfig, 'kind' | 'layersPerBlock'>> &
  Pick<UNet2DConfig, 'height' | 'width' | 'inChannels'> & { kind?: 'unet2d'; layersPerBlock?: number | number[] };

/** Options of the {@link UNet2DModel} constructor: a config plus the generator that draws the initial weights. */
export type UNet2DModelOptions = UNet2DConfigInput & {
  /** Draws the initial weights (default `new Generator(0)`). */
  generator?: Generator;
};

/** The conditioning of one forward pass. */
export interface UNet2DConditioning {
  /**
   * `[B]` int32 class labels in [0, numClasses]; `numClasses` is the null class (unconditional).
   * Omitted on a class-conditional model: every sample is unconditional. Arrays are range-checked.
   */
  classLabels?: tf.Tensor | ArrayLike<number>;
  /** `[B, L, crossAttentionDim]` text-token embeddings. Omitted on a text model: no text condition. */
  encoderHiddenStates?: tf.Tensor;
  /** `[B, L]` key mask (1 = token, 0 = padding); a row of zeros leaves that sample unconditioned. */
  encoderMask?: tf.Tensor;
  /** Self-conditioning input: the previous x₀ estimate `[B, H, W, outChannels]` (default zeros). */
  selfCondition?: tf.Tensor;
}

/** The output of {@link UNet2DModel.forward}. */
export interface UNet2DOutput {
  /** The prediction (ε, x₀ or v, as trained), `[B, H, W, outChannels]`. */
  sample: tf.Tensor4D;
}

/** A few-thousand-parameter UNet for tests (8×8×1, two levels, attention at 4×4). */
export const TINY_UNET_CONFIG: Readonly<UNet2DConfig> = Object.freeze(
  unet2dConfig({ height: 8, width: 8, inChannels: 1, blockOutChannels: [8, 16], layersPerBlock: 1, attentionLevels: [false, true], attentionHeadDim: 8, normNumGroups: 4, timeEmbeddingDim: 32 }),
);

/**
 * The default 28×28×1 UNet (MNIST / Fashion-MNIST), sized for training on a 2-core CPU (wasm):
 * 28 → 14 → 7 at widths 32, 32, 64, no down blocks at 28×28 (the full-resolution convolutions
 * dominate the cost), self-attention at 7×7 and in the middle. See docs/models/unet.md for its
 * measured cost and a larger alternative.
 */
export const DEFAULT_UNET_CONFIG: Readonly<UNet2DConfig> = Object.freeze(
  unet2dConfig({ height: 28, width: 28, inChannels: 1, blockOutChannels: [32, 32, 64], layersPerBlock: [0, 1, 1], attentionLevels: [false, false, true] }),
);

/** Fills the defaults of a UNet config and validates every field (one-line errors naming the field). */
export function unet2dConfig(input: UNet2DConfigInput): UNet2DConfig {
  if (typeof input !== 'object' || input === null) throw new InvalidArgumentError('config', input, 'must be an object with height, width and inChannels');
  if (input.kind !== undefined && input.kind !== 'unet2d') throw new InvalidArgumentError('config.kind', input.kind, "must be 'unet2d'");
  const known = new Set([
    'kind', 'height', 'width', 'inChannels', 'outChannels', 'blockOutChannels', 'layersPerBlock', 'attentionLevels', 'midBlockAttention',
    'attentionHeadDim', 'normNumGroups', 'timeEmbeddingDim', 'numClasses', 'crossAttentionDim', 'selfConditioning',
  ]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new InvalidArgumentError(`config.${key}`, (input as Record<string, unknown>)[key], `is not a UNet2D config field (fields: ${[...known].join(', ')})`);
  }
  const height = positiveInteger('config.height', input.height);
  const width = positiveInteger('config.width', input.width);
  const inChannels = positiveInteger('config.inChannels', input.inChannels);
  const outChannels = positiveInteger('config.outChannels', input.outChannels ?? inChannels);
  const blockOutChannels = input.blockOutChannels ?? [32, 64, 64];
  if (!Array.isArray(blockOutChannels) || blockOutChannels.length === 0) {
    throw new InvalidArgumentError('config.blockOutChannels', blockOutChannels, 'must be a non-empty array of positive integers');
  }
  blockOutChannels.forEach((channels, i) => positiveInteger(`config.blockOutChannels[${i}]`, channels));
  const levels = blockOutChannels.length;
  const layersInput = input.layersPerBlock ?? 1;
  const layersPerBlock = typeof layersInput === 'number' ? blockOutChannels.map(() => layersInput) : layersInput;
  if (!Array.isArray(layersPerBlock) || layersPerBlock.length !== levels || layersPerBlock.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new InvalidArgumentError('config.layersPerBlock', layersInput, `must be an integer >= 0 or ${levels} of them, one per level`);
  }
  const attentionLevels = input.attentionLevels ?? blockOutChannels.map((_, i) => i === levels - 1 && levels > 1);
  if (!Array.isArray(attentionLevels) || attentionLevels.length !== levels || attentionLevels.some((flag) => typeof flag !== 'boolean')) {
    throw new InvalidArgumentError('config.attentionLevels', attentionLevels, `must be ${levels} booleans, one per entry of blockOutChannels`);
  }
  const midBlockAttention = input.midBlockAttention ?? true;
  if (typeof midBlockAttention !== 'boolean') throw new InvalidArgumentError('config.midBlockAttention', midBlockAttention, 'must be true or false');
  const normNumGroups = positiveInteger('config.normNumGroups', input.normNumGroups ?? Math.min(8, ...blockOutChannels));
  const bad = blockOutChannels.find((channels) => channels % normNumGroups !== 0);
  if (bad !== undefined) {
    throw new InvalidArgumentError('config.normNumGroups', normNumGroups, `must divide every entry of blockOutChannels [${blockOutChannels.join(', ')}]`);
  }
  const attentionHeadDim = positiveInteger('config.attentionHeadDim', input.attentionHeadDim ?? 32);
  blockOutChannels.forEach((channels, i) => {
    const usesAttention = attentionLevels[i] || (i === levels - 1 && midBlockAttention);
    if (usesAttention && channels % Math.min(attentionHeadDim, channels) !== 0) {
      throw new InvalidArgumentError('config.attentionHeadDim', attentionHeadDim, `must divide blockOutChannels[${i}] (${channels}), which has attention`);
    }
  });
  const timeEmbeddingDim = positiveInteger('config.timeEmbeddingDim', input.timeEmbeddingDim ?? 4 * blockOutChannels[0]);
  const numClasses = input.numClasses ?? null;
  if (numClasses !== null) positiveInteger('config.numClasses', numClasses);
  const crossAttentionDim = input.crossAttentionDim ?? null;
  if (crossAttentionDim !== null) positiveInteger('config.crossAttentionDim', crossAttentionDim);
  if (crossAttentionDim !== null && !midBlockAttention && !attentionLevels.some(Boolean)) {
    throw new InvalidArgumentError('config.crossAttentionDim', crossAttentionDim, 'needs attention somewhere (attentionLevels or midBlockAttention) to cross-attend');
  }
  const selfConditioning = input.selfConditioning ?? false;
  if (typeof selfConditioning !== 'boolean') throw new InvalidArgumentError('config.selfConditioning', selfConditioning, 'must be true or false');
  return {
    kind: 'unet2d',
    height,
    width,
    inChannels,
    outChannels,
    blockOutChannels: [...blockOutChannels],
    layersPerBlock: [...layersPerBlock],
    attentionLevels: [...attentionLevels],
    midBlockAttention,
    attentionHeadDim,
    normNumGroups,
    timeEmbeddingDim,
    numClasses,
    crossAttentionDim,
    selfConditioning,
  };
}

/** One residual block with its optional attention. */
class UNetLayer extends nn.Module {
  readonly resnet: ResnetBlock;
  readonly attention: AttentionBlock | null;

  constructor(resnet: ResnetBlock, attention: AttentionBlock | null) {
    super();
    this.resnet = this.registerModule('resnet', resnet);
    this.attention = attention ? this.registerModule('attention', attention) : null;
  }

  forward(x: tf.Tensor, activatedEmbedding: tf.Tensor, text: { encoderHiddenStates?: tf.Tensor; encoderMask?: tf.Tensor }): tf.Tensor {
    return tf.tidy(() => {
      const h = this.resnet.forward(x, activatedEmbedding);
      return this.attention ? this.attention.forward(h, text) : h;
    });
  }
}

/** A list of child modules registered as `0`, `1`, … */
class ModuleList<M extends nn.Module> extends nn.Module {
  readonly items: M[] = [];
  push(module: M): M {
    this.items.push(this.registerModule(String(this.items.length), module));
    return module;
  }
}

/**
 * The UNet: `forward(sample [B, H, W, C], timesteps, { classLabels?, encoderHiddenStates?,
 * encoderMask?, selfCondition? }) → { sample }` (NHWC). Parameter names follow the structure:
 * `convIn`, `timeMlp1/2`, `classEmbedding`, `down.<level>.<layer>.resnet…`, `downsample.<level>`,
 * `mid.0/1`, `up.<level>.<layer>…`, `upsample.<level>`, `normOut`, `convOut`.
 *
 * ```ts
 * const unet = new UNet2DModel({ ...DEFAULT_UNET_CONFIG, numClasses: 10, generator: new Generator(0) });
 * const { sample: epsilon } = unet.forward(noisy, timesteps, { classLabels });
 * const copy = UNet2DModel.fromConfig(unet.config); copy.loadStateDict(unet.stateDict());
 * ```
 */
export class UNet2DModel extends nn.Module {
  readonly config: Readonly<UNet2DConfig>;
  readonly convIn: nn.Conv2d;
  readonly timeMlp1: nn.Linear;
  readonly timeMlp2: nn.Linear;
  readonly classEmbedding: nn.Embedding | null;
  readonly down: ModuleList<ModuleList<UNetLayer>>;
  readonly downsample: ModuleList<Downsample>;
  readonly mid: ModuleList<UNetLayer>;
  readonly up: ModuleList<ModuleList<UNetLayer>>;
  readonly upsample: ModuleList<Upsample>;
  readonly normOut: nn.GroupNorm;
  readonly convOut: nn.Conv2d;

  constructor(options: UNet2DModelOptions) {
    super();
    const { generator = new Generator(0), ...input } = options ?? ({} as UNet2DModelOptions);
    const config = unet2dConfig(input);
    this.config = Object.freeze({
      ...config,
      blockOutChannels: Object.freeze([...config.blockOutChannels]) as number[],
      layersPerBlock: Object.freeze([...config.layersPerBlock]) as number[],
      attentionLevels: Object.freeze([...config.attentionLevels]) as boolean[],
    });
    const { blockOutChannels, layersPerBlock, attentionLevels, normNumGroups: numGroups, timeEmbeddingDim, crossAttentionDim } = config;
    const levels = blockOutChannels.length;
    const resnet = (inChannels: number, outChannels: number) => new ResnetBlock({ inChannels, outChannels, timeEmbeddingDim, numGroups, generator });
    const attention = (channels: number) =>
      new AttentionBlock({ channels, headDim: Math.min(config.attentionHeadDim, channels), numGroups, crossAttentionDim, generator });

    // 1. Stem and time embedding: sinusoid(t, C₀) → Linear → SiLU → Linear (→ + class embedding).
    const inputChannels = config.inChannels + (config.selfConditioning ? config.outChannels : 0);
    this.convIn = this.registerModule('convIn', new nn.Conv2d({ inChannels: inputChannels, outChannels: blockOutChannels[0], kernelSize: 3, padding: 1, generator }));
    this.timeMlp1 = this.registerModule('timeMlp1', new nn.Linear({ inFeatures: blockOutChannels[0], outFeatures: timeEmbeddingDim, generator }));
    this.timeMlp2 = this.registerModule('timeMlp2', new nn.Linear({ inFeatures: timeEmbeddingDim, outFeatures: timeEmbeddingDim, generator }));
    this.classEmbedding =
      config.numClasses === null
        ? null
        : this.registerModule('classEmbedding', new nn.Embedding({ numEmbeddings: config.numClasses + 1, embeddingDim: timeEmbeddingDim, generator }));

    // 2. Down path; `skips` tracks the channels of every skip connection, in push order.
    const skips: number[] = [blockOutChannels[0]];
    this.down = this.registerModule('down', new ModuleList<ModuleList<UNetLayer>>());
    this.downsample = this.registerModule('downsample', new ModuleList<Downsample>());
    let channels = blockOutChannels[0];
    for (let level = 0; level < levels; level++) {
      const out = blockOutChannels[level];
      const layers = this.down.push(new ModuleList<UNetLayer>());
      for (let i = 0; i < layersPerBlock[level]; i++) {
        layers.push(new UNetLayer(resnet(channels, out), attentionLevels[level] ? attention(out) : null));
        channels = out;
        skips.push(channels);
      }
      if (level < levels - 1) {
        this.downsample.push(new Downsample({ channels, generator }));
        skips.push(channels);
      }
    }

    // 3. Middle: resnet, attention, resnet at the coarsest resolution.
    this.mid = this.registerModule('mid', new ModuleList<UNetLayer>());
    this.mid.push(new UNetLayer(resnet(channels, channels), config.midBlockAttention ? attention(channels) : null));
    this.mid.push(new UNetLayer(resnet(channels, channels), null));

    // 4. Up path: layersPerBlock + 1 blocks per level, each reading one skip connection.
    this.up = this.registerModule('up', new ModuleList<ModuleList<UNetLayer>>());
    this.upsample = this.registerModule('upsample', new ModuleList<Upsample>());
    for (let level = levels - 1; level >= 0; level--) {
      const out = blockOutChannels[level];
      const layers = this.up.push(new ModuleList<UNetLayer>());
      for (let i = 0; i <= layersPerBlock[level]; i++) {
        const skip = skips.pop() as number;
        layers.push(new UNetLayer(resnet(channels + skip, out), attentionLevels[level] ? attention(out) : null));
        channels = out;
      }
      if (level > 0) this.upsample.push(new Upsample({ channels, generator }));
    }

    // 5. Head: GroupNorm → SiLU → 3×3 conv.
    this.normOut = this.registerModule('normOut', new nn.GroupNorm({ numGroups, numChannels: channels }));
    this.convOut = this.registerModule('convOut', new nn.Conv2d({ inChannels: channels, outChannels: config.outChannels, kernelSize: 3, padding: 1, generator }));
  }

  /** Builds a model from a saved config; weights drawn from `generator` (default seed 0) — load a state dict next. */
  static fromConfig(config: UNet2DConfig, generator: Generator = new Generator(0)): UNet2DModel {
    if (config?.kind !== 'unet2d') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'unet2d'");
    return new UNet2DModel({ ...config, generator });
  }

  /** A plain copy of the config (JSON), for checkpoints. */
  getConfig(): UNet2DConfig {
    return {
      ...this.config,
      blockOutChannels: [...this.config.blockOutChannels],
      layersPerBlock: [...this.config.layersPerBlock],
      attentionLevels: [...this.config.attentionLevels],
    };
  }

  /** The label of the null class (unconditional), or null for a model without class conditioning. */
  get nullClassLabel(): number | null {
    return this.config.numClasses;
  }

  forward(sample: tf.Tensor, timesteps: tf.Tensor | number | ArrayLike<number>, conditioning: UNet2DConditioning = {}): UNet2DOutput {
    const { height, width, inChannels, outChannels, numClasses, crossAttentionDim } = this.config;
    if (!(sample instanceof tf.Tensor) || sample.rank !== 4 || sample.shape[1] !== height || sample.shape[2] !== width || sample.shape[3] !== inChannels) {
      throw new InvalidArgumentError('sample', sample, `must have shape [batch, ${height}, ${width}, ${inChannels}] (NHWC)`);
    }
    const batch = sample.shape[0];
    const { classLabels, encoderHiddenStates, encoderMask, selfCondition } = conditioning ?? {};
    const labels = this.checkClassLabels(classLabels, batch);
    if (encoderHiddenStates !== undefined) {
      if (crossAttentionDim === null) throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, 'must be omitted: this UNet has no cross-attention (config.crossAttentionDim is null)');
      if (!(encoderHiddenStates instanceof tf.Tensor) || encoderHiddenStates.rank !== 3 || encoderHiddenStates.shape[0] !== batch || encoderHiddenStates.shape[2] !== crossAttentionDim) {
        throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, `must have shape [${batch}, length, ${crossAttentionDim}]`);
      }
    }
    if (encoderMask !== undefined) {
      if (encoderHiddenStates === undefined) throw new InvalidArgumentError('encoderMask', encoderMask, 'needs encoderHiddenStates');
      if (!(encoderMask instanceof tf.Tensor) || !tf.util.arraysEqual(encoderMask.shape, encoderHiddenStates.shape.slice(0, 2))) {
        throw new InvalidArgumentError('encoderMask', encoderMask, `must have shape [${encoderHiddenStates.shape.slice(0, 2).join(', ')}]`);
      }
    }
    if (selfCondition !== undefined) {
      if (!this.config.selfConditioning) throw new InvalidArgumentError('selfCondition', selfCondition, 'must be omitted: config.selfConditioning is false');
      if (!(selfCondition instanceof tf.Tensor) || !tf.util.arraysEqual(selfCondition.shape, [batch, height, width, outChannels])) {
        throw new InvalidArgumentError('selfCondition', selfCondition, `must have shape [${batch}, ${height}, ${width}, ${outChannels}]`);
      }
    }
    const text = { encoderHiddenStates, encoderMask };

    return tf.tidy(() => {
      // 1. Time embedding (+ class embedding), then SiLU once for every resnet's projection.
      const steps = timestepTensor(timesteps, batch);
      let embedding = this.timeMlp2.forward(nn.silu(this.timeMlp1.forward(timestepEmbedding(steps, this.config.blockOutChannels[0]))));
      if (this.classEmbedding && numClasses !== null) {
        const ids = labels === undefined ? tf.fill([batch], numClasses, 'int32') : labels instanceof tf.Tensor ? labels : tf.tensor1d(labels, 'int32');
        embedding = tf.add(embedding, this.classEmbedding.forward(ids));
      }
      const activated = nn.silu(embedding);

      // 2. Stem (self-conditioning concatenates the previous x₀ estimate on channels).
      let input: tf.Tensor = sample;
      if (this.config.selfConditioning) input = tf.concat([sample, selfCondition ?? tf.zeros([batch, height, width, outChannels])], 3);
      let h = this.convIn.forward(input);

      // 3. Down path, keeping every intermediate for the skip connections.
      const skips: tf.Tensor[] = [h];
      this.down.items.forEach((layers, level) => {
        for (const layer of layers.items) {
          h = layer.forward(h, activated, text);
          skips.push(h);
        }
        if (level < this.downsample.items.length) {
          h = this.downsample.items[level].forward(h);
          skips.push(h);
        }
      });

      // 4. Middle.
      for (const layer of this.mid.items) h = layer.forward(h, activated, text);

      // 5. Up path: concatenate the matching skip, upsample to the next skip's size.
      this.up.items.forEach((layers, index) => {
        for (const layer of layers.items) h = layer.forward(tf.concat([h, skips.pop() as tf.Tensor], 3), activated, text);
        if (index < this.upsample.items.length) {
          const next = skips[skips.length - 1];
          h = this.upsample.items[index].forward(h, [next.shape[1] as number, next.shape[2] as number]);
        }
      });

      // 6. Head.
      const out = this.convOut.forward(nn.silu(this.normOut.forward(h)));
      return { sample: out as tf.Tensor4D };
    });
  }

  /** Validates class labels (values only when given as an array: tensors are not read back) and makes them an int32 tensor. */
  private checkClassLabels(classLabels: UNet2DConditioning['classLabels'], batch: number): tf.Tensor | number[] | undefined {
    if (classLabels === undefined) return undefined;
    const { numClasses } = this.config;
    if (numClasses === null) throw new InvalidArgumentError('classLabels', classLabels, 'must be omitted: this UNet is not class-conditional (config.numClasses is null)');
    if (classLabels instanceof tf.Tensor) {
      if (classLabels.dtype !== 'int32' || !tf.util.arraysEqual(classLabels.shape, [batch])) {
        throw new InvalidArgumentError('classLabels', classLabels, `must be an int32 tensor of shape [${batch}]`);
      }
      return classLabels;
    }
    const values = Array.from(classLabels as ArrayLike<number>);
    if (values.length !== batch) throw new InvalidArgumentError('classLabels', values, `must hold ${batch} labels (one per sample)`);
    const bad = values.find((label) => !Number.isInteger(label) || label < 0 || label > numClasses);
    if (bad !== undefined) {
      throw new InvalidArgumentError('classLabels', bad, `is not a class label: use integers in [0, ${numClasses - 1}], or ${numClasses} for the null class`);
    }
    return values;
  }
}

/** Timesteps as a float32 `[batch]` tensor (a number or scalar is broadcast). */
function timestepTensor(timesteps: tf.Tensor | number | ArrayLike<number>, batch: number): tf.Tensor {
  if (typeof timesteps === 'number') {
    if (!Number.isFinite(timesteps)) throw new InvalidArgumentError('timesteps', timesteps, 'must be finite');
    return tf.fill([batch], timesteps, 'float32');
  }
  if (timesteps instanceof tf.Tensor) {
    if (timesteps.size === 1) return tf.broadcastTo(tf.reshape(tf.cast(timesteps, 'float32'), [1]), [batch]);
    if (timesteps.rank !== 1 || timesteps.shape[0] !== batch) throw new InvalidArgumentError('timesteps', timesteps, `must be a number, a scalar or shape [${batch}]`);
    return tf.cast(timesteps, 'float32');
  }
  const values = Array.from(timesteps);
  if (values.length !== batch || values.some((value) => typeof value !== 'number' || !Number.isFinite(value))) {
    throw new InvalidArgumentError('timesteps', values, `must hold ${batch} finite numbers`);
  }
  return tf.tensor1d(values, 'float32');
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(name, value, 'must be a positive integer');
  return value;
}
