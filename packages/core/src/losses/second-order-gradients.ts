import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient overrides that make tfjs-core 4.22 differentiate twice correctly.
 *
 * Gradient penalties (WGAN-GP, R1) differentiate the critic with respect to its input
 * inside a loss that is then differentiated with respect to the critic's weights, so the
 * backward pass of every kernel on the critic's path is itself taped and differentiated.
 * Checked against central finite differences on small critics, tfjs 4.22 fails in two ways:
 *
 * 1. **Missing gradients of piecewise-constant kernels.** Backward passes build masks
 *    (`greater(x, 0)` in LeakyRelu / Prelu / Selu, `lessEqual` in Relu6 / Minimum,
 *    `logicalAnd` in ClipByValue, `less` in Maximum's mask, `equal` in Max/Min): the
 *    outer pass then stops with `gradient function not found for Greater`. Their
 *    gradient is zero almost everywhere; we register exactly that.
 * 2. **Silently wrong gradients of kernels that save their output.** Tanh, Sigmoid, Exp,
 *    Elu and Softmax write their backward pass in terms of the saved output `y`. The
 *    engine tapes the clone that saves `y` *before* the kernel that produced `y`, so its
 *    forward sweep (`getFilteredNodesXToY`) never links the saved copy to the weights and
 *    the second-order term through `y` is dropped: no error, just a wrong number
 *    (a Tanh critic's GP gradient is off by ~25%). We re-register their gradients in
 *    terms of the saved *input* (recomputing `y`), which the tape links correctly.
 *    Elu's backward also used the `EluGrad` kernel, which has no gradient at all.
 * 3. **Missing gradients of backward kernels.** `AvgPoolGrad` (the backward of AvgPool)
 *    has none; it is linear in `dy`, and its adjoint is a sum-pool with the same window
 *    divided by the window size, written here as a depthwise convolution with a constant
 *    filter (differentiable, exact for every padding). `Conv2DBackpropFilter` has none
 *    either (needed when a weight gradient is differentiated again, e.g. w.r.t. the input);
 *    it is bilinear in `(x, dy)`.
 *
 * Still unsupported (throws `gradient function not found`): `MaxPoolGrad` (use average
 * pooling or strided convolutions in critics that take a gradient penalty), and
 * `logSoftmax`, which tfjs builds with `customGrad` rather than a kernel; `tf.softmax`
 * followed by `tf.log` differentiates twice correctly with these overrides.
 *
 * The overrides are also correct first-order gradients, so registering them changes no
 * first-order result (beyond float rounding of recomputing `y`). Registration is global
 * and idempotent; the penalty functions call it, and the backend's initialisation may too.
 */

let registered = false;

/** Kernels whose outputs are piecewise constant (boolean masks): zero gradient a.e. */
const PIECEWISE_CONSTANT_KERNELS = [
  tf.Greater,
  tf.GreaterEqual,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalNot,
] as const;

function zeroGradient(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: kernelName === tf.LogicalNot ? ['x'] : ['a', 'b'],
    gradFunc: (_dy, saved): Record<string, () => tf.Tensor> => {
      if (kernelName === tf.LogicalNot) {
        const [x] = saved;
        return { x: () => tf.zeros(x.shape, 'float32') };
      }
      const [a, b] = saved;
      return { a: () => tf.zeros(a.shape, 'float32'), b: () => tf.zeros(b.shape, 'float32') };
    },
  };
}

export const tanhGradient: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    // d tanh(x) = 1 − tanh(x)², with tanh recomputed from the saved input.
    return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
  },
};

const sigmoidGradient: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    // d σ(x) = σ(x)·σ(−x), both factors computed stably from the saved input.
    return { x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.sigmoid(x), tf.sigmoid(tf.neg(x)))) };
  },
};

const expGradient: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) };
  },
};

const eluGradient: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    // elu(x) = x for x > 0, eˣ − 1 otherwise; its derivative is 1 or eˣ. exp(min(x, 0))
    // keeps the unselected branch finite, so where()'s gradient never multiplies 0 by ∞.
    return {
      x: () => tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x, 0)))),
    };
  },
};

const softmaxGradient: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved;
    const { dim } = attrs as unknown as { dim: number };
    return {
      logits: () => {
        // ∂L/∂z = y ⊙ (dy − Σ dy ⊙ y), y = softmax(z) recomputed from the saved logits.
        const y = tf.softmax(logits, dim);
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, dim, true), y));
      },
    };
  },
};

const avgPoolGradGradient: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs) => {
    const [input] = saved;
    const { filterSize, strides, pad } = attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
    };
    const [filterHeight, filterWidth] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    return {
      // AvgPoolGrad spreads each dy over its window with weight 1/(fh·fw); its adjoint sums
      // ddx over the same window with the same weight: a depthwise conv with a constant filter.
      dy: () => {
        const channels = (ddx as tf.Tensor4D).shape[3];
        const filter = tf.fill([filterHeight, filterWidth, channels, 1], 1 / (filterHeight * filterWidth));
        return tf.depthwiseConv2d(ddx as tf.Tensor4D, filter as tf.Tensor4D, strides, pad);
      },
      input: () => tf.zeros(input.shape, 'float32'),
    };
  },
};

const conv2DBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    // dW = Σ x ⋆ dy is bilinear: its adjoint w.r.t. x is the input-backprop of dy through
    // ddW, and w.r.t. dy the forward convolution of x with ddW.
    return {
      x: () => tf.conv2dTranspose(dy, ddw as tf.Tensor4D, x.shape, strides, pad as 'valid' | 'same', dimRoundingMode),
      dy: () => tf.conv2d(x, ddw as tf.Tensor4D, strides, pad, dataFormat === 'NCHW' ? 'NCHW' : 'NHWC', 1, dimRoundingMode),
    };
  },
};

/** The kernels whose gradients {@link registerSecondOrderGradients} registers. */
export function secondOrderGradientKernels(): string[] {
  return [
    ...PIECEWISE_CONSTANT_KERNELS,
    tf.Tanh,
    tf.Sigmoid,
    tf.Exp,
    tf.Elu,
    tf.Softmax,
    tf.AvgPoolGrad,
    tf.Conv2DBackpropFilter,
  ];
}

/**
 * Registers the gradient overrides above (global, once per process; later calls do
 * nothing; `force`: register again). Returns the kernel names registered by this call. Works
 * before or after `registerTfjsGradients()`, which keeps a gradient that is already registered.
 */
export function registerSecondOrderGradients(options: { force?: boolean } = {}): string[] {
  if (registered && !options.force) return [];
  registered = true;
  for (const kernelName of PIECEWISE_CONSTANT_KERNELS) tf.registerGradient(zeroGradient(kernelName));
  for (const config of [
    tanhGradient,
    sigmoidGradient,
    expGradient,
    eluGradient,
    softmaxGradient,
    avgPoolGradGradient,
    conv2DBackpropFilterGradient,
  ]) {
    tf.registerGradient(config);
  }
  return secondOrderGradientKernels();
}
