import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { DalleTransformer, dalleConfig } from '@gen/transformer';
import { randomIds, TINY, tinyDalle } from '../__fixtures__/tiny-dalle';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

/** Largest |a − b| over two tensors (read back once). */
async function maxDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
}

describeWithBackends('DalleTransformer', ({ backend }) => {
  const atol = backend === 'webgl' ? 2e-3 : 1e-4;

  it('is causal: image logit i depends on the text and on image tokens < i only', async () => {
    const model = tinyDalle(1);
    const generator = new Generator(2);
    const text = randomIds(generator, 2, 5, 20);
    const image = randomIds(generator, 2, 6, 8);
    const { image: logits } = model.forward(text, image);
    expect(logits.shape).toEqual([2, 6, 8]);
    // Change image token 3: logits 0…3 stay, logit 4 moves.
    const changed = tf.concat([tf.slice(image, [0, 0], [-1, 3]), tf.sub(tf.fill([2, 1], 7, 'int32'), tf.slice(image, [0, 3], [-1, 1])), tf.slice(image, [0, 4], [-1, -1])], 1);
    const { image: after } = model.forward(text, changed);
    expect(await maxDifference(tf.slice(logits, [0, 0, 0], [-1, 4, -1]), tf.slice(after, [0, 0, 0], [-1, 4, -1]))).toBeLessThan(atol);
    expect(await maxDifference(tf.slice(logits, [0, 4, 0], [-1, 1, -1]), tf.slice(after, [0, 4, 0], [-1, 1, -1]))).toBeGreaterThan(1e-3);
    // Change the last text token: every image logit moves.
    const otherText = tf.concat([tf.slice(text, [0, 0], [-1, 4]), tf.sub(tf.fill([2, 1], 19, 'int32'), tf.slice(text, [0, 4], [-1, 1]))], 1);
    const { image: textChanged } = model.forward(otherText, image);
    const perPosition = await tf.max(tf.abs(tf.sub(logits, textChanged)), [0, 2]).data();
    for (const value of perPosition) expect(value).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('text logits use the tied text embedding and are causal in the text', async () => {
    const model = tinyDalle(3);
    const generator = new Generator(4);
    const text = randomIds(generator, 1, 5, 20);
    const image = randomIds(generator, 1, 6, 8);
    const { text: logits } = model.forward(text, image, { textLogits: true });
    expect(logits!.shape).toEqual([1, 4, 20]);
    const changed = tf.concat([tf.slice(text, [0, 0], [-1, 2]), tf.sub(tf.fill([1, 1], 19, 'int32'), tf.slice(text, [0, 2], [-1, 1])), tf.slice(text, [0, 3], [-1, -1])], 1);
    const { text: after } = model.forward(changed, image, { textLogits: true });
    // Logits at positions 0, 1 predict tokens 1, 2 from tokens ≤ 1: unchanged; position 2 sees the change.
    expect(await maxDifference(tf.slice(logits!, [0, 0, 0], [-1, 2, -1]), tf.slice(after!, [0, 0, 0], [-1, 2, -1]))).toBeLessThan(atol);
    expect(await maxDifference(tf.slice(logits!, [0, 2, 0], [-1, 1, -1]), tf.slice(after!, [0, 2, 0], [-1, 1, -1]))).toBeGreaterThan(1e-4);
    // Tying: scaling the text embedding table by c scales (logits − their bias-free part) — logits are h·Eᵀ, linear in E for fixed h.
    // Check it directly on the first position, whose hidden state only sees token 0 (whose row we keep).
    const weight = model.textTokens.weight;
    const original = weight.clone();
    const rows = tf.tensor1d(Int32Array.from({ length: 20 }, (_, i) => i), 'int32');
    const token0 = (await text.data())[0];
    const scale = tf.where(tf.equal(rows, token0), tf.ones([20]), tf.fill([20], 2));
    weight.assign(tf.mul(original, tf.expandDims(scale, 1)));
    const { text: scaled } = model.forward(text, image, { textLogits: true });
    const expected = tf.mul(tf.slice(logits!, [0, 0, 0], [-1, 1, -1]), tf.reshape(scale, [1, 1, 20]));
    await expectTensorsClose(tf.slice(scaled!, [0, 0, 0], [-1, 1, -1]), expected, { atol });
    weight.assign(original);
    model.dispose();
  });

  it('config and input errors are one line', () => {
    expect(messageOf(() => dalleConfig({ ...TINY, heads: 3 }))).toBe('config.heads (3) must divide config.width (16)');
    expect(messageOf(() => dalleConfig({ ...TINY, tokenShape: [2] as unknown as [number, number] }))).toBe(
      'config.tokenShape ([2]) must be [height, width] of positive integers',
    );
    const model = tinyDalle(0);
    expect(model.toJSON()).toEqual({ ...TINY, kind: 'dalle-transformer' });
    expect(DalleTransformer.fromConfig(model.config).sequenceLength).toBe(11);
    const text = tf.zeros([1, 4], 'int32');
    expect(messageOf(() => model.forward(text, tf.zeros([1, 2], 'int32')))).toMatch(/^textIds \(.*\) must be an int32 tensor \[batch, 5\]$/);
    const cache = model.createCache();
    expect(messageOf(() => model.step(tf.zeros([1, 1], 'int32'), 'image', cache))).toBe('kind ("image") needs the text row in the cache first');
    model.dispose();
  });
}, { skip: ['webgl'] });

describeWithBackends('DalleTransformer key/value cache', ({ backend }) => {
  const atol = backend === 'webgl' ? 2e-3 : 1e-4;

  it('cached steps reproduce the full-pass logits (text in one step, then one image token per step)', async () => {
    // Chromium's software GPU is slow: one row, a one-layer model and three image tokens there.
    const small = backend === 'webgl';
    const model = tinyDalle(5, small ? { layers: 1 } : {});
    const generator = new Generator(6);
    const tokens = small ? 3 : 6;
    const rows = small ? 1 : 2;
    const text = randomIds(generator, rows, 5, 20);
    const image = randomIds(generator, rows, tokens, 8);
    const { image: teacher } = model.forward(text, image);
    const cache = model.createCache();
    const cached = [model.step(text, 'text', cache)];
    for (let i = 0; i < tokens - 1; i++) cached.push(model.step(tf.slice(image, [0, i], [-1, 1]), 'image', cache));
    expect(cache.length).toBe(5 + tokens - 1);
    await expectTensorsClose(tf.stack(cached, 1), teacher, { atol });
    await expectTensorsClose(cached[2], model.nextLogits(text, tf.slice(image, [0, 0], [-1, 2])), { atol });
    await expectTensorsClose(cached[0], model.nextLogits(text, null), { atol });
    cache.dispose();
    model.dispose();
  }, 120_000); // shader compilation dominates on Chromium's software GPU (~50 s)
});
