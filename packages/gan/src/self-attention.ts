import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';
import { spectral, type UnaryForward } from './blocks';

export interface SelfAttentionOptions {
  /** Channels C of the feature map `[batch, height, width, C]`. */
  channels: number;
  /** Spectrally normalise the four projections (SAGAN does, in both networks). Default false. */
  spectralNorm?: boolean;
  generator: Generator;
}

/**
 * The self-attention block of SAGAN (Zhang et al. 2019, §3): every position attends to
 * every other one,
 *
 *   f = x·W_f, g = x·W_g (C → C/8),  h = x·W_h (C → C/2),  β = softmax(f·gᵀ) over keys,
 *   o = (β·h)·W_o (C/2 → C),  y = x + γ·o,
 *
 * with the 1×1 convolutions written as per-position linear maps and γ a learned scalar that
 * starts at 0, so the block starts as the identity and the network learns how much
 * non-local evidence to use (C/2 values as in BigGAN's implementation; at least 2 wide).
 */
export class SelfAttention extends nn.Module {
  readonly channels: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly gamma: tf.Variable;
  private readonly query: UnaryForward;
  private readonly key: UnaryForward;
  private readonly value: UnaryForward;
  private readonly output: UnaryForward;

  constructor(options: SelfAttentionOptions) {
    super();
    const { channels, spectralNorm = false, generator } = options;
    this.channels = channels;
    // At least 2: a width-1 projection hits a wasm matmul bug in @gen/core (see ScoreHead).
    this.keyDim = Math.max(2, Math.floor(channels / 8));
    this.valueDim = Math.max(2, Math.floor(channels / 2));
    const linear = (name: string, inFeatures: number, outFeatures: number) =>
      this.registerModule(name, spectral(new nn.Linear({ inFeatures, outFeatures, bias: false, generator }), spectralNorm, generator));
    this.query = linear('query', channels, this.keyDim);
    this.key = linear('key', channels, this.keyDim);
    this.value = linear('value', channels, this.valueDim);
    this.output = linear('output', this.valueDim, channels);
    this.gamma = this.registerParameter('gamma', tf.zeros([]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, height, width, channels] = x.shape;
      const positions = tf.reshape(x, [batch, height * width, channels]);
      // 1. f, g, h: per-position projections [B, N, ·].
      const f = this.query.forward(positions);
      const g = this.key.forward(positions);
      const h = this.value.forward(positions);
      // 2. β = softmax over keys of f·gᵀ: [B, N, N]; 3. o = (β·h)·W_o.
      const beta = tf.softmax(tf.matMul(f, g, false, true));
      const o = this.output.forward(tf.matMul(beta, h));
      // 4. y = x + γ·o.
      return tf.add(x, tf.mul(this.param('gamma'), tf.reshape(o, [batch, height, width, channels])));
    });
  }
}
