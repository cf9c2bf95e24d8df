// The image tower: a small CNN on [0, 1] images (mapped to [−1, 1]): a 3×3 stem, then one
// stride-2 3×3 convolution per width (28 → 14 → 7 → 4), ReLU, flattened (so position is
// kept) into a linear layer.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, InvalidArgumentError, nn, type Generator } from '@gen/core';
import { ModuleList } from './module-list';

export interface ImageEncoderConfig {
  kind: 'clip-image-encoder';
  height: number;
  width: number;
  channels: number;
  /** Channels of the stem and of each stride-2 stage. */
  widths: number[];
  /** Output features. */
  outFeatures: number;
}

export function imageEncoderConfig(partial: Partial<ImageEncoderConfig> = {}): ImageEncoderConfig {
  const config: ImageEncoderConfig = { kind: 'clip-image-encoder', height: 28, width: 28, channels: 1, widths: [32, 64, 128], outFeatures: 256, ...partial };
  checkPositiveInteger('image.height', config.height);
  checkPositiveInteger('image.width', config.width);
  checkPositiveInteger('image.channels', config.channels);
  if (!Array.isArray(config.widths) || config.widths.length === 0 || !config.widths.every((w) => Number.isSafeInteger(w) && w > 0)) {
    throw new InvalidArgumentError('image.widths', config.widths, 'must be a non-empty array of positive integers');
  }
  checkPositiveInteger('image.outFeatures', config.outFeatures);
  return config;
}

/** Spatial size after one 3×3, stride-2, padding-1 convolution. */
const halve = (size: number): number => Math.floor((size - 1) / 2) + 1;

/** Children: `stem`, `stages.i` (nn.Conv2d), `head` (nn.Linear). `[B, H, W, C]` in [0, 1] → `[B, outFeatures]`. */
export class ClipImageEncoder extends nn.Module {
  readonly config: ImageEncoderConfig;
  readonly stem: nn.Conv2d;
  readonly stages: nn.Conv2d[] = [];
  readonly head: nn.Linear;

  constructor(config: ImageEncoderConfig, generator: Generator) {
    super();
    this.config = imageEncoderConfig(config);
    const { channels, widths, outFeatures } = this.config;
    this.stem = this.registerModule('stem', new nn.Conv2d({ inChannels: channels, outChannels: widths[0], kernelSize: 3, padding: 1, activation: 'relu', generator: generator.fork('stem') }));
    const list = this.registerModule('stages', new ModuleList());
    let height = this.config.height;
    let width = this.config.width;
    widths.forEach((outChannels, i) => {
      const inChannels = widths[Math.max(0, i - 1)];
      this.stages.push(list.add(String(i), new nn.Conv2d({ inChannels, outChannels, kernelSize: 3, stride: 2, padding: 1, activation: 'relu', generator: generator.fork(`stage/${i}`) })));
      height = halve(height);
      width = halve(width);
    });
    this.head = this.registerModule('head', new nn.Linear({ inFeatures: height * width * widths[widths.length - 1], outFeatures, generator: generator.fork('head') }));
  }

  static fromConfig(config: Partial<ImageEncoderConfig>, generator: Generator): ClipImageEncoder {
    return new ClipImageEncoder(imageEncoderConfig(config), generator);
  }

  forward(images: tf.Tensor): tf.Tensor {
    const { height, width, channels } = this.config;
    if (!(images instanceof tf.Tensor) || images.dtype !== 'float32' || !tf.util.arraysEqual(images.shape.slice(1), [height, width, channels]) || images.rank !== 4) {
      throw new InvalidArgumentError('images', images, `must be a float32 tensor [batch, ${height}, ${width}, ${channels}] with values in [0, 1]`);
    }
    return tf.tidy(() => {
      let x = this.stem.forward(tf.sub(tf.mul(images, 2), 1));
      for (const stage of this.stages) x = stage.forward(x);
      return this.head.forward(tf.reshape(x, [images.shape[0], -1]));
    });
  }
}
