import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describeWithBackends('nn.cachedSelfAttention', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('one call over the sequence equals causal MultiHeadAttention', async () => {
    const generator = new Generator(3);
    const attention = new nn.MultiHeadAttention({ embedDim: 8, numHeads: 2, generator });
    const x = generator.normal([2, 5, 8]);
    const { output, present } = nn.cachedSelfAttention(attention, x);
    await expectTensorsClose(output, attention.forward(x, { causal: true }), { atol });
    expect(present.key.shape).toEqual([2, 2, 5, 4]);
    expect(present.value.shape).toEqual([2, 2, 5, 4]);
    attention.dispose();
  });

  it('chunks fed through the cache (3, then 1, then 2 positions) give the same outputs and keys', async () => {
    const generator = new Generator(4);
    const attention = new nn.MultiHeadAttention({ embedDim: 6, numHeads: 3, generator });
    const x = generator.normal([2, 6, 6]);
    const full = nn.cachedSelfAttention(attention, x);
    const outputs: tf.Tensor[] = [];
    let past: nn.KeyValue | null = null;
    for (const [start, size] of [
      [0, 3],
      [3, 1],
      [4, 2],
    ]) {
      const step: nn.CachedSelfAttentionResult = nn.cachedSelfAttention(attention, tf.slice(x, [0, start, 0], [-1, size, -1]), past);
      outputs.push(step.output);
      past = step.present;
    }
    await expectTensorsClose(tf.concat(outputs, 1), full.output, { atol });
    await expectTensorsClose(past!.key, full.present.key, { atol });
    await expectTensorsClose(past!.value, full.present.value, { atol });
    attention.dispose();
  });

  it('a one-token step keeps tf.memory().numTensors flat once the caller disposes the old cache', () => {
    const generator = new Generator(5);
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    const token = generator.normal([1, 1, 4]);
    let { output, present } = nn.cachedSelfAttention(attention, token);
    output.dispose();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const next = nn.cachedSelfAttention(attention, token, present);
      tf.dispose([next.output, present.key, present.value]);
      present = next.present;
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(present.key.shape).toEqual([1, 2, 5, 2]);
    attention.dispose();
  });

  it('rejects a cache of another shape and a cross-attention layer (one-line errors)', () => {
    const generator = new Generator(6);
    const attention = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, generator });
    const x = tf.zeros([1, 1, 4]);
    const past = { key: tf.zeros([1, 2, 3, 2]), value: tf.zeros([1, 2, 2, 2]) };
    expect(messageOf(() => nn.cachedSelfAttention(attention, x, past))).toBe(
      'cachedSelfAttention past ([[1, 2, 3, 2], [1, 2, 2, 2]]) must hold key and value tensors [1, 2, pastLength, 2]',
    );
    const cross = new nn.MultiHeadAttention({ embedDim: 4, numHeads: 2, keyDim: 3, generator });
    expect(messageOf(() => nn.cachedSelfAttention(cross, x))).toBe(
      'cachedSelfAttention attention ([3, 3]) must be a self-attention layer (keyDim = valueDim = embedDim = 4)',
    );
    attention.dispose();
    cross.dispose();
  });
});
