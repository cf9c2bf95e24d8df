// The attention block of the UNet at low resolution: GroupNorm → multi-head self-attention
// over the H·W positions (Ho et al. 2020 put it at 16×16), and, for text-conditioned models,
// LayerNorm → cross-attention from the positions to the text tokens (Rombach et al. 2022,
// "High-Resolution Image Synthesis with Latent Diffusion Models", §3.3), each residual.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';

/** Options of {@link AttentionBlock}. */
export interface AttentionBlockOptions {
  channels: number;
  /** Channels per head; must divide `channels`. */
  headDim: number;
  numGroups: number;
  /** Width D of the text-token embeddings to cross-attend to, or null for self-attention only. */
  crossAttentionDim: number | null;
  generator: Generator;
}

/** The text condition of one forward pass. */
export interface CrossAttentionInputs {
  /** `[B, L, D]` token embeddings. */
  encoderHiddenStates?: tf.Tensor;
  /**
   * `[B, L]`, 1 where a token is real, 0 for padding. A row of zeros marks that sample as
   * unconditioned: its cross-attention adds nothing (the null condition of classifier-free guidance).
   */
  encoderMask?: tf.Tensor;
}

/** `[B, H, W, C] → [B, H, W, C]`. Children: norm, attention, and crossNorm / crossAttention when text-conditioned. */
export class AttentionBlock extends nn.Module {
  readonly channels: number;
  readonly norm: nn.GroupNorm;
  readonly attention: nn.MultiHeadAttention;
  readonly crossNorm: nn.LayerNorm | null;
  readonly crossAttention: nn.MultiHeadAttention | null;

  constructor({ channels, headDim, numGroups, crossAttentionDim, generator }: AttentionBlockOptions) {
    super();
    this.channels = channels;
    const numHeads = Math.max(1, Math.floor(channels / headDim));
    this.norm = this.registerModule('norm', new nn.GroupNorm({ numGroups, numChannels: channels }));
    this.attention = this.registerModule('attention', new nn.MultiHeadAttention({ embedDim: channels, numHeads, generator }));
    if (crossAttentionDim != null) {
      this.crossNorm = this.registerModule('crossNorm', new nn.LayerNorm({ normalizedShape: channels }));
      this.crossAttention = this.registerModule(
        'crossAttention',
        new nn.MultiHeadAttention({ embedDim: channels, numHeads, keyDim: crossAttentionDim, generator }),
      );
    } else {
      this.crossNorm = null;
      this.crossAttention = null;
    }
  }

  forward(x: tf.Tensor, { encoderHiddenStates, encoderMask }: CrossAttentionInputs = {}): tf.Tensor {
    return tf.tidy(() => {
      const [batch, height, width, channels] = x.shape as number[];
      const tokens = tf.reshape(x, [batch, height * width, channels]);
      // 1. h = x + SelfAttention(GroupNorm(x))
      const normed = tf.reshape(this.norm.forward(x), [batch, height * width, channels]);
      let h = tf.add(tokens, this.attention.forward(normed));
      // 2. h = h + keep · CrossAttention(LayerNorm(h), text); keep = 0 for unconditioned samples
      if (this.crossAttention && this.crossNorm && encoderHiddenStates !== undefined) {
        const attended = this.crossAttention.forward(this.crossNorm.forward(h), {
          key: encoderHiddenStates,
          keyMask: encoderMask,
        });
        const keep = encoderMask === undefined ? null : tf.reshape(tf.max(tf.cast(encoderMask, 'float32'), 1), [batch, 1, 1]);
        h = tf.add(h, keep ? tf.mul(attended, keep) : attended);
      }
      return tf.reshape(h, [batch, height, width, channels]);
    });
  }
}
