import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { blobDataset, tinyConfig } from './__fixtures__/tiny';
import { createDiscriminator, createGenerator } from './checkpoint';
import { GanTrainer, type GanTrainerOptions } from './gan-trainer';
import { discriminatorLoss, GAN_LOSSES } from './objectives';
import type { GanConfig } from './types';

const data = blobDataset(8);

function setup(config: GanConfig, options: Partial<GanTrainerOptions> = {}) {
  const generator = createGenerator(config.generator, new Generator(1));
  const discriminator = createDiscriminator(config.discriminator, new Generator(2));
  const trainer = new GanTrainer({ generator, discriminator, rng: new Generator(3), standingStatistics: { batches: 2, batchSize: 16 }, ...options });
  const batch = () => ({ images: tf.sub(tf.mul(tf.tensor4d(data.images, [8, 8, 8, 1]), 2), 1) as tf.Tensor4D, labels: tf.tensor1d(data.labels, 'int32') });
  const dispose = () => {
    trainer.dispose();
    generator.dispose();
    discriminator.dispose();
  };
  return { generator, discriminator, trainer, batch, dispose };
}

const snapshot = (module: { namedParameters(): Array<[string, tf.Variable]> }) =>
  Object.fromEntries(module.namedParameters().map(([name, v]) => [name, v.dataSync().slice()]));
const changed = (a: Record<string, Float32Array | Int32Array | Uint8Array>, b: Record<string, Float32Array | Int32Array | Uint8Array>) =>
  Object.keys(a).filter((name) => a[name].some((v, i) => v !== b[name][i]));

describeWithBackends('@gen/gan GanTrainer', () => {
  it('one step updates both networks and honours the critic-steps ratio', async () => {
    const { generator, discriminator, trainer, batch, dispose } = setup(tinyConfig('conditional', 4), { criticSteps: 3, ema: false });
    const g0 = snapshot(generator);
    const d0 = snapshot(discriminator);
    const losses = trainer.step([batch(), batch(), batch()]);
    expect(Number.isFinite((await losses.discriminator.data())[0])).toBe(true);
    expect(Number.isFinite((await losses.generator.data())[0])).toBe(true);
    expect(trainer.optimizerD.stepCount).toBe(3);
    expect(trainer.optimizerG.stepCount).toBe(1);
    // Every generator and discriminator parameter with a gradient moved (attention-free model: all of them).
    expect(changed(g0, snapshot(generator))).toEqual(Object.keys(g0));
    expect(changed(d0, snapshot(discriminator))).toEqual(Object.keys(d0));
    expect(() => trainer.step([batch()])).toThrow(/^batches \(.*\) must be an array of criticSteps \(3\) real batches$/);
    dispose();
  });

  it('the EMA tracks the generator: shadow = d·θ₀ + (1 − d)·θ₁ after one step, swapped in and out exactly', async () => {
    const { generator, trainer, batch, dispose } = setup(tinyConfig('dcgan'), { ema: { decay: 0.9, warmup: 'none' } });
    const [name, variable] = generator.namedParameters()[0];
    const before = tf.clone(variable);
    tf.dispose(trainer.step([batch()]));
    const after = tf.clone(variable);
    await expectTensorsClose(trainer.ema!.averages()[name], tf.add(tf.mul(before, 0.9), tf.mul(after, 0.1)), { atol: 1e-6 });
    const inside = trainer.withEmaWeights(() => tf.clone(variable));
    await expectTensorsClose(inside, trainer.ema!.averages()[name], { atol: 0 });
    await expectTensorsClose(variable, after, { atol: 0 });
    dispose();
  });

  it("the default EMA warms up ('power'): decay 1 − (1 + s)^(−2/3), the first update copies the weights, the second averages with decay 1 − 2^(−2/3)", async () => {
    const { generator, trainer, batch, dispose } = setup(tinyConfig('dcgan'));
    const [name, variable] = generator.namedParameters()[0];
    tf.dispose(trainer.step([batch()]));
    await expectTensorsClose(trainer.ema!.averages()[name], variable, { atol: 0 });
    const before = tf.clone(variable);
    tf.dispose(trainer.step([batch()]));
    const d = 1 - 2 ** (-2 / 3);
    await expectTensorsClose(trainer.ema!.averages()[name], tf.add(tf.mul(before, d), tf.mul(variable, 1 - d)), { atol: 1e-6 });
    expect(() => setup(tinyConfig('dcgan'), { ema: { warmup: 'ratio' as 'power' } })).toThrow('ema.warmup ("ratio") must be \'none\' or \'power\'');
    dispose();
  });

  it('WGAN clips the critic weights; ACGAN, R1, orthogonal regularization and DiffAugment run', async () => {
    const wgan = setup(tinyConfig('dcgan'), { loss: 'wasserstein', criticSteps: 1, clipValue: 0.02 });
    tf.dispose(wgan.trainer.step([wgan.batch()]));
    const largest = Math.max(...wgan.discriminator.trainableVariables().map((v) => tf.max(tf.abs(v)).dataSync()[0]));
    expect(largest).toBeLessThanOrEqual(0.02);
    wgan.dispose();
    const acgan = setup(tinyConfig('acgan', 4), { r1Gamma: 1, orthogonalRegularization: 1e-4, diffAugment: true });
    const losses = acgan.trainer.step([acgan.batch()]);
    expect(Number.isFinite((await losses.discriminator.data())[0])).toBe(true);
    acgan.dispose();
  });

  it('ACGAN with acganClassifyFakes: false: D\'s class loss is the cross-entropy of the real images only', async () => {
    const { generator, discriminator, trainer, batch, dispose } = setup(tinyConfig('acgan', 4), { acganClassifyFakes: false, acganWeight: 2, ema: false });
    const real = batch();
    // The same fakes the step draws: the trainer's rng is Generator(3), and D has no batch norm.
    const latents = new Generator(3).normal([8, generator.latentDim]);
    const fake = generator.forward(latents, real.labels);
    const both = discriminator.forward(tf.concat([real.images, fake]), tf.concat([real.labels, real.labels]));
    const [realLogits, fakeLogits] = tf.split(both.logits, 2);
    const realClassLogits = tf.split(both.classLogits!, 2)[0];
    const classLoss = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(realClassLogits), tf.oneHot(real.labels, 4)), 1)));
    const expected = tf.add(discriminatorLoss('non-saturating', realLogits, fakeLogits), tf.mul(2, classLoss));
    await expectTensorsClose(trainer.discriminatorStep(real), expected, { atol: 1e-5 });
    expect(() => setup(tinyConfig('acgan', 4), { acganClassifyFakes: 'no' as unknown as boolean })).toThrow('acganClassifyFakes ("no") must be true or false');
    dispose();
  });

  it('rejects mismatched models and batches with one-line messages', () => {
    const { trainer, dispose } = setup(tinyConfig('conditional', 4));
    expect(() => trainer.discriminatorStep({ images: tf.zeros([2, 6, 6, 1]) as tf.Tensor4D })).toThrow(
      "real images (Tensor<float32>[2, 6, 6, 1]) must be a tensor [batch, 8, 8, 1] (the generator's image shape)",
    );
    expect(() => trainer.discriminatorStep({ images: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D })).toThrow('real labels (undefined) must be int32 [2]: the models are conditional');
    dispose();
  });
});

describeWithBackends(
  '@gen/gan GanTrainer leaks',
  () => {
    for (const loss of GAN_LOSSES) {
      it(`${loss}: tf.memory().numTensors is flat across 50 steps`, () => {
        const { trainer, batch, dispose } = setup(tinyConfig(loss === 'hinge' ? 'sngan' : 'dcgan'), { loss, criticSteps: 1, r1Gamma: loss === 'hinge' ? 1 : 0 });
        const real = batch();
        const images = tf.slice(real.images, 0, 4) as tf.Tensor4D;
        tf.dispose(trainer.step([{ images }]));
        const before = tf.memory().numTensors;
        for (let i = 0; i < 50; i++) tf.dispose(trainer.step([{ images }]));
        expect(tf.memory().numTensors).toBe(before);
        dispose();
      });
    }
  },
  // 250 steps of convolutions: minutes on the cpu backend, seconds on wasm.
  { only: ['wasm'] },
);
