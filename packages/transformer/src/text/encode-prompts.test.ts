import { describeWithBackends } from '@gen/core/testing';
import { BpeTokenizer } from '@gen/clip-guidance';
import { encodePrompts } from '@gen/transformer';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describeWithBackends('encodePrompts', () => {
  it('encodePrompts writes [bos, tokens, eos, pad…] rows of the model’s text length', async () => {
    const tokenizer = BpeTokenizer.train(['a square', 'a cross'], { vocabSize: 530, maxLength: 8 });
    const rows = encodePrompts(tokenizer, ['a', 'a cross and a square and a bar'], 6);
    expect(rows.shape).toEqual([2, 6]);
    const [first, second] = (await rows.array()) as number[][];
    expect(tokenizer.encode('a')).toHaveLength(1);
    expect(first).toEqual([1, ...tokenizer.encode('a'), 2, 0, 0, 0]);
    expect(second).toEqual([1, ...tokenizer.encode('a cross and a square and a bar').slice(0, 4), 2]);
    expect(messageOf(() => encodePrompts(tokenizer, [''], 6))).toBe('prompts[0] ("") must be a non-empty string (an empty prompt has no meaning to match)');
  });
});
