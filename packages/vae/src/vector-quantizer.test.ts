import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { codePerplexity, VectorQuantizer } from '@gen/vae';

/** Brute-force nearest code of each row (float64 loops). */
function bruteForceNearest(z: number[][], codebook: number[][]): { index: number; gap: number }[] {
  return z.map((row) => {
    const distances = codebook.map((code) => code.reduce((sum, value, j) => sum + (row[j] - value) ** 2, 0));
    const sorted = [...distances].sort((a, b) => a - b);
    return { index: distances.indexOf(sorted[0]), gap: sorted[1] - sorted[0] };
  });
}

function quantizer(options: Partial<ConstructorParameters<typeof VectorQuantizer>[0]> & { codebookSize: number; codeDim: number }, codebook?: number[][]): VectorQuantizer {
  const q = new VectorQuantizer({ generator: new Generator(4), ...options });
  if (codebook) {
    const value = tf.tensor2d(codebook);
    q.codebook.assign(value);
    q.emaEmbedSum?.assign(value); // keeps e = m / N with N = 1
    value.dispose();
  }
  return q;
}

describeWithBackends('VectorQuantizer', () => {
  it('nearest code is exactly the brute-force argmin of ‖z − e‖², for any leading shape', async () => {
    const g = new Generator(11);
    const codebook = (await g.normal([9, 5]).array()) as number[][];
    const q = quantizer({ codebookSize: 9, codeDim: 5 }, codebook);
    const z = g.normal([2, 3, 4, 5]);
    const indices = q.nearest(z);
    expect(indices.dtype).toBe('int32');
    expect(indices.shape).toEqual([2, 3, 4]);
    const rows = (await tf.reshape(z, [24, 5]).array()) as number[][];
    const expected = bruteForceNearest(rows, codebook);
    expect(Math.min(...expected.map((e) => e.gap))).toBeGreaterThan(1e-3); // no near-ties: the comparison is meaningful
    expect(Array.from(await indices.data())).toEqual(expected.map((e) => e.index));
    // The looked-up codes are the codebook rows.
    const codes = (await tf.reshape(q.lookup(indices), [24, 5]).array()) as number[][];
    codes.forEach((code, i) => code.forEach((value, j) => expect(value).toBeCloseTo(codebook[expected[i].index][j], 5)));
    tf.dispose([z, indices]);
    q.dispose();
  });

  it('straight-through estimator: dL/dz = dL/dz_q exactly (closed forms), losses and their gradients', async () => {
    const g = new Generator(12);
    const q = quantizer({ codebookSize: 4, codeDim: 3, codebookUpdate: 'gradient', beta: 0.25 }, (await g.normal([4, 3]).array()) as number[][]);
    const z = g.normal([2, 2, 3]);
    const c = g.normal([2, 2, 3]);
    const out = q.forward(z);
    const e = q.lookup(out.indices);
    // Forward: z_q equals the codes.
    await expectTensorsClose(out.quantized, e, { atol: 1e-5 });
    // Linear loss L = Σ c ⊙ z_q: dL/dz = c; quadratic L = Σ z_q²: dL/dz = 2 z_q = 2 e (the gradient at z_q, passed unchanged).
    const linear = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(c, q.forward(x).quantized)))(z);
    await expectTensorsClose(linear, c, { atol: 1e-6 });
    const quadratic = tf.grad((x: tf.Tensor) => tf.sum(tf.square(q.forward(x).quantized)))(z);
    await expectTensorsClose(quadratic, tf.mul(e, 2), { atol: 1e-5 });
    // Losses: both mean((z − e)²); commitment pulls z only, codebook loss moves the codes only.
    const mse = tf.mean(tf.square(tf.sub(z, e)));
    await expectTensorsClose(out.commitmentLoss, mse, { atol: 1e-6 });
    await expectTensorsClose(out.codebookLoss, mse, { atol: 1e-6 });
    await expectTensorsClose(out.loss, tf.mul(mse, 1.25), { atol: 1e-6 });
    const n = z.size;
    const dz = tf.grad((x: tf.Tensor) => q.forward(x).commitmentLoss)(z);
    await expectTensorsClose(dz, tf.mul(tf.sub(z, e), 2 / n), { atol: 1e-6 });
    const noCodebookGrad = tf.variableGrads(() => q.forward(z).commitmentLoss, [q.codebook]);
    await expectTensorsClose(Object.values(noCodebookGrad.grads)[0], tf.zeros([4, 3]), { atol: 0 });
    // d codebookLoss / d e_k = −(2 / n) Σ_{i → k} (z_i − e_k).
    const { grads } = tf.variableGrads(() => q.forward(z).codebookLoss, [q.codebook]);
    const rows = (await tf.reshape(z, [4, 3]).array()) as number[][];
    const idx = Array.from(await out.indices.data());
    const book = (await q.codebook.array()) as number[][];
    const expected = book.map((code, k) => code.map((value, j) => (-2 / n) * rows.reduce((s, row, i) => s + (idx[i] === k ? row[j] - value : 0), 0)));
    await expectTensorsClose(Object.values(grads)[0], tf.tensor2d(expected), { atol: 1e-6 });
    tf.dispose([z, c, e, linear, quadratic, mse, dz, noCodebookGrad.value, ...Object.values(noCodebookGrad.grads), ...Object.values(grads)]);
    tf.dispose(Object.values(out));
    q.dispose();
  });

  it('EMA update equals the closed form on a hand-computed example (Laplace smoothing included)', async () => {
    // K = 2, D = 1, γ = 0.5, ε = 0.5; codes 0 and 10; z = 1, 3 (→ code 0) and 9 (→ code 1).
    const q = quantizer({ codebookSize: 2, codeDim: 1, decay: 0.5, epsilon: 0.5, deadCodeSteps: 0 }, [[0], [10]]);
    const z = tf.tensor2d([[1], [3], [9]]);
    const indices = q.nearest(z);
    expect(Array.from(await indices.data())).toEqual([0, 0, 1]);
    const { restartedCodes } = q.update(z, indices);
    // N = 0.5·[1, 1] + 0.5·[2, 1] = [1.5, 1];  m = 0.5·[0, 10] + 0.5·[4, 9] = [2, 9.5];
    // Ñ = (N + 0.5) / (2.5 + 2·0.5) · 2.5 = [2, 1.5] / 3.5 · 2.5;  e = m / Ñ = [1.4, 8.8666…].
    await expectTensorsClose(q.emaClusterSize!, [1.5, 1], { atol: 1e-6 });
    await expectTensorsClose(q.emaEmbedSum!, tf.tensor2d([[2], [9.5]]), { atol: 1e-6 });
    await expectTensorsClose(q.codebook, tf.tensor2d([[1.4], [(9.5 * 3.5) / (1.5 * 2.5)]]), { atol: 1e-5 });
    expect(await restartedCodes.data()).toEqual(new Float32Array([0]));
    tf.dispose([z, indices, restartedCodes]);
    q.dispose();
  });

  it.each(['ema', 'gradient'] as const)('restarts a code unused for deadCodeSteps updates at a row of the batch (%s codebook)', async (codebookUpdate) => {
    const book = [[0, 0], [100, 100], [-100, -100]];
    const rows = [[0.1, 0.2], [0.3, -0.1], [-0.2, 0.4], [0.5, 0.5]];
    const run = async (seed: number) => {
      const q = quantizer({ codebookSize: 3, codeDim: 2, codebookUpdate, deadCodeSteps: 2 }, book);
      const z = tf.tensor2d(rows);
      const indices = q.nearest(z);
      expect(Array.from(await indices.data())).toEqual([0, 0, 0, 0]);
      const first = q.update(z, indices, { generator: new Generator(seed).fork('a') });
      expect(Array.from(await first.restartedCodes.data())).toEqual([0]);
      expect(Array.from(await q.unusedSteps.data())).toEqual([0, 1, 1]);
      const second = q.update(z, indices, { generator: new Generator(seed).fork('b') });
      expect(Array.from(await second.restartedCodes.data())).toEqual([2]);
      expect(Array.from(await q.unusedSteps.data())).toEqual([0, 0, 0]);
      const codes = (await q.codebook.array()) as number[][];
      for (const k of [1, 2]) expect(rows.some((row) => row.every((v, j) => Math.abs(v - codes[k][j]) < 1e-6))).toBe(true);
      if (codebookUpdate === 'ema') {
        expect(Array.from(await q.emaClusterSize!.data()).slice(1)).toEqual([1, 1]);
        expect(((await q.emaEmbedSum!.array()) as number[][]).slice(1)).toEqual(codes.slice(1));
      } else {
        expect(codes[0]).toEqual(book[0]); // a used gradient-trained code is left alone
      }
      tf.dispose([z, indices, first.restartedCodes, second.restartedCodes]);
      q.dispose();
      return codes;
    };
    expect(await run(1)).toEqual(await run(1)); // restarts are a function of the generator
  });

  it('perplexity is K for uniform code use and 1 for a single code', async () => {
    const uniform = codePerplexity(tf.tensor1d([3, 3, 3, 3, 3]));
    const single = codePerplexity(tf.tensor1d([0, 7, 0, 0, 0]));
    const two = codePerplexity(tf.tensor1d([1, 3]));
    await expectTensorsClose(uniform, tf.scalar(5), { atol: 1e-4 });
    await expectTensorsClose(single, tf.scalar(1), { atol: 1e-6 });
    await expectTensorsClose(two, tf.scalar(Math.exp(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)))), { atol: 1e-5 });
    // Through forward: z equal to each code twice → perplexity K, all codes used; all on one code → 1.
    const book = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    const q = quantizer({ codebookSize: 4, codeDim: 2 }, book);
    const spread = q.forward(tf.tensor2d([...book, ...book]));
    await expectTensorsClose(spread.perplexity, tf.scalar(4), { atol: 1e-4 });
    expect(Array.from(await spread.usedCodes.data())).toEqual([4]);
    const collapsed = q.forward(tf.tensor2d([[0.9, 0.1], [1.2, 0], [2, -0.5]]));
    await expectTensorsClose(collapsed.perplexity, tf.scalar(1), { atol: 1e-6 });
    expect(Array.from(await collapsed.usedCodes.data())).toEqual([1]);
    tf.dispose([uniform, single, two, ...Object.values(spread), ...Object.values(collapsed)]);
    q.dispose();
  });

  it('forward and update leak no tensors', async () => {
    const q = quantizer({ codebookSize: 8, codeDim: 4, deadCodeSteps: 1 });
    const z = new Generator(3).normal([2, 3, 3, 4]);
    const generator = new Generator(5);
    const step = () => {
      const out = q.forward(z);
      const { restartedCodes } = q.update(z, out.indices, { generator });
      tf.dispose([...Object.values(out), restartedCodes]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
    q.dispose();
  });

  it('rejects bad input with one line', () => {
    const g = new Generator(0);
    expect(() => new VectorQuantizer({ codebookSize: 0, codeDim: 2, generator: g })).toThrow('VectorQuantizer codebookSize (0) must be a positive integer');
    expect(() => new VectorQuantizer({ codebookSize: 4, codeDim: 2, decay: 1, generator: g })).toThrow('VectorQuantizer decay (1) must lie in (0, 1)');
    expect(() => new VectorQuantizer({ codebookSize: 4, codeDim: 2, decay: 0, generator: g })).toThrow('VectorQuantizer decay (0) must lie in (0, 1)');
    expect(() => new VectorQuantizer({ codebookSize: 4, codeDim: 2, codebookUpdate: 'adam' as never, generator: g })).toThrow(
      "VectorQuantizer codebookUpdate (\"adam\") must be one of 'ema', 'gradient'",
    );
    const q = new VectorQuantizer({ codebookSize: 4, codeDim: 2, generator: g });
    const wrong = tf.zeros([3, 5]);
    expect(() => q.forward(wrong)).toThrow('z (Tensor<float32>[3, 5]) must be a float32 tensor [..., 2] of encoder outputs (the last axis is the code size)');
    const z = tf.zeros([3, 2]);
    const indices = tf.zeros([3], 'int32');
    expect(() => q.update(z, indices)).toThrow('generator (undefined) is required when deadCodeSteps > 0 (it draws the restarted codes)');
    expect(() => q.update(z, tf.zeros([3]))).toThrow("indices (Tensor<float32>[3]) must be an int32 tensor [3] (z's shape without the code axis)");
    tf.dispose([wrong, z, indices]);
    q.dispose();
  });
});
