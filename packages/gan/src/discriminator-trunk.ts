// The convolutional feature extractor both discriminator families share.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';
import { spectral, type UnaryForward } from './blocks';
import { SelfAttention } from './self-attention';

export interface DiscriminatorTrunkOptions {
  height: number;
  width: number;
  channels: number;
  /** Output channels of each stride-2 convolution (the resolution halves at each). */
  widths: number[];
  spectralNorm: boolean;
  /** Insert a self-attention block after the stage whose output height is this (null: none). */
  selfAttention: number | null;
  /** 'flatten' (DCGAN, keeps positions) or 'sum' (global sum pooling, as SNGAN's ResNet critic). */
  pooling: 'flatten' | 'sum';
  generator: Generator;
}

/**
 * The discriminators' feature extractor φ(x): stride-2 4×4 convolutions with LeakyReLU(0.2),
 * no batch normalisation (the gradient penalties need samples not to interact), optionally
 * spectrally normalised, then flattened or sum-pooled to `[batch, featureDim]`.
 */
export class DiscriminatorTrunk extends nn.Module {
  readonly featureDim: number;
  readonly outputHeight: number;
  readonly outputWidth: number;
  private readonly stages: UnaryForward[] = [];
  private attentionAfter = -1;
  private attention: SelfAttention | null = null;
  private readonly pooling: 'flatten' | 'sum';

  constructor(options: DiscriminatorTrunkOptions) {
    super();
    const { channels, widths, spectralNorm, selfAttention, pooling, generator } = options;
    let height = options.height;
    let width = options.width;
    let inChannels = channels;
    widths.forEach((outChannels, index) => {
      const conv = new nn.Conv2d({ inChannels, outChannels, kernelSize: 4, stride: 2, padding: 1, generator });
      this.stages.push(this.registerModule(`conv${index}`, spectral(conv, spectralNorm, generator)));
      height /= 2;
      width /= 2;
      inChannels = outChannels;
      if (selfAttention === height && this.attention === null) {
        this.attention = this.registerModule('attention', new SelfAttention({ channels: outChannels, spectralNorm, generator }));
        this.attentionAfter = index;
      }
    });
    this.outputHeight = height;
    this.outputWidth = width;
    this.pooling = pooling;
    this.featureDim = pooling === 'flatten' ? height * width * inChannels : inChannels;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      this.stages.forEach((stage, index) => {
        h = tf.leakyRelu(stage.forward(h), 0.2);
        if (index === this.attentionAfter && this.attention) h = this.attention.forward(h);
      });
      const batch = x.shape[0];
      return this.pooling === 'flatten' ? tf.reshape(h, [batch, this.featureDim]) : tf.sum(h, [1, 2]);
    });
  }
}
