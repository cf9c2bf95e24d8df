// Building blocks of AutoencoderKL (internal): the GroupNorm + SiLU residual block, stride-2
// down-sampling and nearest-neighbour up-sampling of the LDM / diffusers autoencoder.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';

/** GroupNorm → SiLU → 3×3 conv, twice, plus a (1×1-projected when the width changes) skip. */
export class ResnetBlock extends nn.Module {
  readonly norm1: nn.GroupNorm;
  readonly conv1: nn.Conv2d;
  readonly norm2: nn.GroupNorm;
  readonly conv2: nn.Conv2d;
  readonly shortcut: nn.Conv2d | null;

  constructor({ inChannels, outChannels, numGroups, generator }: { inChannels: number; outChannels: number; numGroups: number; generator: Generator }) {
    super();
    this.norm1 = this.registerModule('norm1', new nn.GroupNorm({ numGroups, numChannels: inChannels, eps: 1e-6 }));
    this.conv1 = this.registerModule('conv1', new nn.Conv2d({ inChannels, outChannels, kernelSize: 3, padding: 1, generator }));
    this.norm2 = this.registerModule('norm2', new nn.GroupNorm({ numGroups, numChannels: outChannels, eps: 1e-6 }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d({ inChannels: outChannels, outChannels, kernelSize: 3, padding: 1, generator }));
    this.shortcut =
      inChannels === outChannels ? null : this.registerModule('shortcut', new nn.Conv2d({ inChannels, outChannels, kernelSize: 1, generator }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.conv1.forward(nn.silu(this.norm1.forward(x)));
      const out = this.conv2.forward(nn.silu(this.norm2.forward(h)));
      return tf.add(this.shortcut ? this.shortcut.forward(x) : x, out);
    });
  }
}

/** Halves height and width: a 3×3 stride-2 convolution with padding 1. */
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

/** Doubles height and width: nearest-neighbour repeat (a broadcast, cheap to differentiate), then a 3×3 conv. */
export class Upsample extends nn.Module {
  readonly conv: nn.Conv2d;
  constructor({ channels, generator }: { channels: number; generator: Generator }) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, generator }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.conv.forward(upsampleNearest(x)));
  }
}

/**
 * `[B, H, W, C] → [B, 2H, 2W, C]`, each pixel repeated in a 2×2 block. Built from concat and
 * reshape (rank ≤ 5): a rank-6 broadcast is a rank-6 tile, whose gradient tfjs lacks.
 */
export function upsampleNearest(x: tf.Tensor): tf.Tensor {
  const [batch, height, width, channels] = x.shape;
  return tf.tidy(() => {
    const columns = tf.reshape(x, [batch, height, width, 1, channels]);
    const wide = tf.reshape(tf.concat([columns, columns], 3), [batch, height, 1, 2 * width, channels]);
    return tf.reshape(tf.concat([wide, wide], 2), [batch, 2 * height, 2 * width, channels]);
  });
}
