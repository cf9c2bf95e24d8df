import { BASE_VOCAB_SIZE, BOS_ID, BpeTokenizer, EOS_ID, PAD_ID } from './bpe-tokenizer';
import { preTokenize } from './pre-tokenize';

const corpus = [
  'a photo of a thin seven',
  'a photo of a bold seven',
  'the digit 7 on the left',
  'a drawing of a pair of trousers',
  'some pants',
  'a photo of a T-shirt!',
  'an image of a seven',
];

describe('preTokenize', () => {
  it('lower-cases and splits letters, single digits and punctuation', () => {
    expect(preTokenize('A T-shirt, size 42!')).toEqual(['a', 't', '-', 'shirt', ',', 'size', '4', '2', '!']);
    expect(preTokenize('  ')).toEqual([]);
    expect(preTokenize('Straße')).toEqual(['straße']);
  });
});

describe('BpeTokenizer', () => {
  const tokenizer = BpeTokenizer.train(corpus, { vocabSize: 600, maxLength: 12 });

  it('learns merges that make frequent words one token', () => {
    expect(tokenizer.vocabSize).toBeGreaterThan(BASE_VOCAB_SIZE);
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(600);
    expect(tokenizer.encode('seven')).toHaveLength(1);
    expect(tokenizer.encode('photo')).toHaveLength(1);
    expect(tokenizer.symbolOf(tokenizer.encode('seven')[0])).toBe('seven</w>');
  });

  it('round-trips text through encode and decode (words joined by spaces)', () => {
    for (const text of [...corpus, 'A Photo of a SEVEN.', 'the digit 7']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(preTokenize(text).join(' '));
    }
  });

  it('falls back to bytes for unknown words, so any text encodes and decodes', () => {
    const text = 'zebra straße 北京 🙂';
    const ids = tokenizer.encode(text);
    expect(ids.every((id) => id >= 3 && id < tokenizer.vocabSize)).toBe(true);
    expect(tokenizer.decode(ids)).toBe('zebra straße 北京 🙂');
    // "zebra" shares no learned merge beyond single bytes: one id per byte at least for z
    expect(tokenizer.encode('zzz')).toHaveLength(3);
  });

  it('pads rows with bos, eos, padding and the mask', () => {
    const batch = tokenizer.encodeBatch(['a seven', '']);
    const n = tokenizer.encode('a seven').length;
    expect(batch.length).toBe(12);
    expect(Array.from(batch.ids.subarray(0, 12))).toEqual([BOS_ID, ...tokenizer.encode('a seven'), EOS_ID, ...new Array(10 - n).fill(PAD_ID)]);
    expect(Array.from(batch.mask.subarray(0, 12))).toEqual([...new Array(n + 2).fill(1), ...new Array(10 - n).fill(0)]);
    expect(Array.from(batch.eosIndex)).toEqual([n + 1, 1]);
    expect(Array.from(batch.ids.subarray(12, 15))).toEqual([BOS_ID, EOS_ID, PAD_ID]);
    expect(batch.truncated).toEqual([false, false]);
  });

  it('truncates over-long texts to maxLength − 2 tokens ending in eos, or throws with truncate: false', () => {
    const long = 'zebra '.repeat(10);
    const batch = tokenizer.encodeBatch([long], { maxLength: 8 });
    expect(Array.from(batch.ids)).toEqual([BOS_ID, ...tokenizer.encode(long).slice(0, 6), EOS_ID]);
    expect(Array.from(batch.mask)).toEqual(new Array(8).fill(1));
    expect(batch.eosIndex[0]).toBe(7);
    expect(batch.truncated).toEqual([true]);
    expect(() => tokenizer.encodeBatch(['ok', 'zzzzzzzzzz'], { maxLength: 8, truncate: false })).toThrow(
      'texts[1] ("zzzzzzzzzz") has 10 tokens; at most 6 fit (or pass truncate: true)',
    );
  });

  it('survives toJSON / JSON.stringify / fromJSON with identical encodings', () => {
    const restored = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())));
    expect(restored.vocabSize).toBe(tokenizer.vocabSize);
    expect(restored.maxLength).toBe(12);
    for (const text of [...corpus, 'zebra 北京']) expect(restored.encode(text)).toEqual(tokenizer.encode(text));
  });

  it('trains deterministically', () => {
    expect(BpeTokenizer.train(corpus, { vocabSize: 600 }).toJSON()).toEqual(BpeTokenizer.train([...corpus], { vocabSize: 600 }).toJSON());
  });

  it('rejects bad input with one-line errors', () => {
    expect(() => tokenizer.encode(3 as unknown as string)).toThrow('text (3) must be a string');
    expect(() => tokenizer.encodeBatch('a' as unknown as string[])).toThrow('texts ("a") must be an array of strings');
    expect(() => BpeTokenizer.train(corpus, { vocabSize: 10 })).toThrow('vocabSize (10) must be an integer >= 515');
    expect(() => BpeTokenizer.fromJSON({ format: 'x' })).toThrow('tokenizer json ({"format":"x"}) must be a gen-bpe version 1 object (BpeTokenizer.toJSON)');
    expect(() => new BpeTokenizer([['a', 'zz']])).toThrow('merges[0] (["a", "zz"]) must join two symbols of the vocabulary built so far');
    expect(() => tokenizer.decode([1e6])).toThrow(`id (1000000) must be an integer in [0, ${tokenizer.vocabSize})`);
  });
});
