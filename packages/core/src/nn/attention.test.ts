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

/**
 * softmax(Q·Kᵀ/√d)·V written out in JS for projected q [B, Lq, E], k [B, Lk, E],
 * v [B, Lk, E] split into heads; keep[b][j] = false masks key j, causal blocks j > i.
 */
function referenceAttention(
  q: number[][][],
  k: number[][][],
  v: number[][][],
  heads: number,
  keep?: boolean[][],
  causal = false,
): number[][][] {
  const depth = q[0][0].length / heads;
  return q.map((queries, b) =>
    queries.map((query, i) => {
      const out = new Array<number>(query.length).fill(0);
      for (let h = 0; h < heads; h++) {
        const slice = (row: number[]) => row.slice(h * depth, (h + 1) * depth);
        const logits = k[b].map((key, j) => {
          if ((keep && !keep[b][j]) || (causal && j > i)) return -Infinity;
          return slice(query).reduce((s, qv, c) => s + qv * slice(key)[c], 0) / Math.sqrt(depth);
        });
        const max = Math.max(...logits);
        const weights = logits.map((l) => Math.exp(l - max));
        const total = weights.reduce((a, c) => a + c, 0);
        v[b].forEach((value, j) => {
          for (let c = 0; c < depth; c++) out[h * depth + c] += (weights[j] / total) * value[h * depth + c];
        });
      }
      return out;
    }),
  );
}

describeWithBackends('nn.MultiHeadAttention', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('self-attention equals softmax(QKᵀ/√d)V per head, then the output projection', async () => {
    const generator = new Generator(1);
    const attention = new nn.MultiHeadAttention({ embedDim: 8, numHeads: 2, generator });
    const x = generator.normal([2, 5, 8]);
    const y = attention.forward(x);
    expect(y.shape).toEqual([2, 5, 8]);
    const q = (await attention.query.forward(x).array()) as number[][][];
    const k = (await attention.key.forward(x).array()) as number[][][];
    const v = (await attention.value.forward(x).array()) as number[][][];
    const expected = attention.out.forward(tf.tensor(referenceAttention(q, k, v, 2)));
    await expectTensorsClose(y, expected, { atol });
  });

  it('cross-attention with a key mask and different key width; causal self-attention', async () => {
    const generator = new Generator(2);
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, keyDim: 3, generator });
    const x = generator.normal([2, 3, 4]);
    const context = generator.normal([2, 4, 3]);
    const keep = [
      [true, true, false, true],
      [false, true, true, false],
    ];
    const keyMask = tf.tensor2d(keep.map((row) => row.map(Number)));
    const y = attention.forward(x, { key: context, keyMask });
    expect(y.shape).toEqual([2, 3, 4]);
    const q = (await attention.query.forward(x).array()) as number[][][];
    const k = (await attention.key.forward(context).array()) as number[][][];
    const v = (await attention.value.forward(context).array()) as number[][][];
    await expectTensorsClose(y, attention.out.forward(tf.tensor(referenceAttention(q, k, v, 2, keep))), { atol });

    const self = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 1, generator });
    const causal = self.forward(x, { causal: true });
    const qs = (await self.query.forward(x).array()) as number[][][];
    const ks = (await self.key.forward(x).array()) as number[][][];
    const vs = (await self.value.forward(x).array()) as number[][][];
    await expectTensorsClose(causal, self.out.forward(tf.tensor(referenceAttention(qs, ks, vs, 1, undefined, true))), { atol });
  });

  it('initialises like PyTorch: zero projection biases; stable child names', () => {
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator: new Generator(3) });
    expect(Object.keys(attention.stateDict())).toEqual([
      'query.weight', 'query.bias', 'key.weight', 'key.bias', 'value.weight', 'value.bias', 'out.weight', 'out.bias',
    ]);
    expect(Array.from(attention.query.bias!.dataSync())).toEqual([0, 0, 0, 0]);
    expect(attention.numParameters()).toBe(4 * (16 + 4));
  });

  it('validates options and inputs', () => {
    const generator = new Generator(0);
    expect(messageOf(() => new nn.MultiHeadAttention({ embedDim: 6, numHeads: 4, generator }))).toBe(
      'MultiHeadAttention numHeads (4) must divide embedDim (6)',
    );
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    expect(messageOf(() => attention.forward(tf.zeros([2, 3, 5])))).toBe(
      'MultiHeadAttention input (Tensor<float32>[2, 3, 5]) must have shape [batch, queryLength, 4]',
    );
    expect(messageOf(() => attention.forward(tf.zeros([2, 3, 4]), { keyMask: tf.ones([2, 4]) }))).toBe(
      'attention keyMask (Tensor<float32>[2, 4]) must have shape [batch, keyLength] = [2, 3]',
    );
  });

  it('gradients w.r.t. the input and a projection match finite differences', async () => {
    const generator = new Generator(4);
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    const x = generator.normal([1, 3, 4]);
    const r = generator.normal([1, 3, 4]);
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, r));
    await expectGradientMatchesFiniteDifferences((v) => loss(attention.forward(v)), x, { tolerance: 2e-2 });
    await expectGradientMatchesFiniteDifferences(
      (w) => attention.key.withParameterOverride('weight', w, () => loss(attention.forward(x))),
      attention.key.weight,
      { tolerance: 2e-2 },
    );
  }, 60000);
});
