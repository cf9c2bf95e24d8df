// OpenAI CLIP's tokenizer (clip/simple_tokenizer.py), for CLIP towers converted from an
// OpenAI / OpenCLIP checkpoint: byte-level BPE over the files of the Hugging Face repo
// (`vocab.json`: token → id, `merges.txt`: ranked pairs), bytes shown as printable unicode
// characters (GPT-2's bytes_to_unicode), `</w>` ending each word, `<|startoftext|>` and
// `<|endoftext|>` around each text, rows of 77 ids padded with 0.
//
// Text cleanup as OpenAI's: HTML entities unescaped twice, whitespace runs collapsed to one
// space, trimmed, lower-cased. ftfy's mojibake repair is not reproduced; ftfy's default NFC
// normalisation is (String.prototype.normalize).
import { InvalidArgumentError } from '@gen/core';
import type { EncodeBatchOptions, EncodedBatch } from './bpe-tokenizer';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';

/** OpenAI's split: specials, English contractions, letter runs, single digits, other non-space runs. */
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2 / CLIP's byte → character table: printable latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`)
 * stand for themselves, the other 68 bytes for U+0100 onwards in byte order. Index i of the
 * result is the character of byte i; the order of OpenAI's vocabulary is `byteOrder()`.
 */
export function bytesToUnicode(): string[] {
  const chars = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
}

/** The 256 byte characters in the order OpenAI's vocabulary lists them (printable bytes first). */
export function byteVocabularyOrder(): string[] {
  const chars = bytesToUnicode();
  const printable = chars.filter((c) => c.charCodeAt(0) < 256);
  const rest = chars.filter((c) => c.charCodeAt(0) >= 256);
  return [...printable, ...rest];
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Python's `html.unescape` for numeric references and the common named ones. */
function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (entity, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES[body] ?? entity;
  });
}

/** OpenAI's `whitespace_clean(basic_clean(text)).lower()` (without ftfy's repairs). */
export function cleanClipText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(text.normalize('NFC'))).trim();
  return unescaped.replace(/\s+/g, ' ').trim().toLowerCase();
}

export interface OpenAiClipTokenizerOptions {
  /** Row length of `encodeBatch`, start and end tokens included (default 77, CLIP's). */
  contextLength?: number;
  /** Id that fills a row after `<|endoftext|>` (default 0, as `clip.tokenize`). */
  padId?: number;
}

function checkInteger(argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, value, `must be an integer >= ${min}`);
  }
  return value;
}

/** Parses merges.txt: an optional `#version` first line, then one `left right` pair per line. */
export function parseMerges(text: string): Array<[string, string]> {
  if (typeof text !== 'string') throw new InvalidArgumentError('merges', text, 'must be the text of merges.txt');
  const lines = text.split(/\r?\n/);
  const merges: Array<[string, string]> = [];
  lines.forEach((line, i) => {
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new InvalidArgumentError(`merges.txt line ${i + 1}`, line, 'must be two symbols separated by one space');
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/**
 * OpenAI CLIP's byte-level BPE tokenizer, from the `vocab.json` and `merges.txt` of a Hugging
 * Face CLIP repository (or `OpenAiClipTokenizer.fromFiles(vocabText, mergesText)`).
 *
 * ```ts
 * const tokenizer = OpenAiClipTokenizer.fromFiles(readFileSync('vocab.json', 'utf8'), readFileSync('merges.txt', 'utf8'));
 * tokenizer.encode('a photo of a cat'); // [320, 1125, 539, 320, 2368] with OpenAI's files
 * ```
 */
export class OpenAiClipTokenizer {
  /** Row length of `encodeBatch` (start and end tokens included). */
  readonly contextLength: number;
  /** Id filling rows after the end token. */
  readonly padId: number;
  /** Id of `<|startoftext|>`. */
  readonly startId: number;
  /** Id of `<|endoftext|>`. */
  readonly endId: number;
  private readonly vocab: Map<string, number>;
  private readonly tokens = new Map<number, string>();
  private readonly ranks = new Map<string, number>();
  private readonly byteChars = bytesToUnicode();
  private readonly charBytes = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(vocab: Readonly<Record<string, number>>, merges: ReadonlyArray<readonly [string, string]>, options: OpenAiClipTokenizerOptions = {}) {
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) throw new InvalidArgumentError('vocab', vocab, 'must be an object of token → id (vocab.json)');
    this.vocab = new Map();
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError(`vocab[${JSON.stringify(token)}]`, id, 'must be a non-negative integer id');
      if (this.tokens.has(id)) throw new InvalidArgumentError(`vocab[${JSON.stringify(token)}]`, id, `repeats the id of ${JSON.stringify(this.tokens.get(id))}`);
      this.vocab.set(token, id);
      this.tokens.set(id, token);
    }
    for (const special of [START_OF_TEXT, END_OF_TEXT]) {
      if (!this.vocab.has(special)) throw new InvalidArgumentError('vocab', `${this.vocab.size} tokens`, `must hold ${special} (an OpenAI CLIP vocab.json)`);
    }
    this.byteChars.forEach((char, byte) => this.charBytes.set(char, byte));
    for (const char of this.byteChars) {
      for (const symbol of [char, char + END_OF_WORD]) {
        if (!this.vocab.has(symbol)) throw new InvalidArgumentError('vocab', `${this.vocab.size} tokens`, `must hold every byte symbol, alone and with </w> (missing ${JSON.stringify(symbol)}): an OpenAI CLIP vocab.json`);
      }
    }
    if (!Array.isArray(merges)) throw new InvalidArgumentError('merges', merges, 'must be an array of [left, right] pairs (merges.txt)');
    merges.forEach((pair, rank) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new InvalidArgumentError(`merges[${rank}]`, pair, 'must be a [left, right] pair of strings');
      }
      if (!this.vocab.has(pair[0] + pair[1])) {
        throw new InvalidArgumentError(`merges[${rank}]`, pair, 'joins into a token that vocab.json lacks (vocab.json and merges.txt of different tokenizers?)');
      }
      const key = `${pair[0]} ${pair[1]}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    const { contextLength = 77, padId = 0 } = options;
    this.contextLength = checkInteger('contextLength', contextLength, 2);
    this.padId = checkInteger('padId', padId, 0);
    this.startId = this.vocab.get(START_OF_TEXT)!;
    this.endId = this.vocab.get(END_OF_TEXT)!;
  }

  /** From the text of `vocab.json` (or its parsed object) and of `merges.txt`. */
  static fromFiles(vocabJson: string | Readonly<Record<string, number>>, mergesText: string, options: OpenAiClipTokenizerOptions = {}): OpenAiClipTokenizer {
    let vocab: unknown = vocabJson;
    if (typeof vocabJson === 'string') {
      try {
        vocab = JSON.parse(vocabJson);
      } catch (error) {
        throw new InvalidArgumentError('vocab.json', vocabJson.slice(0, 40), `is not JSON (${(error as Error).message})`);
      }
    }
    return new OpenAiClipTokenizer(vocab as Record<string, number>, parseMerges(mergesText), options);
  }

  /** Number of tokens in the vocabulary (49,408 for OpenAI's). */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Token ids of `text` without the start and end tokens (OpenAI's `SimpleTokenizer.encode`). */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError('text', text, 'must be a string');
    const ids: number[] = [];
    for (const [word] of cleanClipText(text).matchAll(PATTERN)) ids.push(...this.encodeWord(word));
    return ids;
  }

  /**
   * Rows `[<|startoftext|>, tokens…, <|endoftext|>, pad…]` of `contextLength` (or
   * `options.maxLength`) with the mask (1 on start…end) and the end token's position. Too many
   * tokens: `truncate: true` (default) keeps the first ones and ends the row with
   * `<|endoftext|>` (`clip.tokenize(…, truncate=True)`), `false` throws.
   */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): EncodedBatch {
    const { maxLength = this.contextLength, truncate = true } = options;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new InvalidArgumentError('texts', texts, 'must be an array of strings');
    checkInteger('maxLength', maxLength, 2);
    const n = texts.length;
    const ids = new Int32Array(n * maxLength).fill(this.padId);
    const mask = new Float32Array(n * maxLength);
    const eosIndex = new Int32Array(n);
    const truncated: boolean[] = [];
    texts.forEach((text, row) => {
      let tokens = this.encode(text);
      const cut = tokens.length > maxLength - 2;
      if (cut && !truncate) {
        throw new InvalidArgumentError(`texts[${row}]`, text, `has ${tokens.length} tokens; at most ${maxLength - 2} fit between start and end (or pass truncate: true)`);
      }
      if (cut) tokens = tokens.slice(0, maxLength - 2);
      const rowIds = [this.startId, ...tokens, this.endId];
      ids.set(rowIds, row * maxLength);
      mask.fill(1, row * maxLength, row * maxLength + rowIds.length);
      eosIndex[row] = rowIds.length - 1;
      truncated.push(cut);
    });
    return { ids, mask, eosIndex, truncated, n, length: maxLength };
  }

  /** Text of ids, as OpenAI's `decode`: tokens joined, `</w>` becoming a space (specials kept as text). */
  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (const id of Array.from(ids)) {
      const token = this.tokens.get(id);
      if (token === undefined) throw new InvalidArgumentError('id', id, `must be an id of vocab.json (${this.vocab.size} tokens)`);
      if (token === START_OF_TEXT || token === END_OF_TEXT) {
        bytes.push(...new TextEncoder().encode(token));
        continue;
      }
      const word = token.endsWith(END_OF_WORD) ? token.slice(0, -END_OF_WORD.length) : token;
      for (const char of word) bytes.push(this.charBytes.get(char) ?? 0x3f);
      if (word !== token) bytes.push(0x20);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  /** The vocabulary token of an id (bytes as their printable characters, `</w>` ending a word). */
  tokenOf(id: number): string {
    const token = this.tokens.get(id);
    if (token === undefined) throw new InvalidArgumentError('id', id, `must be an id of vocab.json (${this.vocab.size} tokens)`);
    return token;
  }

  /** OpenAI's `bpe(token)` on one pre-tokenised word, as ids. */
  private encodeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    if (word === START_OF_TEXT || word === END_OF_TEXT) return [this.vocab.get(word)!];
    let symbols = Array.from(new TextEncoder().encode(word), (byte) => this.byteChars[byte]);
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let best: [string, string] | null = null;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = [symbols[i], symbols[i + 1]];
        }
      }
      if (best === null) break;
      const [first, second] = best;
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(symbols[i]);
      }
      symbols = merged;
    }
    const ids = symbols.map((symbol) => this.vocab.get(symbol)!);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }
}
