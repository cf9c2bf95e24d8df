import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

/** Largest singular value of a [rows, cols] matrix by 500 power iterations in float64. */
function largestSingularValue(values: ArrayLike<number>, rows: number, cols: number): number {
  let v = new Float64Array(cols).fill(1);
  let sigma = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const u = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) u[r] += values[r * cols + c] * v[c];
    const next = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) next[c] += values[r * cols + c] * u[r];
    const norm = Math.hypot(...next);
    sigma = Math.sqrt(norm);
    v = next.map((x) => x / norm);
  }
  return sigma;
}

describeWithBackends('nn.SpectralNorm', ({ backend }) => {
  it('drives the largest singular value of the normalised weight to 1 by power iteration', async () => {
    const generator = new Generator(1);
    const linear = new nn.Linear({ inFeatures: 6, outFeatures: 5, generator });
    linear.weight.assign(tf.mul(linear.weight, 7));
    const sn = new nn.SpectralNorm(linear, { generator });
    const rawSigma = largestSingularValue(await linear.weight.data(), 6, 5);
    const x = tf.ones([1, 6]);
    for (let i = 0; i < 30; i++) sn.forward(x).dispose();
    const normalized = sn.normalizedWeight();
    expect(largestSingularValue(await normalized.data(), 6, 5)).toBeCloseTo(1, 3);
    expect((await sn.sigma().data())[0]).toBeCloseTo(rawSigma, backend === 'webgl' ? 2 : 3);
    // The wrapped layer ran with W/σ: forward equals x·(W/σ) + b
    sn.eval();
    await expectTensorsClose(sn.forward(x), tf.add(tf.matMul(x, normalized), linear.bias!), { atol: 1e-4 });
  });

  it('updates u only in training, keeps it in the state dict, and wraps convolutions', async () => {
    const generator = new Generator(2);
    const conv = new nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, generator });
    const sn = new nn.SpectralNorm(conv, { generator });
    expect(Object.keys(sn.stateDict())).toEqual(['u', 'module.weight', 'module.bias']);
    expect(sn.u.shape).toEqual([3]);
    const x = generator.normal([1, 4, 4, 2]);
    const before = Array.from(await sn.u.data());
    sn.eval();
    sn.forward(x);
    expect(Array.from(await sn.u.data())).toEqual(before);
    sn.train();
    expect(sn.forward(x).shape).toEqual([1, 4, 4, 3]);
    expect(Array.from(await sn.u.data())).not.toEqual(before);
    const convT = new nn.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, generator });
    const snT = new nn.SpectralNorm(convT, { generator });
    expect(snT.u.shape).toEqual([2]); // output channels: axis 2 of [kh, kw, out, in]
    expect(snT.forward(generator.normal([1, 2, 2, 3])).shape).toEqual([1, 4, 4, 2]);
  });

  it('resumes exactly from a state dict (u included)', async () => {
    const make = (seed: number) => new nn.SpectralNorm(new nn.Linear({ inFeatures: 4, outFeatures: 3, generator: new Generator(seed) }), { generator: new Generator(seed) });
    const a = make(3);
    const x = tf.ones([2, 4]);
    a.forward(x).dispose();
    const b = make(4);
    b.loadStateDict(a.stateDict());
    await expectTensorsClose(b.forward(x), a.forward(x), { atol: 0 });
    await expectTensorsClose(b.u, a.u, { atol: 0 });
  });

  it('rejects a module without the named parameter', () => {
    const generator = new Generator(0);
    expect(() => new nn.SpectralNorm(new nn.GroupNorm({ numGroups: 1, numChannels: 2, affine: false }) as never, { generator })).toThrow(
      'SpectralNorm name ("weight") is not a parameter of GroupNorm',
    );
  });
});
