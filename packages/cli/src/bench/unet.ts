import * as tf from '@tensorflow/tfjs-core';
import { ParamFactory, uniqueName } from './params';

export interface BenchUnetOptions {
  /** Channels at 28×28 and at 14×14 (default [32, 64]). */
  channels?: [number, number];
  /** Groups of every GroupNorm (default 8). */
  groups?: number;
  /** Width of the time embedding MLP (default 4·channels[0]). */
  timeDim?: number;
  seed?: number;
}

type ResBlockWeights = {
  norm1G: tf.Variable; norm1B: tf.Variable; conv1W: tf.Variable; conv1B: tf.Variable;
  timeW: tf.Variable; timeB: tf.Variable;
  norm2G: tf.Variable; norm2B: tf.Variable; conv2W: tf.Variable; conv2B: tf.Variable;
  skipW?: tf.Variable; skipB?: tf.Variable;
};

/**
 * A small but real DDPM-style UNet for 28×28×1, in raw tf ops (NHWC), mirrored in
 * scripts/bench/torch_bench.py:
 *
 * ```
 * t → sinusoidal(c0) → dense c0→T → SiLU → dense T→T                 (T = 4·c0)
 * x → conv3 1→c0 ─ Res(c0→c0) ──────────────────────────── skip0 (28×28)
 *   → conv3 stride 2 (14×14) ─ Res(c0→c1) ──────────────── skip1 (14×14)
 *   → Res(c1→c1)                                               (middle)
 *   → concat skip1 ─ Res(2·c1→c1) → nearest 2× + conv3 c1→c1   (28×28)
 *   → concat skip0 ─ Res(c1+c0→c0) → GroupNorm → SiLU → conv3 c0→1
 * Res(a→b): GN→SiLU→conv3 a→b, + dense(SiLU(temb)) per channel, GN→SiLU→conv3 b→b,
 *           + (1×1 conv a→b when a≠b) of the input.
 * ```
 * The training step is the ε-prediction MSE with one Adam update.
 */
export class BenchUnet {
  readonly channels: [number, number];
  readonly groups: number;
  readonly timeDim: number;
  private readonly p: ParamFactory;
  private readonly w: Record<string, tf.Variable>;
  private readonly blocks: Record<'down0' | 'down1' | 'mid' | 'up1' | 'up0', ResBlockWeights>;
  private readonly optimizer: tf.Optimizer;

  constructor({ channels = [32, 64], groups = 8, timeDim, seed = 0 }: BenchUnetOptions = {}) {
    const [c0, c1] = channels;
    this.channels = channels;
    this.groups = groups;
    this.timeDim = timeDim ?? 4 * c0;
    const T = this.timeDim;
    const p = (this.p = new ParamFactory(seed));
    this.w = {
      time1W: p.weight(uniqueName('t1_w'), [c0, T], c0),
      time1B: p.constant(uniqueName('t1_b'), [T], 0),
      time2W: p.weight(uniqueName('t2_w'), [T, T], T),
      time2B: p.constant(uniqueName('t2_b'), [T], 0),
      inW: p.weight(uniqueName('in_w'), [3, 3, 1, c0], 9),
      inB: p.constant(uniqueName('in_b'), [c0], 0),
      downW: p.weight(uniqueName('down_w'), [3, 3, c0, c0], 9 * c0),
      downB: p.constant(uniqueName('down_b'), [c0], 0),
      upW: p.weight(uniqueName('up_w'), [3, 3, c1, c1], 9 * c1),
      upB: p.constant(uniqueName('up_b'), [c1], 0),
      outNormG: p.constant(uniqueName('out_gn_g'), [c0], 1),
      outNormB: p.constant(uniqueName('out_gn_b'), [c0], 0),
      outW: p.weight(uniqueName('out_w'), [3, 3, c0, 1], 9 * c0),
      outB: p.constant(uniqueName('out_b'), [1], 0),
    };
    this.blocks = {
      down0: this.resBlockWeights(c0, c0),
      down1: this.resBlockWeights(c0, c1),
      mid: this.resBlockWeights(c1, c1),
      up1: this.resBlockWeights(2 * c1, c1),
      up0: this.resBlockWeights(c1 + c0, c0),
    };
    this.optimizer = tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
  }

  /** Predicts the noise ε in x [B, 28, 28, 1] at timesteps t [B]. */
  forward(x: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D {
    return tf.tidy(() => {
      const w = this.w;
      const [c0] = this.channels;
      // 1. time embedding: sinusoidal features (Vaswani et al. 2017) → MLP.
      const temb = dense(silu(dense(timestepEmbedding(t, c0), w.time1W, w.time1B)), w.time2W, w.time2B);
      // 2. encoder
      const h0 = conv(x, w.inW, w.inB);
      const skip0 = this.resBlock(h0, temb, this.blocks.down0);
      const h1 = conv(skip0, w.downW, w.downB, 2);
      const skip1 = this.resBlock(h1, temb, this.blocks.down1);
      // 3. middle
      const mid = this.resBlock(skip1, temb, this.blocks.mid);
      // 4. decoder
      let h = this.resBlock(tf.concat([mid, skip1], 3), temb, this.blocks.up1);
      h = conv(upsampleNearest2x(h), w.upW, w.upB);
      h = this.resBlock(tf.concat([h, skip0], 3), temb, this.blocks.up0);
      return conv(silu(groupNorm(h, w.outNormG, w.outNormB, this.groups)), w.outW, w.outB);
    });
  }

  /** One Adam step on mean((ε̂(x_t, t) − ε)²). Returns the loss (unread). */
  trainStep(noisy: tf.Tensor4D, t: tf.Tensor1D, noise: tf.Tensor4D): tf.Scalar {
    return this.optimizer.minimize(
      () => tf.mean(tf.squaredDifference(this.forward(noisy, t), noise)) as tf.Scalar,
      true,
      this.p.variables,
    ) as tf.Scalar;
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.p.variables.reduce((sum, v) => sum + v.size, 0);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.p.dispose();
  }

  private resBlock(x: tf.Tensor4D, temb: tf.Tensor2D, b: ResBlockWeights): tf.Tensor4D {
    const outChannels = b.conv1B.shape[0];
    let h = conv(silu(groupNorm(x, b.norm1G, b.norm1B, this.groups)), b.conv1W, b.conv1B);
    h = tf.add(h, tf.reshape(dense(silu(temb), b.timeW, b.timeB), [x.shape[0], 1, 1, outChannels]));
    h = conv(silu(groupNorm(h, b.norm2G, b.norm2B, this.groups)), b.conv2W, b.conv2B);
    const skip = b.skipW && b.skipB ? conv(x, b.skipW, b.skipB) : x;
    return tf.add(h, skip);
  }

  private resBlockWeights(inChannels: number, outChannels: number): ResBlockWeights {
    const p = this.p;
    const weights: ResBlockWeights = {
      norm1G: p.constant(uniqueName('gn1_g'), [inChannels], 1),
      norm1B: p.constant(uniqueName('gn1_b'), [inChannels], 0),
      conv1W: p.weight(uniqueName('conv1_w'), [3, 3, inChannels, outChannels], 9 * inChannels),
      conv1B: p.constant(uniqueName('conv1_b'), [outChannels], 0),
      timeW: p.weight(uniqueName('time_w'), [this.timeDim, outChannels], this.timeDim),
      timeB: p.constant(uniqueName('time_b'), [outChannels], 0),
      norm2G: p.constant(uniqueName('gn2_g'), [outChannels], 1),
      norm2B: p.constant(uniqueName('gn2_b'), [outChannels], 0),
      conv2W: p.weight(uniqueName('conv2_w'), [3, 3, outChannels, outChannels], 9 * outChannels),
      conv2B: p.constant(uniqueName('conv2_b'), [outChannels], 0),
    };
    if (inChannels !== outChannels) {
      weights.skipW = p.weight(uniqueName('skip_w'), [1, 1, inChannels, outChannels], inChannels);
      weights.skipB = p.constant(uniqueName('skip_b'), [outChannels], 0);
    }
    return weights;
  }
}

function conv(x: tf.Tensor4D, w: tf.Variable, b: tf.Variable, stride = 1): tf.Tensor4D {
  return tf.add(tf.conv2d(x, w as tf.Tensor4D, stride, 'same'), b);
}

function dense(x: tf.Tensor2D, w: tf.Variable, b: tf.Variable): tf.Tensor2D {
  return tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** GroupNorm (Wu & He 2018) on NHWC: statistics over H, W and the channels of each group. */
function groupNorm(x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable, groups: number, epsilon = 1e-5): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const grouped = tf.reshape(x, [batch, height, width, groups, channels / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normalized = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(tf.reshape(normalized, [batch, height, width, channels]), gamma), beta);
}

/**
 * Nearest-neighbour 2× upsampling by broadcasting ([B,H,1,W,1,C] × ones → [B,2H,2W,C]).
 * Same values as `resizeNearestNeighbor`, but its gradient is a plain sum, which every
 * backend has (wasm has no ResizeNearestNeighborGrad kernel).
 */
function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const spread = tf.mul(tf.reshape(x, [batch, height, 1, width, 1, channels]), tf.ones([1, 1, 2, 1, 2, 1]));
  return tf.reshape(spread, [batch, 2 * height, 2 * width, channels]);
}

/** [B] timesteps → [B, dim] sin/cos features at geometric frequencies (max period 10 000). */
function timestepEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  const half = dim / 2;
  const frequencies = tf.exp(tf.mul(tf.range(0, half), -Math.log(10000) / half));
  const angles = tf.mul(tf.reshape(t, [-1, 1]), tf.reshape(frequencies, [1, half]));
  return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
}
