// The convolutional encoder and decoder of VAE and ConditionalVAE (internal building blocks).
// Encoder: (4×4 stride-2 conv → activation) per width, flatten, [‖ condition], Linear →
// activation → Linear to 2·latentDim (mean ‖ logVar). Decoder mirrors it with 4×4 stride-2
// transposed convolutions; the last one outputs the likelihood's parameters.
import * as tf from '@tensorflow/tfjs-core';
import { nn, type Generator } from '@gen/core';

export interface ConvNetworkOptions {
  height: number;
  width: number;
  channels: number;
  widths: number[];
  hiddenDim: number;
  latentDim: number;
  activation: nn.ActivationName;
  /** Size of a conditioning vector concatenated to the features (0: none). */
  conditionDim: number;
  generator: Generator;
}

export class ConvEncoder extends nn.Module {
  readonly convs: nn.Conv2d[];
  readonly hidden: nn.Linear;
  readonly head: nn.Linear;
  private readonly act: nn.ActivationFunction;
  private readonly flatDim: number;
  private readonly latentDim: number;

  constructor(options: ConvNetworkOptions) {
    super();
    const { height, width, channels, widths, hiddenDim, latentDim, activation, conditionDim, generator } = options;
    this.act = nn.activation(activation);
    const fused = activation === 'relu' || activation === 'leakyRelu' ? activation : 'linear';
    this.convs = widths.map((outChannels, i) =>
      this.registerModule(
        `conv${i}`,
        new nn.Conv2d({ inChannels: i === 0 ? channels : widths[i - 1], outChannels, kernelSize: 4, stride: 2, padding: 1, activation: fused, generator }),
      ),
    );
    const reduced = 2 ** widths.length;
    this.flatDim = (height / reduced) * (width / reduced) * widths[widths.length - 1];
    this.latentDim = latentDim;
    this.hidden = this.registerModule('hidden', new nn.Linear({ inFeatures: this.flatDim + conditionDim, outFeatures: hiddenDim, generator }));
    this.head = this.registerModule('head', new nn.Linear({ inFeatures: hiddenDim, outFeatures: 2 * latentDim, generator }));
    this.fusedActivation = fused !== 'linear';
  }

  private readonly fusedActivation: boolean;

  /** images `[B, H, W, C]` (+ condition `[B, conditionDim]`) → `[mean, logVar]`, each `[B, latentDim]`. */
  forward(images: tf.Tensor, condition?: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const out = tf.tidy(() => {
      let h = images;
      for (const conv of this.convs) h = this.fusedActivation ? conv.forward(h) : this.act(conv.forward(h));
      let flat = tf.reshape(h, [images.shape[0], this.flatDim]);
      if (condition) flat = tf.concat([flat, condition], 1);
      const stats = this.head.forward(this.act(this.hidden.forward(flat)));
      return tf.split(stats, [this.latentDim, this.latentDim], 1);
    });
    return [out[0], out[1]];
  }
}

export class ConvDecoder extends nn.Module {
  readonly hidden: nn.Linear;
  readonly project: nn.Linear;
  readonly deconvs: nn.ConvTranspose2d[];
  private readonly act: nn.ActivationFunction;
  private readonly startShape: [number, number, number];

  /** `outChannels`: channels of the likelihood parameters (see `decoderChannels`). */
  constructor(options: ConvNetworkOptions & { outChannels: number }) {
    super();
    const { height, width, widths, hiddenDim, latentDim, activation, conditionDim, outChannels, generator } = options;
    this.act = nn.activation(activation);
    const reduced = 2 ** widths.length;
    const deepest = widths[widths.length - 1];
    this.startShape = [height / reduced, width / reduced, deepest];
    this.hidden = this.registerModule('hidden', new nn.Linear({ inFeatures: latentDim + conditionDim, outFeatures: hiddenDim, generator }));
    this.project = this.registerModule('project', new nn.Linear({ inFeatures: hiddenDim, outFeatures: this.startShape[0] * this.startShape[1] * deepest, generator }));
    const reversed = [...widths].reverse();
    this.deconvs = reversed.map((inChannels, i) =>
      this.registerModule(
        `deconv${i}`,
        new nn.ConvTranspose2d({
          inChannels,
          outChannels: i === reversed.length - 1 ? outChannels : reversed[i + 1],
          kernelSize: 4,
          stride: 2,
          padding: 1,
          generator,
        }),
      ),
    );
  }

  /** latents `[B, latentDim]` (+ condition) → likelihood parameters `[B, H, W, outChannels]`. */
  forward(latents: tf.Tensor, condition?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const input = condition ? tf.concat([latents, condition], 1) : latents;
      const flat = this.act(this.project.forward(this.act(this.hidden.forward(input))));
      let h = tf.reshape(flat, [latents.shape[0], ...this.startShape]);
      this.deconvs.forEach((deconv, i) => {
        h = deconv.forward(h);
        if (i < this.deconvs.length - 1) h = this.act(h);
      });
      return h;
    });
  }
}
