import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { encodePrompts, generateForPrompts, generateTokens } from '@gen/transformer';
import { SIZE, tinyClip } from '../../../clip-guidance/src/__fixtures__/tiny-clip';
import { FakeVq, tinyDalle } from '../__fixtures__/tiny-dalle';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describeWithBackends('generateForPrompts', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('one image per prompt; with a clip the CLIP-best of each prompt\'s candidates, whose candidate 0 is the plain image', async () => {
    const clip = tinyClip(2);
    const tokenizer = clip.tokenizer;
    const model = tinyDalle(4, { textVocabSize: tokenizer.vocabSize, textLength: 8, imageVocabSize: 4, tokenShape: [4, 4] });
    const vq = new FakeVq(4, SIZE / 4);
    const prompts = ['a cross', 'a ring', 'a cross'];
    const generator = new Generator(3);

    const plain = generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts, temperature: 2, generator });
    expect(plain.images.shape).toEqual([3, SIZE, SIZE, 1]);
    expect(plain.scores).toBeUndefined();
    // Prompt i's image is drawn from fork('prompt/i/candidate/0'), whatever the batch.
    for (let i = 0; i < prompts.length; i++) {
      const alone = generateTokens({ model, textTokens: encodePrompts(tokenizer, [prompts[i]], 8), generator: [generator.fork(`prompt/${i}/candidate/0`)], temperature: 2 });
      expect(await vq.encodeToTokens(tf.slice(plain.images, [i], [1])).array()).toEqual(await tf.reshape(alone, [1, 4, 4]).array());
    }
    // The same prompt twice (rows 0 and 2) draws different images: the row, not the text, picks the randomness.
    expect((await tf.max(tf.abs(tf.sub(tf.slice(plain.images, [0], [1]), tf.slice(plain.images, [2], [1])))).data())[0]).toBeGreaterThan(0);

    const ranked = generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts, candidates: 4, clip, temperature: 2, generator });
    expect(ranked.images.shape).toEqual([3, SIZE, SIZE, 1]);
    for (let i = 0; i < prompts.length; i++) {
      const rows = [0, 1, 2, 3].map((j) => generator.fork(`prompt/${i}/candidate/${j}`));
      const tokens = generateTokens({ model, textTokens: encodePrompts(tokenizer, [prompts[i]], 8), generator: rows, batch: 4, temperature: 2 });
      const candidates = vq.decodeTokens(tf.reshape(tokens, [4, 4, 4]));
      if (i === 0) await expectTensorsClose(tf.slice(candidates, [0], [1]), tf.slice(plain.images, [0], [1]), { atol: 0 });
      const scores = Array.from(await clip.clipScore(candidates, [prompts[i]]).data());
      const best = scores.indexOf(Math.max(...scores));
      await expectTensorsClose(tf.slice(ranked.images, [i], [1]), tf.slice(candidates, [best], [1]), { atol: 0 });
      expect((await ranked.scores!.data())[i]).toBeCloseTo(scores[best], atol === 1e-5 ? 5 : 3);
      tf.dispose([tokens, candidates]);
    }
    tf.dispose([plain.images, ranked.images, ranked.scores!]);
    // No tensor outlives the call but the result.
    const mark = tf.memory().numTensors;
    const out = generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts, candidates: 2, clip, generator });
    tf.dispose([out.images, out.scores!]);
    expect(tf.memory().numTensors).toBe(mark);

    expect(messageOf(() => generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts, candidates: 2, generator }))).toBe(
      'candidates (2) needs a clip to choose among the candidates (or candidates = 1)',
    );
    expect(messageOf(() => generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts: [], generator }))).toBe('prompts ([]) must be a non-empty array of prompts');
    expect(messageOf(() => generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts: ['a cross', ''], generator }))).toMatch(/^prompts/);
    expect(messageOf(() => generateForPrompts({ model, tokenizer, imageTokenizer: vq, prompts, candidates: 0, generator }))).toMatch(/^candidates \(0\) must be a positive integer/);
    model.dispose();
    clip.dispose();
  });
}, { skip: ['webgl'] }); // sampling loops: too slow for Chromium's software GPU (as generateImages)
