// The residual block of the DDPM UNet (Ho et al. 2020, appendix B; diffusers' ResnetBlock2D):
// GroupNorm → SiLU → 3×3 conv, the projected time embedding added per channel, GroupNorm →
// SiLU → 3×3 conv, plus the (1×1-projected when the width changes) input.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';

/** Options of {@link ResnetBlock}. */
export interface ResnetBlockOptions {
  inChannels: number;
  outChannels: number;
  /** Width of the time (+ class) embedding `[batch, timeEmbeddingDim]`. */
  timeEmbeddingDim: number;
  /** GroupNorm groups; must divide inChannels and outChannels. */
  numGroups: number;
  generator: Generator;
}

/** `[B, H, W, in]` and a time embedding `[B, T]` → `[B, H, W, out]`. Children: norm1, conv1, timeProjection, norm2, conv2, shortcut (when in ≠ out). */
export class ResnetBlock extends nn.Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly norm1: nn.GroupNorm;
  readonly conv1: nn.Conv2d;
  readonly timeProjection: nn.Linear;
  readonly norm2: nn.GroupNorm;
  readonly conv2: nn.Conv2d;
  readonly shortcut: nn.Conv2d | null;

  constructor({ inChannels, outChannels, timeEmbeddingDim, numGroups, generator }: ResnetBlockOptions) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.norm1 = this.registerModule('norm1', new nn.GroupNorm({ numGroups, numChannels: inChannels }));
    this.conv1 = this.registerModule('conv1', new nn.Conv2d({ inChannels, outChannels, kernelSize: 3, padding: 1, generator }));
    this.timeProjection = this.registerModule('timeProjection', new nn.Linear({ inFeatures: timeEmbeddingDim, outFeatures: outChannels, generator }));
    this.norm2 = this.registerModule('norm2', new nn.GroupNorm({ numGroups, numChannels: outChannels }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d({ inChannels: outChannels, outChannels, kernelSize: 3, padding: 1, generator }));
    this.shortcut =
      inChannels === outChannels ? null : this.registerModule('shortcut', new nn.Conv2d({ inChannels, outChannels, kernelSize: 1, generator }));
  }

  /** `activatedEmbedding` is SiLU(time embedding), computed once per forward by the UNet. */
  forward(x: tf.Tensor, activatedEmbedding: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // 1. h = conv1(SiLU(GroupNorm(x)))
      let h = this.conv1.forward(nn.silu(this.norm1.forward(x)));
      // 2. + W·SiLU(emb) broadcast over positions
      const shift = this.timeProjection.forward(activatedEmbedding);
      h = tf.add(h, tf.reshape(shift, [x.shape[0], 1, 1, this.outChannels]));
      // 3. h = conv2(SiLU(GroupNorm(h)))
      h = this.conv2.forward(nn.silu(this.norm2.forward(h)));
      // 4. residual
      return tf.add(this.shortcut ? this.shortcut.forward(x) : x, h);
    });
  }
}

/** 3×3 convolution with stride 2: `[B, H, W, C] → [B, ⌈H/2⌉, ⌈W/2⌉, C]`. */
export class Downsample extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor({ channels, generator }: { channels: number; generator: Generator }) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, stride: 2, padding: 1, generator }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.conv.forward(x);
  }
}

/**
 * Nearest-neighbour resize to `[height, width]` (×2 for even sizes; odd sizes such as 7 → 4 → 7
 * come back to the skip connection's size), then a 3×3 convolution.
 */
export class Upsample extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor({ channels, generator }: { channels: number; generator: Generator }) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, generator }));
  }

  forward(x: tf.Tensor, size: [number, number]): tf.Tensor {
    return tf.tidy(() => this.conv.forward(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size)));
  }
}
