import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { tinyConfig, TINY } from './__fixtures__/tiny';
import { SingleUnitSpectralNorm } from './blocks';
import { createDiscriminator, createGenerator } from './checkpoint';
import { ConditionalGenerator, latentChunks, ProjectionDiscriminator } from './conditional-gan';
import { DCGANDiscriminator, DCGANGenerator } from './dcgan';
import { ganConfig, GAN_ARCHITECTURES } from './presets';
import { SelfAttention } from './self-attention';

const CONDITIONAL = new Set(['conditional', 'acgan', 'biggan']);

/** Largest singular value of a matrix given row-major, by power iteration in float64. */
function topSingularValue(values: ArrayLike<number>, rows: number, columns: number): number {
  let v = Array.from({ length: columns }, (_, i) => 1 + 0.1 * i);
  let sigma = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const u = Array.from({ length: rows }, (_, r) => v.reduce((s, vj, c) => s + values[r * columns + c] * vj, 0));
    const w = Array.from({ length: columns }, (_, c) => u.reduce((s, ui, r) => s + values[r * columns + c] * ui, 0));
    const norm = Math.hypot(...w);
    sigma = Math.sqrt(norm);
    v = w.map((x) => x / norm);
  }
  return sigma;
}

describeWithBackends('@gen/gan models', () => {
  for (const architecture of GAN_ARCHITECTURES) {
    it(`${architecture}: generator images in [-1, 1] of the configured shape, one score per image`, async () => {
      const numClasses = CONDITIONAL.has(architecture) ? 3 : 0;
      const config = tinyConfig(architecture, numClasses);
      const G = createGenerator(config.generator, new Generator(1));
      const D = createDiscriminator(config.discriminator, new Generator(2));
      const rng = new Generator(3);
      const latents = rng.normal([2, G.latentDim]);
      const labels = numClasses > 0 ? tf.tensor1d([0, 2], 'int32') : undefined;
      const images = G.forward(latents, labels);
      expect(images.shape).toEqual([2, TINY.height, TINY.width, TINY.channels]);
      const values = await images.data();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      const { logits, classLogits } = D.forward(images, D.conditional ? labels : undefined);
      expect(logits.shape).toEqual([2]);
      expect(classLogits?.shape ?? null).toEqual(architecture === 'acgan' ? [2, 3] : null);
      G.dispose();
      D.dispose();
    });
  }

  it('conditional generator and projection discriminator use the label', async () => {
    for (const architecture of ['conditional', 'biggan'] as const) {
      const config = tinyConfig(architecture, 3);
      const G = createGenerator(config.generator, new Generator(1));
      const D = createDiscriminator(config.discriminator, new Generator(2));
      const latents = tf.tile(new Generator(3).normal([1, G.latentDim]), [3, 1]);
      const labels = tf.tensor1d([0, 1, 2], 'int32');
      G.eval();
      const images = G.forward(latents, labels);
      const [a, b, c] = tf.unstack(images).map((t) => t.dataSync());
      const differs = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).some((v, i) => Math.abs(v - y[i]) > 1e-5);
      expect(differs(a, b) && differs(b, c) && differs(a, c)).toBe(true);
      const same = tf.tile(tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]), [3, 1, 1, 1]);
      const scores = await D.forward(same, labels).logits.data();
      expect(new Set(Array.from(scores).map((s) => s.toFixed(6))).size).toBe(3);
      G.dispose();
      D.dispose();
    }
  });

  it('classInput feeds the class to the first linear layer: with zeroed batch-norm tables the label still changes the image', async () => {
    for (const classInput of [true, false]) {
      for (const architecture of ['acgan', 'biggan'] as const) {
        const config = tinyConfig(architecture, 3);
        const G = createGenerator({ ...config.generator, classInput } as typeof config.generator, new Generator(1)) as ConditionalGenerator;
        // Zero every per-class gain / bias table: then only the input can carry the class. (BigGAN's
        // projections are spectrally normalised, so they cannot be zeroed; there only the width is checked.)
        if (architecture === 'acgan') {
          for (const [name, variable] of G.namedParameters()) {
            if (/norm\d+\.(gain|bias)\./.test(name)) variable.assign(tf.zerosLike(variable));
          }
        }
        const linearIn = G.namedParameters().find(([name]) => /^trunk\.linear\.(module\.)?weight$/.test(name))![1].shape[0];
        const chunk0 = architecture === 'biggan' ? latentChunks(G.latentDim, G.config.widths.length + 1)[0] : G.latentDim;
        const classWidth = architecture === 'biggan' ? G.config.sharedEmbeddingDim : 3;
        expect(linearIn).toBe(chunk0 + (classInput ? classWidth : 0));
        const latents = tf.tile(new Generator(3).normal([1, G.latentDim]), [2, 1]);
        G.eval();
        const images = G.forward(latents, tf.tensor1d([0, 1], 'int32'));
        const [a, b] = tf.unstack(images).map((t) => Array.from(t.dataSync()));
        const maxDifference = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
        if (architecture === 'acgan') {
          if (classInput) expect(maxDifference).toBeGreaterThan(1e-4);
          else expect(maxDifference).toBe(0);
        }
        G.dispose();
      }
    }
  });

  it('the conditional generator takes float class weights [batch, numClasses]: one-hot rows are the labels, mixtures are differentiable', async () => {
    for (const architecture of ['acgan', 'biggan'] as const) {
      const config = tinyConfig(architecture, 3);
      const G = createGenerator(config.generator, new Generator(1)) as ConditionalGenerator;
      G.eval();
      const z = new Generator(3).normal([2, G.latentDim]);
      // One-hot weights give exactly the int32 labels' images.
      await expectTensorsClose(G.forward(z, tf.cast(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), 'float32')), G.forward(z, tf.tensor1d([2, 0], 'int32')), { atol: 1e-6 });
      // A mixture is neither class, and the image has a gradient with respect to the weights.
      const logits = tf.tensor2d([[0.3, -0.2, 0.1], [0, 1, -1]]);
      const grad = tf.grad((l: tf.Tensor) => tf.sum(G.forward(z, tf.softmax(l))))(logits);
      expect(grad.shape).toEqual([2, 3]);
      expect(Math.max(...Array.from(await tf.abs(grad).data()))).toBeGreaterThan(1e-6);
      expect(() => G.forward(z, tf.zeros([2, 4]))).toThrow(
        'ConditionalGenerator labels (Tensor<float32>[2, 4]) must be an int32 tensor [2] of class indices or float32 class weights [2, 3] (the model is conditional)',
      );
      G.dispose();
    }
  });

  it('spectrally normalised layers have largest singular value ≈ 1 after power iterations', async () => {
    const config = tinyConfig('sagan');
    const D = createDiscriminator(config.discriminator, new Generator(4));
    const x = new Generator(5).uniform([2, 8, 8, 1], { low: -1, high: 1 });
    for (let i = 0; i < 30; i++) tf.dispose(D.forward(x).logits);
    const wrapped = D.namedModules().filter(([, m]) => m instanceof nn.SpectralNorm) as Array<[string, nn.SpectralNorm<nn.Linear>]>;
    expect(wrapped.length).toBeGreaterThanOrEqual(4);
    for (const [, sn] of wrapped) {
      const weight = sn.normalizedWeight();
      const axis = sn.dim;
      const order = [axis, ...weight.shape.map((_, i) => i).filter((i) => i !== axis)];
      const matrix = tf.reshape(tf.transpose(weight, order), [weight.shape[axis], -1]);
      expect(topSingularValue(await matrix.data(), matrix.shape[0], matrix.shape[1] as number)).toBeCloseTo(1, 2);
    }
    const single = config.generator.channels === 1 ? createGenerator(config.generator, new Generator(4)) : null;
    const unit = single?.namedModules().find(([, m]) => m instanceof SingleUnitSpectralNorm)?.[1] as SingleUnitSpectralNorm;
    expect((await tf.norm(unit.normalizedWeight()).data())[0]).toBeCloseTo(1, 5);
    single?.dispose();
    // The one-row score layer is normalised exactly: ‖w/‖w‖‖ = 1.
    expect((await tf.norm((D as DCGANDiscriminator).head.effectiveWeight()).data())[0]).toBeCloseTo(1, 5);
    D.dispose();
  });

  it('self-attention starts as the identity (γ = 0) and mixes positions once γ ≠ 0', async () => {
    const block = new SelfAttention({ channels: 8, generator: new Generator(6) });
    const x = new Generator(7).normal([2, 3, 3, 8]);
    await expectTensorsClose(block.forward(x), x);
    block.gamma.assign(tf.scalar(1));
    const y = block.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 8]);
    // Changing one position changes the output at every other position.
    const bump = new Float32Array(2 * 9 * 8);
    for (let b = 0; b < 2; b++) for (let c = 0; c < 8; c++) bump[b * 72 + c] = 5; // position (0, 0)
    const bumped = tf.add(x, tf.tensor4d(bump, [2, 3, 3, 8]));
    const delta = await tf.max(tf.abs(tf.sub(block.forward(bumped), y)), [0, 3]).data();
    expect(Math.min(...Array.from(delta))).toBeGreaterThan(1e-6);
    block.dispose();
  });

  it('fromConfig rebuilds a model that, given the same weights, computes the same outputs', async () => {
    const config = tinyConfig('biggan', 3);
    const G = createGenerator(config.generator, new Generator(8)) as ConditionalGenerator;
    const copy = ConditionalGenerator.fromConfig(JSON.parse(JSON.stringify(G.config)));
    copy.loadStateDict(G.stateDict());
    G.eval();
    copy.eval();
    const z = new Generator(9).normal([2, G.latentDim]);
    const y = tf.tensor1d([1, 2], 'int32');
    await expectTensorsClose(copy.forward(z, y), G.forward(z, y), { atol: 0 });
    expect(copy.config).toEqual(G.config);
    G.dispose();
    copy.dispose();
  });

  it('splits BigGAN latents over the linear layer and every batch norm', () => {
    expect(latentChunks(12, 4)).toEqual([3, 3, 3, 3]);
    expect(latentChunks(14, 4)).toEqual([5, 3, 3, 3]);
  });

  it('rejects bad inputs with one-line messages', () => {
    const G = new DCGANGenerator({ ...TINY, widths: [8, 4], generator: new Generator(0) });
    const D = new DCGANDiscriminator({ ...TINY, widths: [4], generator: new Generator(0) });
    const P = new ProjectionDiscriminator({ ...TINY, widths: [4], numClasses: 3, generator: new Generator(0) });
    expect(() => D.forward(tf.zeros([2, 6, 8, 1]))).toThrow('DCGANDiscriminator images (Tensor<float32>[2, 6, 8, 1]) must be a tensor [batch, 8, 8, 1]');
    expect(() => G.forward(tf.zeros([2, 7]))).toThrow('DCGANGenerator latents (Tensor<float32>[2, 7]) must be a float32 tensor [batch, 64]');
    expect(() => G.forward(tf.zeros([2, 64]), tf.tensor1d([0, 1], 'int32'))).toThrow('labels (Tensor<int32>[2]) must be omitted: DCGANGenerator is unconditional');
    expect(() => P.forward(tf.zeros([2, 8, 8, 1]))).toThrow('ProjectionDiscriminator labels (undefined) must be an int32 tensor [2] of class indices (the model is conditional)');
    expect(() => new DCGANGenerator({ ...TINY, height: 6, widths: [8, 4, 2], generator: new Generator(0) })).toThrow(
      'DCGANGenerator height (6) must be divisible by 4 (2^2: one halving per stage after the first)',
    );
    expect(() => ganConfig({ ...TINY, architecture: 'conditional' })).toThrow("numClasses (0) must be at least 1 for the 'conditional' architecture");
    expect(() => ganConfig({ ...TINY, architecture: 'dcgan', numClasses: 3 })).toThrow(
      'architecture ("dcgan") is unconditional; use \'conditional\', \'acgan\' or \'biggan\' for 3 classes (or numClasses: 0)',
    );
    G.dispose();
    D.dispose();
    P.dispose();
  });
});
