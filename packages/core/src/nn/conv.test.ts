import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { expectGradientMatchesFiniteDifferences } from './testing/finite-differences';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

async function dot(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * y[i];
  return sum;
}

describeWithBackends('nn.Conv2d', () => {
  it('gives PyTorch output sizes for stride, padding and dilation', () => {
    const generator = new Generator(1);
    const x = tf.zeros([2, 9, 8, 3]);
    const shape = (options: Partial<nn.Conv2dOptions>) =>
      new nn.Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, generator, ...options }).forward(x).shape;
    expect(shape({})).toEqual([2, 7, 6, 5]);
    expect(shape({ padding: 1 })).toEqual([2, 9, 8, 5]);
    expect(shape({ padding: 1, stride: 2 })).toEqual([2, 5, 4, 5]); // ⌊(9+2−3)/2⌋+1, ⌊(8+2−3)/2⌋+1
    expect(shape({ padding: 'same', stride: 2 })).toEqual([2, 5, 4, 5]);
    expect(shape({ dilation: 2, padding: 2 })).toEqual([2, 9, 8, 5]);
    expect(shape({ dilation: 2, stride: 2 })).toEqual([2, 3, 2, 5]); // ⌊(9−5)/2⌋+1, ⌊(8−5)/2⌋+1
    expect(shape({ kernelSize: [1, 3], padding: [0, 1] })).toEqual([2, 9, 8, 5]);
  });

  it('equals conv2d + bias followed by the activation (fused or not)', async () => {
    const generator = new Generator(2);
    const x = generator.normal([1, 5, 5, 2]);
    const dilatedConv = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2, dilation: 2, generator });
    await expectTensorsClose(
      dilatedConv.forward(x),
      tf.add(tf.conv2d(x as tf.Tensor4D, dilatedConv.weight as tf.Tensor4D, 1, 'valid', 'NHWC', 2), dilatedConv.bias!),
      { atol: 1e-4 },
    );
    for (const activation of ['relu', 'leakyRelu', 'sigmoid', 'silu', 'gelu'] as const) {
      const conv = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, activation, leakyReluAlpha: 0.2, generator });
      const reference = tf.add(tf.conv2d(x as tf.Tensor4D, conv.weight as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]), conv.bias!);
      const expected = activation === 'leakyRelu' ? nn.leakyRelu(reference, 0.2) : nn.activation(activation)(reference);
      await expectTensorsClose(conv.forward(x), expected, { atol: 1e-4 });
    }
  });

  it('draws PyTorch-default weights from the generator, identical on every backend', async () => {
    const conv = new nn.Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, generator: new Generator(3) });
    const bound = 1 / Math.sqrt(2 * 3 * 3);
    const expected = new Generator(3);
    const weight = Float32Array.from(expected.uniformArray(72), (u) => -bound + 2 * bound * u);
    const bias = Float32Array.from(expected.uniformArray(4), (u) => -bound + 2 * bound * u);
    expect(await conv.weight.data()).toEqual(weight);
    expect(await conv.bias!.data()).toEqual(bias);
  });

  it('validates options and input with one-line errors naming the layer', () => {
    const generator = new Generator(0);
    expect(messageOf(() => new nn.Conv2d({ inChannels: 0, outChannels: 2, kernelSize: 3, generator }))).toBe(
      'Conv2d inChannels (0) must be a positive integer',
    );
    expect(messageOf(() => new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: [3, 0], generator }))).toBe(
      'Conv2d kernelSize ([3, 0]) must be a positive integer or a [height, width] pair of them',
    );
    expect(messageOf(() => new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, padding: 'full' as never, generator }))).toBe(
      `Conv2d padding ("full") must be 'same', 'valid', a non-negative integer or a [height, width] pair`,
    );
    expect(messageOf(() => new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, activation: 'swish' as never, generator }))).toBe(
      'Conv2d activation ("swish") is not a known activation; use one of linear, relu, leakyRelu, silu, gelu, mish, tanh, sigmoid',
    );
    expect(messageOf(() => new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 } as nn.Conv2dOptions))).toBe(
      'Conv2d generator (undefined) must be a Generator from @gen/core (weights are drawn from it; new Generator(seed))',
    );
    const conv = new nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, generator });
    expect(messageOf(() => conv.forward(tf.zeros([2, 8, 8, 4])))).toBe(
      'Conv2d input (Tensor<float32>[2, 8, 8, 4]) must have shape [batch, height, width, 3] (NHWC)',
    );
    expect(messageOf(() => conv.forward(tf.zeros([8, 8, 3])))).toBe(
      'Conv2d input (Tensor<float32>[8, 8, 3]) must have shape [batch, height, width, 3] (NHWC)',
    );
  });
});

describeWithBackends('nn.ConvTranspose2d', () => {
  it('gives PyTorch output sizes: (h − 1)·stride − 2·padding + kernel + outputPadding', () => {
    const generator = new Generator(4);
    const x = tf.zeros([2, 5, 4, 6]);
    const shape = (options: Partial<nn.ConvTranspose2dOptions>) =>
      new nn.ConvTranspose2d({ inChannels: 6, outChannels: 3, kernelSize: 4, generator, ...options }).forward(x).shape;
    expect(shape({ stride: 2, padding: 1 })).toEqual([2, 10, 8, 3]); // DCGAN upsampling doubles
    expect(shape({ kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 })).toEqual([2, 10, 8, 3]);
    expect(shape({ kernelSize: 3, stride: 2, padding: 1 })).toEqual([2, 9, 7, 3]);
    expect(shape({})).toEqual([2, 8, 7, 3]);
    expect(shape({ kernelSize: [4, 1], stride: [2, 1] })).toEqual([2, 12, 4, 3]);
  });

  it('is the adjoint of Conv2d with the same weight: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩', async () => {
    const generator = new Generator(5);
    for (const { kernelSize, padding, outputPadding } of [
      { kernelSize: 4, padding: 1, outputPadding: 0 },
      { kernelSize: 3, padding: 1, outputPadding: 1 },
      { kernelSize: 3, padding: 0, outputPadding: 0 },
    ]) {
      const convT = new nn.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize, stride: 2, padding, outputPadding, bias: false, generator });
      const conv = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize, stride: 2, padding, bias: false, generator });
      conv.weight.assign(convT.weight);
      const y = generator.normal([2, 4, 3, 3]);
      const [height, width] = convT.outputSize(4, 3);
      const x = generator.normal([2, height, width, 2]);
      const convX = conv.forward(x);
      expect(convX.shape).toEqual(y.shape);
      const left = await dot(convX, y);
      const right = await dot(x, convT.forward(y));
      expect(Math.abs(left - right)).toBeLessThan(1e-3 * Math.max(1, Math.abs(left)));
    }
  });

  it('rejects an outputPadding not below the stride and mis-shaped input', () => {
    const generator = new Generator(0);
    expect(messageOf(() => new nn.ConvTranspose2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, outputPadding: 2, generator }))).toBe(
      'ConvTranspose2d outputPadding (2) must be smaller than stride (2)',
    );
    const convT = new nn.ConvTranspose2d({ inChannels: 2, outChannels: 2, kernelSize: 3, generator });
    expect(messageOf(() => convT.forward(tf.zeros([1, 4, 4, 3])))).toBe(
      'ConvTranspose2d input (Tensor<float32>[1, 4, 4, 3]) must have shape [batch, height, width, 2] (NHWC)',
    );
  });
});

describeWithBackends('nn.ConvTranspose2d input gradient', () => {
  it('matches finite differences (needs only Conv2D, which every backend has)', async () => {
    const generator = new Generator(9);
    const convT = new nn.ConvTranspose2d({ inChannels: 1, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, generator });
    const x = generator.normal([1, 2, 2, 1]);
    const r = generator.normal([1, 4, 4, 2]);
    await expectGradientMatchesFiniteDifferences((v) => tf.sum(tf.mul(convT.forward(v), r)), x);
  });
});

// Conv gradients: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (and the fused
// conv gradient computes the filter gradient even for d/dx), so these run on cpu until
// registerWasmTrainingKernels() provides it.
describeWithBackends('nn conv gradients match finite differences', () => {
  it('Conv2d: input, weight and bias (stride 2, padding 1)', async () => {
    const generator = new Generator(6);
    const conv = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator });
    const x = generator.normal([1, 5, 5, 2]);
    const r = generator.normal([1, 3, 3, 3]);
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, r));
    await expectGradientMatchesFiniteDifferences((v) => loss(conv.forward(v)), x);
    await expectGradientMatchesFiniteDifferences(
      (w) => conv.withParameterOverride('weight', w, () => loss(conv.forward(x))),
      conv.weight,
    );
    await expectGradientMatchesFiniteDifferences(
      (b) => conv.withParameterOverride('bias', b, () => loss(conv.forward(x))),
      conv.bias!,
    );
  });

  it('Conv2d with dilation and a fused relu', async () => {
    const generator = new Generator(7);
    const dilated = new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 2, dilation: 2, padding: 1, generator });
    const fused = new nn.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 'same', activation: 'relu', generator });
    const x = generator.normal([1, 4, 4, 1]);
    const r = generator.normal([1, 4, 4, 2]);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(fused.forward(dilated.forward(v)), r));
    await expectGradientMatchesFiniteDifferences(f, x, { epsilon: 1e-3 });
  });

  it('ConvTranspose2d: input and weight', async () => {
    const generator = new Generator(8);
    const convT = new nn.ConvTranspose2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator });
    const x = generator.normal([1, 3, 3, 2]);
    const r = generator.normal([1, 6, 6, 2]);
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, r));
    await expectGradientMatchesFiniteDifferences((v) => loss(convT.forward(v)), x);
    await expectGradientMatchesFiniteDifferences(
      (w) => convT.withParameterOverride('weight', w, () => loss(convT.forward(x))),
      convT.weight,
    );
  });
});
