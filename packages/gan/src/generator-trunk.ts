// The generator body both generator families share (DCGAN layout, Radford et al. 2016):
// a linear map to a small feature map, then ×2 transposed convolutions, each followed by
// (conditional) batch norm and ReLU, then a 3×3 convolution and tanh.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';
import { spectral, type UnaryForward } from './blocks';
import { SelfAttention } from './self-attention';
import { checkDivisible, checkSelfAttention } from './validate';

/** A normalisation layer: plain (`forward(x)`) or conditional (`forward(x, condition)`). */
export type StageNorm = nn.Module & { forward(x: tf.Tensor, condition?: tf.Tensor): tf.Tensor };

export interface GeneratorTrunkOptions {
  /** Width of the input of the first linear layer. */
  inputDim: number;
  height: number;
  width: number;
  channels: number;
  /** Feature channels per stage, coarsest first; the resolution doubles between stages. */
  widths: number[];
  spectralNorm: boolean;
  selfAttention: number | null;
  /** Builds the normalisation of stage `stage` (0: after the linear layer). */
  norm(numFeatures: number, stage: number): StageNorm;
  /** Names the owner in error messages. */
  owner: string;
  generator: Generator;
}

/** Heights of the stages, coarsest first. */
export function stageHeights(height: number, stages: number): number[] {
  return Array.from({ length: stages }, (_, i) => (height / 2 ** (stages - 1)) * 2 ** i);
}

export class GeneratorTrunk extends nn.Module {
  readonly baseHeight: number;
  readonly baseWidth: number;
  private readonly widths: number[];
  private readonly linear: UnaryForward;
  private readonly norms: StageNorm[] = [];
  private readonly ups: UnaryForward[] = [];
  private readonly out: UnaryForward;
  private attentionStage = -1;
  private attention: SelfAttention | null = null;

  constructor(options: GeneratorTrunkOptions) {
    super();
    const { inputDim, height, width, channels, widths, spectralNorm, selfAttention, norm, owner, generator } = options;
    const stages = widths.length;
    checkDivisible(`${owner} height`, height, stages - 1);
    checkDivisible(`${owner} width`, width, stages - 1);
    checkSelfAttention(`${owner} selfAttention`, selfAttention, stageHeights(height, stages));
    this.widths = widths;
    this.baseHeight = height / 2 ** (stages - 1);
    this.baseWidth = width / 2 ** (stages - 1);
    const sn = <M extends UnaryForward>(module: M) => spectral(module, spectralNorm, generator);
    this.linear = this.registerModule(
      'linear',
      sn(new nn.Linear({ inFeatures: inputDim, outFeatures: this.baseHeight * this.baseWidth * widths[0], generator })),
    );
    this.norms.push(this.registerModule('norm0', norm(widths[0], 0)));
    for (let stage = 1; stage < stages; stage++) {
      const up = new nn.ConvTranspose2d({
        inChannels: widths[stage - 1],
        outChannels: widths[stage],
        kernelSize: 4,
        stride: 2,
        padding: 1,
        generator,
      });
      this.ups.push(this.registerModule(`up${stage}`, sn(up)));
      this.norms.push(this.registerModule(`norm${stage}`, norm(widths[stage], stage)));
    }
    const heights = stageHeights(height, stages);
    const attentionStage = selfAttention === null ? -1 : heights.indexOf(selfAttention);
    if (attentionStage >= 0) {
      this.attentionStage = attentionStage;
      this.attention = this.registerModule('attention', new SelfAttention({ channels: widths[attentionStage], spectralNorm, generator }));
    }
    this.out = this.registerModule(
      'out',
      sn(new nn.Conv2d({ inChannels: widths[stages - 1], outChannels: channels, kernelSize: 3, padding: 1, generator })),
    );
  }

  /** `input` `[batch, inputDim]`; `conditions[stage]` is passed to that stage's norm (omit for plain BN). */
  forward(input: tf.Tensor, conditions?: tf.Tensor[]): tf.Tensor4D {
    return tf.tidy(() => {
      const batch = input.shape[0];
      const condition = (stage: number) => conditions?.[stage];
      // 1. z → [B, h0, w0, C0], normalised, ReLU.
      let h = tf.reshape(this.linear.forward(input), [batch, this.baseHeight, this.baseWidth, this.widths[0]]);
      h = tf.relu(this.norms[0].forward(h, condition(0)));
      if (this.attentionStage === 0 && this.attention) h = this.attention.forward(h);
      // 2. Each stage doubles the resolution.
      this.ups.forEach((up, index) => {
        const stage = index + 1;
        h = tf.relu(this.norms[stage].forward(up.forward(h), condition(stage)));
        if (this.attentionStage === stage && this.attention) h = this.attention.forward(h);
      });
      // 3. To image channels in [-1, 1].
      return tf.tanh(this.out.forward(h)) as tf.Tensor4D;
    });
  }
}

/** Default channel widths for an image size: as many ×2 stages as keep the base ≥ 4 px (at most 4 stages), 32 channels at full size, doubling towards the base. */
export function defaultWidths(height: number, width: number, finest = 32): number[] {
  let stages = 1;
  while (stages < 4 && height % 2 ** stages === 0 && width % 2 ** stages === 0 && height / 2 ** stages >= 4 && width / 2 ** stages >= 4) {
    stages += 1;
  }
  return Array.from({ length: stages }, (_, i) => finest * 2 ** (stages - 1 - i));
}
