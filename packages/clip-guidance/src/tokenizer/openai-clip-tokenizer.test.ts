// OpenAiClipTokenizer against hand-worked expectations on the tiny vocabulary of the external-CLIP
// fixture (built as OpenAI builds theirs, so its byte ids are CLIP's: "a</w>" is 320 in both).
import { tinyMergesText, tinyVocab, TINY_MERGES } from '../__fixtures__/tiny-external-clip';
import { bytesToUnicode, byteVocabularyOrder, cleanClipText, OpenAiClipTokenizer, parseMerges } from './openai-clip-tokenizer';

const tokenizer = () => OpenAiClipTokenizer.fromFiles(JSON.stringify(tinyVocab()), tinyMergesText());
/** Id of a merged token: 512 byte tokens, then one per merge in order. */
const merged = (token: string) => 512 + TINY_MERGES.findIndex(([a, b]) => a + b === token);
/** Id of a printable ASCII byte (OpenAI's order starts at "!"), and of it ending a word. */
const byte = (char: string) => char.charCodeAt(0) - 33;
const byteEnd = (char: string) => 256 + byte(char);

describe('OpenAiClipTokenizer', () => {
  it('maps bytes to characters as GPT-2 / CLIP do: printable latin-1 as themselves, the rest from U+0100', () => {
    const chars = bytesToUnicode();
    expect(new Set(chars).size).toBe(256);
    expect(chars[97]).toBe('a');
    expect(chars[32]).toBe('\u0120'); // "Ġ", the space of GPT-2's vocabulary
    expect(chars[0]).toBe('\u0100');
    expect(chars[0xad]).toBe('\u0143'); // the soft hyphen is the 68th non-printable byte
    const order = byteVocabularyOrder();
    expect(order[0]).toBe('!');
    expect(order.indexOf('a')).toBe(64);
    expect(tinyVocab()['a</w>']).toBe(320); // as in OpenAI's vocab.json
    expect(tinyVocab()['<|endoftext|>']).toBe(512 + TINY_MERGES.length + 1);
  });

  it('cleans text as OpenAI: HTML entities unescaped twice, whitespace collapsed, trimmed, lower-cased', () => {
    expect(cleanClipText('  A&amp;B \t  Photo\n')).toBe('a&b photo');
    expect(cleanClipText('&amp;lt;3 &#65;&#x42;')).toBe('<3 ab');
    expect(cleanClipText('&unknown; x')).toBe('&unknown; x');
  });

  it('encodes known words through their merges, in rank order', () => {
    const t = tokenizer();
    // photo: p h o t o</w> → ph, ot (rank 18 before photo's own), phot, photo</w>
    expect(t.encode('a photo of the top left')).toEqual([320, merged('photo</w>'), merged('of</w>'), merged('the</w>'), merged('top</w>'), merged('left</w>')]);
    expect(t.encode('Bottom RIGHT')).toEqual([merged('bottom</w>'), merged('right</w>')]);
  });

  it('falls back to bytes for unknown words, UTF-8 included', () => {
    const t = tokenizer();
    expect(t.encode('cat')).toEqual([byte('c'), byte('a'), byteEnd('t')]);
    // é = C3 A9: byte 0xC3 is printable latin-1 "Ã" (index 127), 0xA9 "©" (index 102), word-final.
    expect(t.encode('é')).toEqual([127, 256 + 102]);
  });

  it('splits as OpenAI\'s pattern: punctuation runs, single digits, contractions', () => {
    const t = tokenizer();
    expect(t.encode('top-left!')).toEqual([merged('top</w>'), byteEnd('-'), merged('left</w>'), byteEnd('!')]);
    expect(t.encode('42')).toEqual([byteEnd('4'), byteEnd('2')]);
    expect(t.encode("it's")).toEqual([byte('i'), byteEnd('t'), byte("'"), byteEnd('s')]);
    expect(t.encode('...?!')).toEqual([byte('.'), byte('.'), byte('.'), byte('?'), byteEnd('!')]);
    expect(t.encode('a <|endoftext|> b')).toEqual([320, t.endId, byteEnd('b')]);
  });

  it('makes rows of 77: start, tokens, end, padding with 0, and the mask / end position', () => {
    const t = tokenizer();
    const batch = t.encodeBatch(['a photo of the top left', 'cat']);
    expect(batch.length).toBe(77);
    expect(Array.from(batch.ids.subarray(0, 10))).toEqual([t.startId, 320, merged('photo</w>'), merged('of</w>'), merged('the</w>'), merged('top</w>'), merged('left</w>'), t.endId, 0, 0]);
    expect(Array.from(batch.ids.subarray(77, 77 + 6))).toEqual([t.startId, byte('c'), byte('a'), byteEnd('t'), t.endId, 0]);
    expect(Array.from(batch.eosIndex)).toEqual([7, 4]);
    expect(batch.mask.subarray(0, 77).reduce((a, b) => a + b, 0)).toBe(8);
    expect(batch.truncated).toEqual([false, false]);
    const padded = OpenAiClipTokenizer.fromFiles(tinyVocab(), tinyMergesText(), { contextLength: 8, padId: t.endId }).encodeBatch(['a']);
    expect(Array.from(padded.ids)).toEqual([t.startId, 320, t.endId, t.endId, t.endId, t.endId, t.endId, t.endId]);
  });

  it('truncates over-long texts as clip.tokenize(truncate=True), or throws one line with truncate: false', () => {
    const t = tokenizer();
    const long = Array.from({ length: 100 }, () => 'top').join(' ');
    const batch = t.encodeBatch([long]);
    expect(batch.ids[76]).toBe(t.endId);
    expect(batch.ids[75]).toBe(merged('top</w>'));
    expect(batch.truncated).toEqual([true]);
    expect(() => t.encodeBatch(['a', long], { truncate: false })).toThrow(/^texts\[1\] \(.*\) has 100 tokens; at most 75 fit/);
  });

  it('decodes as OpenAI: </w> becomes a space', () => {
    const t = tokenizer();
    expect(t.decode(t.encode('A photo of the top-left, é!'))).toBe('a photo of the top - left , é ! ');
    expect(t.tokenOf(320)).toBe('a</w>');
  });

  it('rejects inconsistent files with one-line errors naming them', () => {
    const vocab = tinyVocab();
    const { ['<|startoftext|>']: _start, ...noStart } = vocab;
    void _start;
    expect(() => new OpenAiClipTokenizer(noStart, [])).toThrow(/^vocab \(.*\) must hold <\|startoftext\|>/);
    expect(() => OpenAiClipTokenizer.fromFiles('{"a": 1', '')).toThrow(/^vocab\.json \(.*\) is not JSON/);
    expect(() => parseMerges('#version: 0.2\no p</w>\nbad line here\n')).toThrow(/^merges\.txt line 3 \("bad line here"\) must be two symbols/);
    expect(() => new OpenAiClipTokenizer(vocab, [['c', 'a']])).toThrow(/^merges\[0\] .* joins into a token that vocab\.json lacks/);
    expect(() => new OpenAiClipTokenizer(vocab, [], { contextLength: 1 })).toThrow(/^contextLength \(1\) must be an integer >= 2/);
    const { ['a</w>']: _a, ...noByte } = vocab;
    void _a;
    expect(() => new OpenAiClipTokenizer(noByte, [])).toThrow(/^vocab .* must hold every byte symbol/);
    for (const check of [() => new OpenAiClipTokenizer(noStart, []), () => parseMerges('x')]) {
      try {
        check();
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
      }
    }
  });
});
