import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { generateTokens, nullTextRows } from '@gen/transformer';
import { randomIds, tinyDalle } from '../__fixtures__/tiny-dalle';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describeWithBackends('generateTokens', () => {
  it('gives the same tokens with and without the key/value cache for the same seed', async () => {
    const model = tinyDalle(7);
    const text = randomIds(new Generator(1), 2, 5, 20);
    for (const options of [{}, { topK: 3 }, { topP: 0.7, temperature: 1.5 }]) {
      const cached = generateTokens({ model, textTokens: text, batch: 2, generator: new Generator(2), ...options });
      const full = generateTokens({ model, textTokens: text, batch: 2, generator: new Generator(2), useCache: false, ...options });
      expect(cached.shape).toEqual([4, 6]);
      expect(cached.dtype).toBe('int32');
      expect(await cached.array()).toEqual(await full.array());
    }
    // The draws are not all the same token: the check above compares real samples.
    const tokens = (await generateTokens({ model, textTokens: text, batch: 4, temperature: 3, generator: new Generator(3) }).data()) as Int32Array;
    expect(new Set(tokens).size).toBeGreaterThan(2);
    model.dispose();
  });

  it('temperature 0 (and top-k 1, and a tiny temperature) is greedy decoding by argmax', async () => {
    const model = tinyDalle(8);
    const text = randomIds(new Generator(4), 2, 5, 20);
    let prefix: tf.Tensor | null = null;
    for (let i = 0; i < 6; i++) {
      const next: tf.Tensor = tf.reshape(tf.argMax(model.nextLogits(text, prefix), -1), [2, 1]);
      prefix = prefix === null ? next : tf.concat([prefix, next], 1);
    }
    const greedy = await prefix!.array();
    expect(await generateTokens({ model, textTokens: text, temperature: 0, generator: new Generator(5) }).array()).toEqual(greedy);
    expect(await generateTokens({ model, textTokens: text, topK: 1, generator: new Generator(6) }).array()).toEqual(greedy);
    expect(await generateTokens({ model, textTokens: text, temperature: 1e-4, generator: new Generator(7) }).array()).toEqual(greedy);
    model.dispose();
  });

  it('batch generation equals generating each row alone with that row’s generator', async () => {
    const model = tinyDalle(9);
    const text = randomIds(new Generator(8), 2, 5, 20);
    const generator = new Generator(9);
    const batched = await generateTokens({ model, textTokens: text, batch: 3, numImageTokens: 4, topP: 0.9, generator }).array();
    expect(batched.length).toBe(6);
    for (let r = 0; r < 6; r++) {
      const row = tf.slice(text, [Math.floor(r / 3), 0], [1, -1]);
      const alone = await generateTokens({ model, textTokens: row, numImageTokens: 4, topP: 0.9, generator: [generator.fork(`row/${r}`)] }).array();
      expect(alone).toEqual([batched[r]]);
    }
    model.dispose();
  });

  it('classifier-free guidance: greedy tokens follow argmax(u + s·(c − u)) step by step; scale 1 is off; cached = uncached; no leak', async () => {
    const model = tinyDalle(9);
    const text = randomIds(new Generator(5), 2, 5, 20);
    const empty = nullTextRows(2, 5);
    expect(Array.from(await empty.data())).toEqual([1, 2, 0, 0, 0, 1, 2, 0, 0, 0]);
    for (const scale of [0, 3]) {
      // The closed form, one token at a time: conditional logits c, unconditional u (the empty caption), mixed.
      let prefix: tf.Tensor | null = null;
      for (let i = 0; i < 6; i++) {
        const c = model.nextLogits(text, prefix);
        const u = model.nextLogits(empty, prefix);
        const next: tf.Tensor = tf.reshape(tf.argMax(tf.add(u, tf.mul(tf.sub(c, u), scale)), -1), [2, 1]);
        prefix = prefix === null ? next : tf.concat([prefix, next], 1);
      }
      const before = tf.memory().numTensors;
      const cached = generateTokens({ model, textTokens: text, temperature: 0, guidanceScale: scale, generator: new Generator(1) });
      const full = generateTokens({ model, textTokens: text, temperature: 0, guidanceScale: scale, useCache: false, generator: new Generator(1) });
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(await cached.array()).toEqual(await prefix!.array());
      expect(await full.array()).toEqual(await prefix!.array());
      tf.dispose([cached, full]);
    }
    // Scale 1 is the unguided sampler, draw for draw.
    const plain = generateTokens({ model, textTokens: text, batch: 2, generator: new Generator(6) });
    const one = generateTokens({ model, textTokens: text, batch: 2, guidanceScale: 1, generator: new Generator(6) });
    expect(await one.array()).toEqual(await plain.array());
    expect(messageOf(() => generateTokens({ model, textTokens: text, guidanceScale: -1, generator: new Generator(1) }))).toMatch(/^guidanceScale \(-1\) must be/);
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat across a sampling loop', () => {
    const model = tinyDalle(10);
    const text = randomIds(new Generator(10), 1, 5, 20);
    const generator = new Generator(11);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      generateTokens({ model, textTokens: text, batch: 2, topK: 4, topP: 0.9, generator: generator.fork(String(i)) }).dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    model.dispose();
  });

  it('bad arguments give one-line errors', () => {
    const model = tinyDalle(0);
    const text = tf.zeros([1, 5], 'int32');
    const generator = new Generator(0);
    expect(messageOf(() => generateTokens({ model, textTokens: text, topP: 0, generator }))).toBe('topP (0) must be in (0, 1] (1 = off)');
    expect(messageOf(() => generateTokens({ model, textTokens: text, numImageTokens: 7, generator }))).toBe("numImageTokens (7) must be at most the model's image length (6)");
    expect(messageOf(() => generateTokens({ model, textTokens: text, batch: 2, generator: [generator] }))).toBe(
      'generator ("1 entries") must be one Generator or an array of 2 Generators (one per output row)',
    );
    expect(messageOf(() => generateTokens({ model, textTokens: tf.zeros([1, 4], 'int32'), generator }))).toMatch(/^textTokens \(.*\) must be an int32 tensor \[prompts ≥ 1, 5\] \(encodePrompts\)$/);
    model.dispose();
  });
}, { skip: ['webgl'] }); // sampling loops: too slow for Chromium's software GPU; the cache itself is checked on webgl in dalle-transformer.test.ts
