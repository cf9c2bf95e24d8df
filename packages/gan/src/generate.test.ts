import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { tinyConfig } from './__fixtures__/tiny';
import { createGenerator } from './checkpoint';
import { generate, latentInterpolation, truncationSweep } from './generate';

describeWithBackends('@gen/gan sampling', () => {
  const make = (architecture: 'conditional' | 'dcgan' = 'conditional') =>
    createGenerator(tinyConfig(architecture, architecture === 'dcgan' ? 0 : 3).generator, new Generator(1));

  it('generate returns n images in [0, 1], is a pure function of the rng and leaves the model unchanged', async () => {
    const G = make();
    const before = Object.fromEntries(Object.entries(G.stateDict()).map(([k, v]) => [k, v.dataSync().slice()]));
    const a = generate({ generator: G, n: 5, labels: [0, 1, 2, 0, 1], truncation: 0.7, rng: new Generator(2) });
    const b = generate({ generator: G, n: 5, labels: [0, 1, 2, 0, 1], truncation: 0.7, rng: new Generator(2) });
    expect(a.shape).toEqual([5, 8, 8, 1]);
    const values = await a.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    await expectTensorsClose(a, b, { atol: 0 });
    expect(G.training).toBe(true);
    for (const [name, tensor] of Object.entries(G.stateDict())) expect(tensor.dataSync()).toEqual(before[name]);
    G.dispose();
  });

  it('draws labels when omitted and gives each class its own images', async () => {
    const G = make();
    const unconditional = generate({ generator: G, n: 4, rng: new Generator(3) });
    expect(unconditional.shape).toEqual([4, 8, 8, 1]);
    const k0 = await generate({ generator: G, n: 2, labels: 0, rng: new Generator(3) }).data();
    const k2 = await generate({ generator: G, n: 2, labels: 2, rng: new Generator(3) }).data();
    expect(Array.from(k0).some((v, i) => Math.abs(v - k2[i]) > 1e-6)).toBe(true);
    G.dispose();
  });

  it('latent walks and truncation sweeps come as row-major frames; the sweep column τ = ∞ is plain sampling', async () => {
    const G = make();
    const walk = latentInterpolation({ generator: G, rows: 2, steps: 4, labels: [0, 1], rng: new Generator(4) });
    expect(walk.shape).toEqual([8, 8, 8, 1]);
    const sweep = truncationSweep({ generator: G, rows: 2, truncations: [Infinity, 1, 0.3], labels: [2, 1], rng: new Generator(5) });
    expect(sweep.shape).toEqual([6, 8, 8, 1]);
    const plain = generate({ generator: G, n: 2, labels: [2, 1], rng: new Generator(5) });
    const firstColumn = tf.gather(sweep, tf.tensor1d([0, 3], 'int32'));
    await expectTensorsClose(firstColumn, plain);
    G.dispose();
  });

  it('does not leak tensors over a sampling loop', async () => {
    const G = make();
    const rng = new Generator(6);
    const run = () => tf.dispose([generate({ generator: G, n: 3, rng }), latentInterpolation({ generator: G, steps: 3, rng }), truncationSweep({ generator: G, rows: 1, rng })]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    G.dispose();
  });

  it('rejects bad inputs with one-line messages', () => {
    const G = make();
    const U = make('dcgan');
    const rng = new Generator(7);
    expect(() => generate({ generator: G, n: 2, labels: [0, 3], rng })).toThrow('labels[1] (3) must be an integer class in [0, 3)');
    expect(() => generate({ generator: G, n: 2, labels: -1, rng })).toThrow('labels (-1) must be an integer class in [0, 3)');
    expect(() => generate({ generator: G, n: 2, labels: [0], rng })).toThrow('labels ([0]) must hold n (2) classes, one per sample');
    expect(() => generate({ generator: U, n: 2, labels: 1, rng })).toThrow('labels (1) must be omitted: the generator is unconditional');
    expect(() => generate({ generator: G, n: 0, rng })).toThrow('n (0) must be a positive integer');
    expect(() => generate({ generator: G, n: 2, truncation: 0, rng })).toThrow('truncation (0) must be a number > 0 (Infinity for no truncation)');
    expect(() => generate({ generator: G, n: 2, rng: undefined as never })).toThrow('rng (undefined) must be a Generator from @gen/core (new Generator(seed))');
    G.dispose();
    U.dispose();
  });
});
