// The convolutional encoder and decoder with a spatial latent, shared by AutoencoderKL and
// VQVAE (internal building blocks), in the layout of the LDM / diffusers autoencoder:
// conv → (ResnetBlocks, Downsample) per level → mid ResnetBlock → GroupNorm, SiLU, conv,
// and the mirror image with nearest-neighbour Upsample. Registered names are part of the
// checkpoint format (AutoencoderKL checkpoints load into these modules unchanged).
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';
import { Downsample, ResnetBlock, Upsample } from './resnet-blocks';

export interface SpatialNetworkOptions {
  /** Image channels (encoder input, decoder output before `outChannels`). */
  channels: number;
  /** Channels of each resolution level, finest first; the resolution halves between levels. */
  blockChannels: readonly number[];
  /** Residual blocks per level. */
  layersPerBlock: number;
  /** GroupNorm groups (divides every blockChannels entry). */
  normGroups: number;
  generator: Generator;
}

/** `[B, H, W, channels]` → `[B, H / 2^(n−1), W / 2^(n−1), outChannels]`. */
export class SpatialEncoder extends nn.Module {
  private readonly layers: Array<{ forward(x: tf.Tensor): tf.Tensor }> = [];
  readonly normOut: nn.GroupNorm;

  constructor(options: SpatialNetworkOptions & { outChannels: number }) {
    super();
    const { channels, blockChannels, layersPerBlock, normGroups: numGroups, outChannels: latentOut, generator } = options;
    this.layers.push(this.registerModule('convIn', new nn.Conv2d({ inChannels: channels, outChannels: blockChannels[0], kernelSize: 3, padding: 1, generator })));
    let current = blockChannels[0];
    blockChannels.forEach((outChannels, level) => {
      for (let j = 0; j < layersPerBlock; j++) {
        this.layers.push(this.registerModule(`down${level}_block${j}`, new ResnetBlock({ inChannels: current, outChannels, numGroups, generator })));
        current = outChannels;
      }
      if (level < blockChannels.length - 1) this.layers.push(this.registerModule(`down${level}_downsample`, new Downsample({ channels: current, generator })));
    });
    this.layers.push(this.registerModule('mid', new ResnetBlock({ inChannels: current, outChannels: current, numGroups, generator })));
    this.normOut = this.registerModule('normOut', new nn.GroupNorm({ numGroups, numChannels: current, eps: 1e-6 }));
    this.layers.push({ forward: (x) => nn.silu(this.normOut.forward(x)) });
    this.layers.push(this.registerModule('convOut', new nn.Conv2d({ inChannels: current, outChannels: latentOut, kernelSize: 3, padding: 1, generator })));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, layer) => layer.forward(h), x));
  }
}

/** `[B, h, w, inChannels]` → `[B, h · 2^(n−1), w · 2^(n−1), outChannels]`, coarsest level first. */
export class SpatialDecoder extends nn.Module {
  private readonly layers: Array<{ forward(x: tf.Tensor): tf.Tensor }> = [];
  readonly normOut: nn.GroupNorm;

  constructor(options: SpatialNetworkOptions & { inChannels: number; outChannels: number }) {
    super();
    const { blockChannels, layersPerBlock, normGroups: numGroups, inChannels, outChannels: imageOut, generator } = options;
    let current = blockChannels[blockChannels.length - 1];
    this.layers.push(this.registerModule('convIn', new nn.Conv2d({ inChannels, outChannels: current, kernelSize: 3, padding: 1, generator })));
    this.layers.push(this.registerModule('mid', new ResnetBlock({ inChannels: current, outChannels: current, numGroups, generator })));
    for (let level = blockChannels.length - 1; level >= 0; level--) {
      const outChannels = blockChannels[level];
      for (let j = 0; j < layersPerBlock; j++) {
        this.layers.push(this.registerModule(`up${level}_block${j}`, new ResnetBlock({ inChannels: current, outChannels, numGroups, generator })));
        current = outChannels;
      }
      if (level > 0) this.layers.push(this.registerModule(`up${level}_upsample`, new Upsample({ channels: current, generator })));
    }
    this.normOut = this.registerModule('normOut', new nn.GroupNorm({ numGroups, numChannels: current, eps: 1e-6 }));
    this.layers.push({ forward: (x) => nn.silu(this.normOut.forward(x)) });
    this.layers.push(this.registerModule('convOut', new nn.Conv2d({ inChannels: current, outChannels: imageOut, kernelSize: 3, padding: 1, generator })));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, layer) => layer.forward(h), x));
  }
}
