import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { kaimingUniform, uniformBias } from './init';
import { Module } from './module';
import { checkBoolean, checkGenerator, checkInput, checkPair, checkPositiveInteger } from './validate';

export interface ConvTranspose2dOptions {
  inChannels: number;
  outChannels: number;
  /** Kernel size, a number or [height, width]. */
  kernelSize: number | [number, number];
  /** Stride (default 1); 2 upsamples by two. */
  stride?: number | [number, number];
  /** PyTorch's `padding` (default 0): crops `padding` rows/columns from each side of the full output. */
  padding?: number | [number, number];
  /** PyTorch's `output_padding` (default 0): extra rows/columns at the bottom/right; must be below the stride. */
  outputPadding?: number | [number, number];
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Draws the initial weights: PyTorch's kaiming-uniform with fanIn = outChannels·kh·kw (its weight's dim 1), same for the bias. */
  generator: Generator;
}

/**
 * Transposed 2-D convolution ("deconvolution") on NHWC input, with PyTorch's output
 * size: `[batch, h, w, inChannels] → [batch, H, W, outChannels]`,
 *
 *   H = (h − 1)·stride − 2·padding + kernel + outputPadding
 *
 * (so kernel 4, stride 2, padding 1 doubles the size, as does kernel 3, stride 2,
 * padding 1, outputPadding 1). It is exactly the adjoint (gradient w.r.t. the input) of
 * `Conv2d` with the same kernel, stride and padding applied to an `H × W` image, which
 * is also PyTorch's definition; the test checks ⟨conv(x), y⟩ = ⟨x, convT(y)⟩.
 *
 * `weight` is `[kh, kw, outChannels, inChannels]`: the layout tfjs's conv2dTranspose
 * takes, and the same array as the weight of the `Conv2d(outChannels → inChannels)` it
 * is the adjoint of. PyTorch's ConvTranspose2d weight `[in, out, kh, kw]` maps to it by
 * `transpose([2, 3, 1, 0])`, with no spatial flip.
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const {
      inChannels,
      outChannels,
      kernelSize,
      stride = 1,
      padding = 0,
      outputPadding = 0,
      bias = true,
      generator,
    } = options ?? ({} as ConvTranspose2dOptions);
    this.inChannels = checkPositiveInteger('ConvTranspose2d', 'inChannels', inChannels);
    this.outChannels = checkPositiveInteger('ConvTranspose2d', 'outChannels', outChannels);
    this.kernelSize = checkPair('ConvTranspose2d', 'kernelSize', kernelSize, 1);
    this.stride = checkPair('ConvTranspose2d', 'stride', stride, 1);
    this.padding = checkPair('ConvTranspose2d', 'padding', padding, 0);
    this.outputPadding = checkPair('ConvTranspose2d', 'outputPadding', outputPadding, 0);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1]) {
      throw new InvalidArgumentError(
        'ConvTranspose2d outputPadding',
        outputPadding,
        `must be smaller than stride (${JSON.stringify(stride)})`,
      );
    }
    checkBoolean('ConvTranspose2d', 'bias', bias);
    const random = checkGenerator('ConvTranspose2d', generator);
    const [kh, kw] = this.kernelSize;
    const fanIn = outChannels * kh * kw;
    this.weight = this.registerParameter('weight', kaimingUniform(random, [kh, kw, outChannels, inChannels], fanIn));
    this.bias = bias ? this.registerParameter('bias', uniformBias(random, [outChannels], fanIn)) : null;
  }

  /** Output [height, width] for an input of [height, width] (PyTorch's formula). */
  outputSize(height: number, width: number): [number, number] {
    const size = (n: number, axis: 0 | 1) =>
      (n - 1) * this.stride[axis] - 2 * this.padding[axis] + this.kernelSize[axis] + this.outputPadding[axis];
    return [size(height, 0), size(width, 1)];
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('ConvTranspose2d', x, {
      rank: 4,
      lastDim: this.inChannels,
      expected: `[batch, height, width, ${this.inChannels}] (NHWC)`,
    });
    const [batch, height, width] = x.shape as number[];
    const [outHeight, outWidth] = this.outputSize(height, width);
    if (outHeight < 1 || outWidth < 1) {
      throw new InvalidArgumentError('ConvTranspose2d input', x, `gives an empty output [${outHeight}, ${outWidth}]`);
    }
    const [ph, pw] = this.padding;
    return tf.tidy(() => {
      const y = tf.conv2dTranspose(
        x as tf.Tensor4D,
        this.param('weight') as tf.Tensor4D,
        [batch, outHeight, outWidth, this.outChannels],
        this.stride,
        [
          [0, 0],
          [ph, ph],
          [pw, pw],
          [0, 0],
        ],
      );
      return this.bias ? tf.add(y, this.param('bias')) : y;
    });
  }
}
