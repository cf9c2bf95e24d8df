import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { encodePrompts, generateImages, generateTokens } from '@gen/transformer';
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

describeWithBackends('generateImages', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('generateImages decodes the sampled tokens, and with a clip returns the best-scoring candidate', async () => {
    const clip = tinyClip(2);
    const tokenizer = clip.tokenizer;
    const model = tinyDalle(4, { textVocabSize: tokenizer.vocabSize, textLength: 8, imageVocabSize: 4, tokenShape: [4, 4] });
    const vq = new FakeVq(4, SIZE / 4);
    const generator = new Generator(3);
    const plain = generateImages({ model, tokenizer, imageTokenizer: vq, prompt: 'a cross', n: 4, temperature: 2, generator });
    const expectedTokens = generateTokens({ model, textTokens: encodePrompts(tokenizer, ['a cross'], 8), batch: 4, temperature: 2, generator });
    expect(await plain.tokens.array()).toEqual(await tf.reshape(expectedTokens, [4, 4, 4]).array());
    await expectTensorsClose(plain.images, vq.decodeTokens(plain.tokens), { atol: 0 });
    expect(plain.images.shape).toEqual([4, SIZE, SIZE, 1]);
    // The fake VQ round-trips its own decodings.
    expect(await vq.encodeToTokens(plain.images).array()).toEqual(await plain.tokens.array());
    const ranked = generateImages({ model, tokenizer, imageTokenizer: vq, prompt: 'a cross', n: 4, temperature: 2, clip, top: 2, generator });
    const scores = Array.from(await clip.clipScore(plain.images, ['a cross']).data());
    const best = scores.map((s, i) => [s, i]).sort((a, b) => b[0] - a[0]).slice(0, 2).map(([, i]) => i);
    expect(await ranked.tokens.array()).toEqual(await tf.gather(plain.tokens, best).array());
    await expectTensorsClose(ranked.scores!, best.map((i) => scores[i]), { atol });
    expect(messageOf(() => generateImages({ model, tokenizer, imageTokenizer: new FakeVq(8), prompt: 'a cross', generator }))).toBe(
      'imageTokenizer ({"tokenShape":[4,4],"codebookSize":8}) must match the model (tokenShape [4,4], codebookSize 4)',
    );
    model.dispose();
    clip.dispose();
  });
}, { skip: ['webgl'] }); // sampling loops: too slow for Chromium's software GPU; the cache itself is checked on webgl in dalle-transformer.test.ts
