import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { ACTIVATION_NAMES, activation as activationByName } from './activations';
import type { ActivationName } from './activations';
import { kaimingUniform, uniformBias } from './init';
import { Module } from './module';
import { checkBoolean, checkGenerator, checkInput, checkPair, checkPositiveInteger } from './validate';

/** `'same'` / `'valid'` (TensorFlow semantics), or zero padding on each side (PyTorch's `padding=p`). */
export type Conv2dPadding = 'same' | 'valid' | number | [number, number];

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  /** Kernel size, a number or [height, width]. */
  kernelSize: number | [number, number];
  /** Stride (default 1). */
  stride?: number | [number, number];
  /**
   * Default 0. A number (or [h, w]) pads that many zeros on each side, as PyTorch;
   * `'same'` keeps ⌈size / stride⌉ (TensorFlow's rule, extra padding at the bottom/right);
   * `'valid'` is 0.
   */
  padding?: Conv2dPadding;
  /** Dilation (default 1); may be combined with a stride. */
  dilation?: number | [number, number];
  /** Add a learned bias (default true). */
  bias?: boolean;
  /**
   * An activation applied to the output (default 'linear'). relu / leakyRelu / sigmoid
   * run fused into the convolution (`tf.fused.conv2d`) where the backend supports it.
   */
  activation?: ActivationName;
  /** Slope of 'leakyRelu' for x < 0 (default 0.01). */
  leakyReluAlpha?: number;
  /** Draws the initial weights: kaiming-uniform weight, U(±1/√fanIn) bias, fanIn = inChannels·kh·kw (PyTorch). */
  generator: Generator;
}

const FUSED: Partial<Record<ActivationName, tf.fused.Activation>> = {
  linear: 'linear',
  relu: 'relu',
  leakyRelu: 'leakyrelu',
  sigmoid: 'sigmoid',
};

/**
 * 2-D convolution on NHWC input: `[batch, height, width, inChannels] →
 * [batch, outHeight, outWidth, outChannels]`, with outHeight = ⌊(height + 2·padding −
 * dilation·(kernel − 1) − 1) / stride⌋ + 1 for numeric padding (PyTorch's formula).
 * `weight` is `[kh, kw, inChannels, outChannels]`; PyTorch's `[out, in, kh, kw]` maps to
 * it by `transpose([2, 3, 1, 0])`.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: 'same' | 'valid' | [number, number];
  readonly dilation: [number, number];
  readonly activation: ActivationName;
  readonly leakyReluAlpha: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(options: Conv2dOptions) {
    super();
    const {
      inChannels,
      outChannels,
      kernelSize,
      stride = 1,
      padding = 0,
      dilation = 1,
      bias = true,
      activation = 'linear',
      leakyReluAlpha = 0.01,
      generator,
    } = options ?? ({} as Conv2dOptions);
    this.inChannels = checkPositiveInteger('Conv2d', 'inChannels', inChannels);
    this.outChannels = checkPositiveInteger('Conv2d', 'outChannels', outChannels);
    this.kernelSize = checkPair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = checkPair('Conv2d', 'stride', stride, 1);
    this.dilation = checkPair('Conv2d', 'dilation', dilation, 1);
    this.padding = padding === 'same' || padding === 'valid' ? padding : checkPadding(padding);
    checkBoolean('Conv2d', 'bias', bias);
    if (!(ACTIVATION_NAMES as readonly string[]).includes(activation)) {
      throw new InvalidArgumentError('Conv2d activation', activation, `is not a known activation; use one of ${ACTIVATION_NAMES.join(', ')}`);
    }
    if (typeof leakyReluAlpha !== 'number' || !Number.isFinite(leakyReluAlpha)) {
      throw new InvalidArgumentError('Conv2d leakyReluAlpha', leakyReluAlpha, 'must be a finite number');
    }
    this.activation = activation;
    this.leakyReluAlpha = leakyReluAlpha;
    const random = checkGenerator('Conv2d', generator);
    const [kh, kw] = this.kernelSize;
    const fanIn = inChannels * kh * kw;
    this.weight = this.registerParameter('weight', kaimingUniform(random, [kh, kw, inChannels, outChannels], fanIn));
    this.bias = bias ? this.registerParameter('bias', uniformBias(random, [outChannels], fanIn)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('Conv2d', x, {
      rank: 4,
      lastDim: this.inChannels,
      expected: `[batch, height, width, ${this.inChannels}] (NHWC)`,
    });
    const pad = tfjsPadding(this.padding);
    const [kh, kw] = this.kernelSize;
    if (Array.isArray(this.padding)) {
      const [, height, width] = x.shape as number[];
      const outHeight = height + 2 * this.padding[0] - this.dilation[0] * (kh - 1);
      const outWidth = width + 2 * this.padding[1] - this.dilation[1] * (kw - 1);
      if (outHeight < 1 || outWidth < 1) {
        throw new InvalidArgumentError('Conv2d input', x, `is smaller than the dilated kernel [${kh}, ${kw}] plus padding`);
      }
    }
    return tf.tidy(() => {
      // tfjs has no conv gradient for dilations > 1, so a dilated kernel is spelled out
      // (zeros between taps) and convolved with dilation 1: differentiable everywhere.
      const weight = dilateKernel(this.param('weight') as tf.Tensor4D, this.dilation);
      const bias = this.bias ? this.param('bias') : undefined;
      const fused = FUSED[this.activation];
      // Fused conv + bias (+ activation); tfjs unfuses the activation itself under a gradient tape.
      const y = tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: weight,
        strides: this.stride,
        pad,
        bias,
        activation: fused ?? 'linear',
        leakyreluAlpha: this.leakyReluAlpha,
      });
      return fused ? y : activationByName(this.activation)(y);
    });
  }
}

/**
 * [kh, kw, in, out] → [d·(kh−1)+1, d·(kw−1)+1, in, out] with d−1 zeros between taps.
 * One axis at a time, keeping every tensor at rank ≤ 4: webgl's packed pad shader
 * cannot compile for rank 6.
 */
function dilateKernel(weight: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return weight;
  const [kh, kw, inChannels, outChannels] = weight.shape;
  const channels = inChannels * outChannels;
  const outHeight = dh * (kh - 1) + 1;
  const outWidth = dw * (kw - 1) + 1;
  // Rows: [kh, 1, kw, c] → pad to [kh, dh, kw, c] → [kh·dh, kw, c] → first outHeight rows.
  const rows = tf.pad(tf.reshape(weight, [kh, 1, kw, channels]), [[0, 0], [0, dh - 1], [0, 0], [0, 0]]);
  const tallKernel = tf.slice(tf.reshape(rows, [kh * dh, kw, channels]), [0, 0, 0], [outHeight, kw, channels]);
  // Columns: [H, kw, 1, c] → pad to [H, kw, dw, c] → [H, kw·dw, c] → first outWidth columns.
  const cols = tf.pad(tf.reshape(tallKernel, [outHeight, kw, 1, channels]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
  const wide = tf.slice(tf.reshape(cols, [outHeight, kw * dw, channels]), [0, 0, 0], [outHeight, outWidth, channels]);
  return tf.reshape(wide, [outHeight, outWidth, inChannels, outChannels]);
}

function checkPadding(padding: unknown): [number, number] {
  if (typeof padding === 'number' || Array.isArray(padding)) return checkPair('Conv2d', 'padding', padding, 0);
  throw new InvalidArgumentError('Conv2d padding', padding, "must be 'same', 'valid', a non-negative integer or a [height, width] pair");
}

/** Symmetric numeric padding as tfjs explicit padding (NHWC). */
export function tfjsPadding(padding: 'same' | 'valid' | [number, number]): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  if (padding === 'same' || padding === 'valid') return padding;
  const [ph, pw] = padding;
  if (ph === 0 && pw === 0) return 'valid';
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}
