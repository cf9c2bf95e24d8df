// Byte-pair encoding (Sennrich et al. 2016) over UTF-8 bytes with an end-of-word marker, as
// CLIP's tokenizer: the base vocabulary is every byte and every byte ending a word, so any
// text encodes (unknown words fall back to bytes), and merges learned from the caption
// corpus make frequent words one token.
import { InvalidArgumentError, type JsonValue } from '@gen/core';
import { preTokenize } from './pre-tokenize';

/** Padding id (0), start-of-text id (1), end-of-text id (2). */
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>'] as const;
const END_OF_WORD = '</w>';
const BYTE_BASE = SPECIAL_TOKENS.length;
/** Specials + 256 bytes + 256 word-final bytes. */
export const BASE_VOCAB_SIZE = BYTE_BASE + 512;
const FORMAT = 'gen-bpe';

/** A batch of token ids padded to `length`. */
export interface EncodedBatch {
  /** `[n · length]` ids, row-major: bos, tokens, eos, then PAD_ID. */
  ids: Int32Array;
  /** `[n · length]` 1 where a position holds a token (bos and eos included), 0 for padding. */
  mask: Float32Array;
  /** Position of each row's eos. */
  eosIndex: Int32Array;
  /** Whether each row was cut to fit. */
  truncated: boolean[];
  n: number;
  length: number;
}

export interface EncodeBatchOptions {
  /** Row length, bos and eos included (default the tokenizer's maxLength). */
  maxLength?: number;
  /**
   * Too many tokens: `true` (default, documented behaviour) keeps the first maxLength − 2
   * tokens and ends the row with eos, as CLIP; `false` throws a one-line error.
   */
  truncate?: boolean;
}

export interface TrainBpeOptions {
  /** Vocabulary size to stop at (specials and the 512 byte tokens included). Default 1024. */
  vocabSize?: number;
  /** Stop when the most frequent pair occurs fewer times. Default 2. */
  minFrequency?: number;
  /** Row length of `encodeBatch`, bos and eos included. Default 32. */
  maxLength?: number;
}

/** JSON form saved with a checkpoint. */
export interface BpeTokenizerJson {
  format: typeof FORMAT;
  version: 1;
  maxLength: number;
  /** Merges in rank order; each pair of symbols joins into one. Byte symbols are latin-1 characters. */
  merges: Array<[string, string]>;
}

const byteSymbol = (byte: number): string => String.fromCharCode(byte);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function wordSymbols(word: string): string[] {
  const symbols = Array.from(utf8.encode(word), byteSymbol);
  symbols[symbols.length - 1] += END_OF_WORD;
  return symbols;
}

function checkInteger(argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, value, `must be an integer >= ${min}`);
  }
  return value;
}

/**
 * A byte-level BPE tokenizer. `BpeTokenizer.train(captions)` learns merges; `encodeBatch`
 * makes padded id rows with a padding mask; `toJSON` / `fromJSON` store it in a checkpoint.
 *
 * ```ts
 * const tokenizer = BpeTokenizer.train(captions, { vocabSize: 1024, maxLength: 32 });
 * const { ids, mask, eosIndex } = tokenizer.encodeBatch(['a thin seven']);
 * ```
 */
export class BpeTokenizer {
  readonly maxLength: number;
  private readonly merges: Array<[string, string]>;
  private readonly ranks = new Map<string, number>();
  private readonly vocab = new Map<string, number>();
  private readonly symbols: string[] = [];
  private readonly cache = new Map<string, number[]>();

  constructor(merges: Array<[string, string]>, maxLength = 32) {
    this.maxLength = checkInteger('maxLength', maxLength, 2);
    if (!Array.isArray(merges)) throw new InvalidArgumentError('merges', merges, 'must be an array of [string, string] pairs');
    this.merges = merges.map((pair) => [pair[0], pair[1]]);
    this.symbols.push(...SPECIAL_TOKENS);
    for (let b = 0; b < 256; b++) this.symbols.push(byteSymbol(b));
    for (let b = 0; b < 256; b++) this.symbols.push(byteSymbol(b) + END_OF_WORD);
    this.symbols.forEach((symbol, id) => this.vocab.set(symbol, id));
    for (const [rank, pair] of merges.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || !this.vocab.has(pair[0]) || !this.vocab.has(pair[1])) {
        throw new InvalidArgumentError(`merges[${rank}]`, pair, 'must join two symbols of the vocabulary built so far');
      }
      const merged = pair[0] + pair[1];
      if (this.vocab.has(merged)) throw new InvalidArgumentError(`merges[${rank}]`, pair, 'makes a symbol that is already in the vocabulary');
      this.ranks.set(`${pair[0]} ${pair[1]}`, rank);
      this.vocab.set(merged, this.symbols.length);
      this.symbols.push(merged);
    }
  }

  /** Learns merges from texts: repeatedly joins the most frequent adjacent pair (ties: the lexicographically first). */
  static train(texts: readonly string[], options: TrainBpeOptions = {}): BpeTokenizer {
    const { vocabSize = 1024, minFrequency = 2, maxLength = 32 } = options;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new InvalidArgumentError('texts', texts, 'must be an array of strings');
    checkInteger('vocabSize', vocabSize, BASE_VOCAB_SIZE);
    checkInteger('minFrequency', minFrequency, 1);
    const counts = new Map<string, number>();
    for (const text of texts) for (const word of preTokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const words = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ symbols: wordSymbols(word), count }));
    const merges: Array<[string, string]> = [];
    while (BASE_VOCAB_SIZE + merges.length < vocabSize) {
      const pairs = new Map<string, number>();
      for (const { symbols, count } of words) {
        for (let i = 0; i + 1 < symbols.length; i++) {
          const key = `${symbols[i].length}|${symbols[i]}${symbols[i + 1]}`;
          pairs.set(key, (pairs.get(key) ?? 0) + count);
        }
      }
      let best: string | null = null;
      let bestCount = 0;
      for (const [key, count] of pairs) {
        if (count > bestCount || (count === bestCount && best !== null && key < best)) {
          best = key;
          bestCount = count;
        }
      }
      if (best === null || bestCount < minFrequency) break;
      const bar = best.indexOf('|');
      const leftLength = Number(best.slice(0, bar));
      const left = best.slice(bar + 1, bar + 1 + leftLength);
      const right = best.slice(bar + 1 + leftLength);
      merges.push([left, right]);
      for (const word of words) word.symbols = mergePair(word.symbols, left, right);
    }
    return new BpeTokenizer(merges, maxLength);
  }

  /** Restores a tokenizer saved with `toJSON`. */
  static fromJSON(json: unknown): BpeTokenizer {
    const value = json as BpeTokenizerJson | null;
    if (typeof value !== 'object' || value === null || value.format !== FORMAT || value.version !== 1) {
      throw new InvalidArgumentError('tokenizer json', json, `must be a ${FORMAT} version 1 object (BpeTokenizer.toJSON)`);
    }
    return new BpeTokenizer(value.merges, value.maxLength);
  }

  toJSON(): BpeTokenizerJson & JsonValue {
    return { format: FORMAT, version: 1, maxLength: this.maxLength, merges: this.merges.map(([a, b]) => [a, b]) } as BpeTokenizerJson & JsonValue;
  }

  /** Number of ids (specials, bytes, merges). */
  get vocabSize(): number {
    return this.symbols.length;
  }

  /** Token ids of `text` without bos/eos. */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError('text', text, 'must be a string');
    const ids: number[] = [];
    for (const word of preTokenize(text)) ids.push(...this.encodeWord(word));
    return ids;
  }

  /** Rows `[bos, tokens…, eos, pad…]` of `maxLength` with the padding mask. */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): EncodedBatch {
    const { maxLength = this.maxLength, truncate = true } = options;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new InvalidArgumentError('texts', texts, 'must be an array of strings');
    checkInteger('maxLength', maxLength, 2);
    const n = texts.length;
    const ids = new Int32Array(n * maxLength);
    const mask = new Float32Array(n * maxLength);
    const eosIndex = new Int32Array(n);
    const truncated: boolean[] = [];
    texts.forEach((text, row) => {
      let tokens = this.encode(text);
      const cut = tokens.length > maxLength - 2;
      if (cut && !truncate) {
        throw new InvalidArgumentError(`texts[${row}]`, text, `has ${tokens.length} tokens; at most ${maxLength - 2} fit (or pass truncate: true)`);
      }
      if (cut) tokens = tokens.slice(0, maxLength - 2);
      const rowIds = [BOS_ID, ...tokens, EOS_ID];
      ids.set(rowIds, row * maxLength);
      mask.fill(1, row * maxLength, row * maxLength + rowIds.length);
      eosIndex[row] = rowIds.length - 1;
      truncated.push(cut);
    });
    return { ids, mask, eosIndex, truncated, n, length: maxLength };
  }

  /** Text of ids: words joined by single spaces, specials skipped. `decode(encode(t))` is `preTokenize(t).join(' ')`. */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    let bytes: number[] = [];
    for (const id of Array.from(ids)) {
      if (!Number.isInteger(id) || id < 0 || id >= this.symbols.length) {
        throw new InvalidArgumentError('id', id, `must be an integer in [0, ${this.symbols.length})`);
      }
      if (id < BYTE_BASE) continue;
      let symbol = this.symbols[id];
      const ends = symbol.endsWith(END_OF_WORD);
      if (ends) symbol = symbol.slice(0, -END_OF_WORD.length);
      for (const ch of symbol) bytes.push(ch.charCodeAt(0));
      if (ends) {
        words.push(utf8Decoder.decode(Uint8Array.from(bytes)));
        bytes = [];
      }
    }
    if (bytes.length > 0) words.push(utf8Decoder.decode(Uint8Array.from(bytes)));
    return words.join(' ');
  }

  /** The symbol of an id (bytes as latin-1 characters, `</w>` ending a word). */
  symbolOf(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.symbols.length) throw new InvalidArgumentError('id', id, `must be an integer in [0, ${this.symbols.length})`);
    return this.symbols[id];
  }

  private encodeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let symbols = wordSymbols(word);
    for (;;) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;
      symbols = mergePair(symbols, symbols[bestIndex], symbols[bestIndex + 1]);
    }
    const ids = symbols.map((symbol) => this.vocab.get(symbol)!);
    if (this.cache.size < 10_000) this.cache.set(word, ids);
    return ids;
  }
}

/** Joins every adjacent (left, right) in `symbols`, left to right. */
function mergePair(symbols: string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}
