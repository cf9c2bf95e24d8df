import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { Conv2d } from '../nn/conv2d';
import { GroupNorm } from '../nn/group-norm';
import { kaimingUniform } from '../nn/init';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import { Generator } from '../random';
import { classifierOutputs } from './classifier-outputs';

/** The serialisable configuration of a {@link FeatureClassifier} (saved as the checkpoint's config). */
export interface FeatureClassifierConfig {
  /** Input image size [height, width, channels]; default [28, 28, 1]. */
  inputShape: [number, number, number];
  /** Output classes; default 10. */
  numClasses: number;
  /** Channels of the three 3×3 convolutions (strides 1, 2, 2); default [32, 64, 128]. */
  channels: [number, number, number];
  /** Width of the feature layer (the FID / KID features); default 128. */
  featureDim: number;
  /** GroupNorm groups after each convolution (must divide each channel count); default 8. Ignored when `norm` is 'none'. */
  groups: number;
  /** Normalisation after each convolution: 'group' (GroupNorm) or 'none'; default 'none' (2× faster to train on wasm). Never batch statistics. */
  norm: 'group' | 'none';
  /**
   * How the last feature map becomes a vector: 'mean' (global average pooling) or 'spatial' (a
   * learned weight per position and channel, initialised to the mean, so the features can use
   * where a stroke is and not only what it looks like); default 'spatial'.
   */
  pool: 'mean' | 'spatial';
  /**
   * Multiplies the returned features (not the logits' path): set after training so that the mean
   * squared feature is 1 on the training images, which keeps KID's cubic kernel (xᵀy/d + 1)³ in
   * a sane range. Default 1.
   */
  featureScale?: number;
  /** Name of the dataset it was trained on, informative ('mnist', 'fashion', …). */
  dataset?: string;
  /** Class names by label, informative. */
  classNames?: string[];
}

/** Both outputs of one forward pass. The caller owns the tensors. */
export interface FeatureClassifierOutput {
  /** `[N, featureDim]`: the feature layer (dense, before its ReLU). */
  features: tf.Tensor2D;
  /** `[N, numClasses]`: class logits. */
  logits: tf.Tensor2D;
}

const DEFAULT_CONFIG: FeatureClassifierConfig = {
  inputShape: [28, 28, 1],
  numClasses: 10,
  channels: [32, 64, 128],
  featureDim: 128,
  groups: 8,
  norm: 'none',
  pool: 'spatial',
};

/** Σ over positions of x[n, h, w, c] · weight[h, w, c]: a learned per-channel spatial pooling. */
class SpatialPool extends Module {
  readonly weight: tf.Variable;
  constructor(height: number, width: number, channels: number) {
    super();
    this.weight = this.registerParameter('weight', tf.fill([height, width, channels], 1 / (height * width)));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.mul(x, this.param('weight')), [1, 2]));
  }
}

/**
 * The small CNN whose feature layer FID / KID use at 28×28 (Inception features mean nothing at
 * that size): three 3×3 convolutions (strides 1, 2, 2) each followed by GroupNorm and ReLU,
 * global average pooling, a dense feature layer (`features`, taken before its ReLU) and a dense
 * classifier head (`logits`).
 *
 * GroupNorm rather than BatchNorm: an image's features depend on that image only, never on the
 * other images of its batch, so features are the same whatever the batching. Images are NHWC
 * float32 in [0, 1] (the range is documented, not checked: checking would need a device read).
 */
export class FeatureClassifier extends Module {
  readonly config: FeatureClassifierConfig;
  private readonly conv1: Conv2d;
  private readonly norm1: GroupNorm | null;
  private readonly conv2: Conv2d;
  private readonly norm2: GroupNorm | null;
  private readonly conv3: Conv2d;
  private readonly norm3: GroupNorm | null;
  private readonly pool: SpatialPool | null;
  private readonly feature: Linear;
  private readonly head: Linear;

  /** `generator` draws the initial weights (default `new Generator(0)`; loaded weights replace them). */
  constructor(config: Partial<FeatureClassifierConfig> = {}, generator: Generator = new Generator(0)) {
    super();
    this.config = checkConfig({ ...DEFAULT_CONFIG, ...config });
    const { inputShape, channels, featureDim, numClasses, groups, norm } = this.config;
    // Without a norm the ReLU is fused into the convolution.
    const conv = (inChannels: number, outChannels: number, stride: number) =>
      new Conv2d({ inChannels, outChannels, kernelSize: 3, stride, padding: 1, generator, activation: norm === 'none' ? 'relu' : 'linear' });
    const groupNorm = (name: string, numChannels: number) =>
      norm === 'group' ? this.registerModule(name, new GroupNorm({ numGroups: groups, numChannels })) : null;
    this.conv1 = this.registerModule('conv1', conv(inputShape[2], channels[0], 1));
    this.norm1 = groupNorm('norm1', channels[0]);
    this.conv2 = this.registerModule('conv2', conv(channels[0], channels[1], 2));
    this.norm2 = groupNorm('norm2', channels[1]);
    this.conv3 = this.registerModule('conv3', conv(channels[1], channels[2], 2));
    this.norm3 = groupNorm('norm3', channels[2]);
    // Each stride-2 convolution (k3, pad 1) maps a side s to ⌈s / 2⌉.
    const side = (s: number) => Math.ceil(Math.ceil(s / 2) / 2);
    this.pool = this.config.pool === 'spatial' ? this.registerModule('pool', new SpatialPool(side(inputShape[0]), side(inputShape[1]), channels[2])) : null;
    this.feature = this.registerModule('feature', new Linear({ inFeatures: channels[2], outFeatures: featureDim, generator }));
    this.head = this.registerModule('head', new Linear({ inFeatures: featureDim, outFeatures: numClasses, generator }));
    // He initialisation (gain √2) for the layers a ReLU follows: PyTorch's default bound 1/√fanIn
    // shrinks the signal 6× in variance per layer, which slows the start of training without a norm.
    for (const layer of [this.conv1, this.conv2, this.conv3, this.feature]) {
      const fanIn = layer.weight.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const initial = kaimingUniform(generator, layer.weight.shape, fanIn, 0);
      layer.weight.assign(initial);
      initial.dispose();
    }
  }

  /** A classifier built from a saved config (weights still to be loaded). */
  static fromConfig(config: FeatureClassifierConfig): FeatureClassifier {
    if (typeof config !== 'object' || config === null) {
      throw new InvalidArgumentError('FeatureClassifier config', config, 'must be an object (a FeatureClassifierConfig)');
    }
    return new FeatureClassifier(config);
  }

  /**
   * Sets `config.featureScale` so that the mean squared feature is 1 over `images` (NHWC in
   * [0, 1], batched). `trainFeatureClassifier` calls it with up to 2,000 training images.
   */
  async calibrateFeatureScale(images: Float32Array | tf.Tensor4D, { batchSize = 250 }: { batchSize?: number } = {}): Promise<number> {
    this.config.featureScale = undefined;
    delete this.config.featureScale;
    const { features } = await classifierOutputs(this, images, { batchSize, logits: false });
    let sum = 0;
    for (const value of features) sum += value * value;
    const scale = 1 / Math.sqrt(sum / features.length);
    if (!Number.isFinite(scale) || scale <= 0) throw new InvalidArgumentError('calibrateFeatureScale images', `mean square ${sum / features.length}`, 'must give non-zero features');
    this.config.featureScale = scale;
    return scale;
  }

  /** Width of the feature vectors. */
  get featureDim(): number {
    return this.config.featureDim;
  }

  /** Checks that `images` is a float32 `[N ≥ 1, height, width, channels]` tensor of this classifier's size. */
  checkImages(images: unknown, argument = 'images'): asserts images is tf.Tensor4D {
    const [h, w, c] = this.config.inputShape;
    const expected = `must be a float32 tensor [N, ${h}, ${w}, ${c}] (NHWC, values in [0, 1])`;
    if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.dtype !== 'float32') {
      throw new InvalidArgumentError(argument, images, expected);
    }
    const [n, height, width, channels] = images.shape as number[];
    if (height !== h || width !== w || channels !== c || n < 1) throw new InvalidArgumentError(argument, images, expected);
  }

  /** Features `[N, featureDim]` and logits `[N, numClasses]` of one forward pass. */
  forward(images: tf.Tensor): FeatureClassifierOutput {
    this.checkImages(images);
    return tf.tidy(() => {
      let x: tf.Tensor = tf.sub(tf.mul(images, 2), 1);
      const block = (conv: Conv2d, norm: GroupNorm | null, input: tf.Tensor) =>
        norm ? tf.relu(norm.forward(conv.forward(input))) : conv.forward(input);
      x = block(this.conv1, this.norm1, x);
      x = block(this.conv2, this.norm2, x);
      x = block(this.conv3, this.norm3, x);
      const pooled = this.pool ? this.pool.forward(x) : tf.mean(x, [1, 2]);
      const raw = this.feature.forward(pooled) as tf.Tensor2D;
      const logits = this.head.forward(tf.relu(raw)) as tf.Tensor2D;
      const scale = this.config.featureScale ?? 1;
      return { features: scale === 1 ? raw : (tf.mul(raw, scale) as tf.Tensor2D), logits };
    });
  }

  /** The feature layer `[N, featureDim]` (penultimate layer, before its ReLU). */
  features(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.forward(images).features);
  }

  /** Class logits `[N, numClasses]`. */
  logits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.forward(images).logits);
  }
}

function checkConfig(config: FeatureClassifierConfig): FeatureClassifierConfig {
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  const { inputShape, numClasses, channels, featureDim, groups, norm, pool } = config;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(positive)) {
    throw new InvalidArgumentError('FeatureClassifier inputShape', inputShape, 'must be [height, width, channels] of positive integers');
  }
  if (!positive(numClasses) || numClasses < 2) throw new InvalidArgumentError('FeatureClassifier numClasses', numClasses, 'must be an integer >= 2');
  if (!Array.isArray(channels) || channels.length !== 3 || !channels.every(positive)) {
    throw new InvalidArgumentError('FeatureClassifier channels', channels, 'must be three positive integers');
  }
  if (!positive(featureDim)) throw new InvalidArgumentError('FeatureClassifier featureDim', featureDim, 'must be a positive integer');
  if (!positive(groups) || channels.some((c) => c % groups !== 0)) {
    throw new InvalidArgumentError('FeatureClassifier groups', groups, `must be a positive integer dividing every channel count [${channels.join(', ')}]`);
  }
  if (norm !== 'group' && norm !== 'none') throw new InvalidArgumentError('FeatureClassifier norm', norm, "must be 'group' or 'none'");
  if (pool !== 'mean' && pool !== 'spatial') throw new InvalidArgumentError('FeatureClassifier pool', pool, "must be 'mean' or 'spatial'");
  const out: FeatureClassifierConfig = {
    inputShape: [...inputShape] as [number, number, number],
    numClasses,
    channels: [...channels] as [number, number, number],
    featureDim,
    groups,
    norm,
    pool,
  };
  if (config.featureScale !== undefined) {
    if (typeof config.featureScale !== 'number' || !Number.isFinite(config.featureScale) || config.featureScale <= 0) {
      throw new InvalidArgumentError('FeatureClassifier featureScale', config.featureScale, 'must be a positive finite number');
    }
    out.featureScale = config.featureScale;
  }
  if (config.dataset !== undefined) out.dataset = String(config.dataset);
  if (config.classNames !== undefined) out.classNames = [...config.classNames].map(String);
  return out;
}
