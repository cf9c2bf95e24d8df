import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { TINY_UNET_CONFIG, UNet2DModel, unet2dConfig, type UNet2DConfigInput } from './unet';
import { timestepEmbedding } from './timestep-embedding';

const tiny = (overrides: Partial<UNet2DConfigInput> = {}, seed = 0) => new UNet2DModel({ ...TINY_UNET_CONFIG, ...overrides, generator: new Generator(seed) });

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = tf.max(tf.abs(tf.sub(a, b)));
  const value = (await diff.data())[0];
  diff.dispose();
  return value;
}

describeWithBackends('timestepEmbedding', () => {
  it('matches the closed form [cos(t·ω_i), sin(t·ω_i)], ω_i = 10000^(−i/half)', async () => {
    const timesteps = [0, 1, 17, 999];
    const dim = 8;
    const half = dim / 2;
    const expected: number[] = [];
    for (const t of timesteps) {
      const omegas = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
      expected.push(...omegas.map((w) => Math.cos(t * w)), ...omegas.map((w) => Math.sin(t * w)));
    }
    const embedding = timestepEmbedding(tf.tensor1d(timesteps), dim);
    expect(embedding.shape).toEqual([4, 8]);
    // float32 arguments up to 999 rad: absolute error ~1e-4
    await expectTensorsClose(embedding, expected, { atol: 2e-4 });
  });

  it('puts sines first without flipSinToCos, pads odd widths, and applies the frequency shift', async () => {
    const embedding = timestepEmbedding(tf.tensor1d([3]), 5, { flipSinToCos: false, downscaleFreqShift: 1 });
    const omegas = [0, 1].map((i) => Math.exp((-Math.log(10000) * i) / (2 - 1)));
    await expectTensorsClose(embedding, [...omegas.map((w) => Math.sin(3 * w)), ...omegas.map((w) => Math.cos(3 * w)), 0], {
      atol: backendTolerance(), // webgl's sin/cos on a (software) GPU: ~2e-4 absolute at 3 rad
    });
  });
});

describeWithBackends('UNet2DModel', () => {
  const generator = () => new Generator(7);

  it('maps [B, H, W, C] to [B, H, W, outChannels] in every conditioning mode', () => {
    const g = generator();
    const x = g.normal([2, 8, 8, 1]);
    const plain = tiny();
    expect(plain.forward(x, [10, 500]).sample.shape).toEqual([2, 8, 8, 1]);
    const classes = tiny({ numClasses: 3 });
    expect(classes.forward(x, 10, { classLabels: [0, 3] }).sample.shape).toEqual([2, 8, 8, 1]);
    const text = tiny({ crossAttentionDim: 6 });
    const states = g.normal([2, 3, 6]);
    const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
    expect(text.forward(x, tf.tensor1d([1, 2], 'int32'), { encoderHiddenStates: states, encoderMask: mask }).sample.shape).toEqual([2, 8, 8, 1]);
    const selfCond = tiny({ selfConditioning: true, outChannels: 2 });
    expect(selfCond.forward(x, 3, { selfCondition: g.normal([2, 8, 8, 2]) }).sample.shape).toEqual([2, 8, 8, 2]);
    // A 7×7×4 latent: 7 → 4 → 7 through the odd-size path.
    const latent = new UNet2DModel({ ...TINY_UNET_CONFIG, height: 7, width: 7, inChannels: 4, outChannels: 4, generator: g });
    expect(latent.forward(g.normal([1, 7, 7, 4]), 5).sample.shape).toEqual([1, 7, 7, 4]);
    [plain, classes, text, selfCond, latent].forEach((model) => model.dispose());
  });

  it('class labels change the output; omitted labels are the null class', async () => {
    const model = tiny({ numClasses: 2 });
    const x = generator().normal([1, 8, 8, 1]);
    const zero = model.forward(x, 100, { classLabels: [0] }).sample;
    const one = model.forward(x, 100, { classLabels: [1] }).sample;
    const nul = model.forward(x, 100, { classLabels: [2] }).sample;
    const omitted = model.forward(x, 100).sample;
    expect(await maxAbsDiff(zero, one)).toBeGreaterThan(1e-3);
    expect(await maxAbsDiff(zero, nul)).toBeGreaterThan(1e-3);
    await expectTensorsClose(omitted, nul);
    model.dispose();
  });

  it('text changes the output; a sample whose mask row is all zeros equals the text-free prediction', async () => {
    const model = tiny({ crossAttentionDim: 4 });
    const g = generator();
    const x = g.normal([2, 8, 8, 1]);
    const states = g.normal([2, 3, 4]);
    const withText = model.forward(x, 50, { encoderHiddenStates: states, encoderMask: tf.tensor2d([[1, 1, 1], [0, 0, 0]]) }).sample;
    const otherText = model.forward(x, 50, { encoderHiddenStates: tf.neg(states), encoderMask: tf.tensor2d([[1, 1, 1], [0, 0, 0]]) }).sample;
    const none = model.forward(x, 50).sample;
    const first = (t: tf.Tensor) => tf.slice(t, [0, 0, 0, 0], [1, -1, -1, -1]);
    const second = (t: tf.Tensor) => tf.slice(t, [1, 0, 0, 0], [1, -1, -1, -1]);
    expect(await maxAbsDiff(first(withText), first(otherText))).toBeGreaterThan(1e-4);
    expect(await maxAbsDiff(first(withText), first(none))).toBeGreaterThan(1e-4);
    await expectTensorsClose(second(withText), second(none));
    model.dispose();
  });

  it('sends a non-zero gradient to every parameter', async () => {
    const model = tiny({ numClasses: 2, crossAttentionDim: 4, selfConditioning: true });
    const g = generator();
    const x = g.normal([2, 8, 8, 1]);
    const conditioning = {
      classLabels: [0, 1],
      encoderHiddenStates: g.normal([2, 2, 4]),
      encoderMask: tf.tensor2d([[1, 1], [1, 0]]),
      selfCondition: g.normal([2, 8, 8, 1]),
    };
    const target = g.normal([2, 8, 8, 1]);
    const named = model.namedParameters();
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(model.forward(x, [3, 700], conditioning).sample, target))) as tf.Scalar,
      named.map(([, variable]) => variable),
    );
    value.dispose();
    const norms = await Promise.all(named.map(async ([, variable]) => (await tf.sum(tf.abs(grads[variable.name])).data())[0]));
    const dead = named.filter((_, i) => !(norms[i] > 0)).map(([name]) => name);
    expect(dead).toEqual([]);
    expect(named.length).toBeGreaterThan(50);
    tf.dispose(grads);
    model.dispose();
  });

  it('round-trips through getConfig (JSON) → fromConfig → loadStateDict', async () => {
    const model = tiny({ numClasses: 2 }, 3);
    const copy = UNet2DModel.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
    const x = generator().normal([1, 8, 8, 1]);
    expect(await maxAbsDiff(model.forward(x, 9).sample, copy.forward(x, 9).sample)).toBeGreaterThan(1e-4);
    copy.loadStateDict(model.stateDict());
    await expectTensorsClose(copy.forward(x, 9, { classLabels: [1] }).sample, model.forward(x, 9, { classLabels: [1] }).sample);
    expect(copy.numParameters()).toBe(model.numParameters());
    model.dispose();
    copy.dispose();
  });

  it('leaves no tensors behind but its output', () => {
    const model = tiny({ numClasses: 2, crossAttentionDim: 4 });
    const g = generator();
    const x = g.normal([1, 8, 8, 1]);
    const states = g.normal([1, 2, 4]);
    const before = tf.memory().numTensors;
    const { sample } = model.forward(x, 5, { classLabels: [1], encoderHiddenStates: states });
    expect(tf.memory().numTensors).toBe(before + 1);
    sample.dispose();
    model.dispose();
  });

  it('rejects bad input with one-line errors', () => {
    const model = tiny({ numClasses: 2 });
    const x = tf.zeros([1, 8, 8, 1]);
    expect(() => model.forward(tf.zeros([1, 9, 8, 1]), 1)).toThrow('sample (Tensor<float32>[1, 9, 8, 1]) must have shape [batch, 8, 8, 1] (NHWC)');
    expect(() => model.forward(x, 1, { classLabels: [5] })).toThrow('classLabels (5) is not a class label: use integers in [0, 1], or 2 for the null class');
    expect(() => model.forward(x, 1, { classLabels: [0, 1] })).toThrow('classLabels ([0, 1]) must hold 1 labels (one per sample)');
    expect(() => model.forward(x, 1, { encoderHiddenStates: tf.zeros([1, 2, 4]) })).toThrow(
      'encoderHiddenStates (Tensor<float32>[1, 2, 4]) must be omitted: this UNet has no cross-attention (config.crossAttentionDim is null)',
    );
    expect(() => unet2dConfig({ height: 8, width: 8, inChannels: 1, blockOutChannels: [12], normNumGroups: 8 })).toThrow(
      'config.normNumGroups (8) must divide every entry of blockOutChannels [12]',
    );
    expect(() => unet2dConfig({ height: 8, width: 8, inChannels: 1, channels: 3 } as never)).toThrow(/^config.channels \(3\) is not a UNet2D config field/);
    model.dispose();
  });
});
