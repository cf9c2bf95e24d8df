// checkPrompt: the prompt box's validation (empty, over-long, unknown words) with the CLIP's own tokenizer.
import { describeWithBackends } from '@gen/core/testing';
import type { Clip } from '../clip';
import { tinyClip } from '../__fixtures__/tiny-clip';
import { checkPrompt } from './text-conditioning';

describeWithBackends('checkPrompt', () => {
  let clip: Clip;
  beforeAll(() => {
    clip = tinyClip(1);
  });
  afterAll(() => clip.dispose());

  it('returns the token count of a prompt that fits; unknown words are spelt from bytes, not refused', () => {
    expect(checkPrompt(clip, 'a square')).toBe(clip.tokenizer.encode('a square').length);
    // "zebra" never occurs in the tokenizer's training texts: several byte-level tokens, no error.
    expect(checkPrompt(clip, 'zebra')).toBeGreaterThan(1);
    // Exactly maxLength − 2 tokens fit.
    const fit = clip.tokenizer.maxLength - 2;
    let prompt = 'a';
    while (clip.tokenizer.encode(`${prompt} a`).length <= fit) prompt += ' a';
    expect(checkPrompt(clip, prompt)).toBe(clip.tokenizer.encode(prompt).length);
  });

  it('refuses empty and over-long prompts with one-line errors naming the argument', () => {
    expect(() => checkPrompt(clip, '')).toThrow('prompt ("") must not be empty: say what to draw');
    expect(() => checkPrompt(clip, '   ', '--prompt')).toThrow('--prompt ("   ") must not be empty: say what to draw');
    const long = 'a square '.repeat(10).trim();
    const tokens = clip.tokenizer.encode(long).length;
    expect(() => checkPrompt(clip, long)).toThrow(`prompt ("a square a square a square a square a s…") is too long: ${tokens} tokens, at most ${clip.tokenizer.maxLength - 2} fit`);
    expect(() => checkPrompt(clip, 3 as unknown as string)).toThrow('prompt (3) must be a string');
  });
}, { only: ['cpu'] });
