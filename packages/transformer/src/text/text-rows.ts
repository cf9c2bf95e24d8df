// Text rows for classifier-free guidance and caption augmentation: the null row (the empty
// caption, `[bos, eos, pad…]`) that guidance contrasts with and that caption dropout trains on,
// and the per-row corruption trainDalle applies to each batch — a row is dropped to the null
// row with probability `dropProb`, else each of its caption tokens is replaced by a random
// non-special token with probability `noiseProb` (so the model learns to read the class words
// of a caption it has not seen, among words it does not know).
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError } from '@gen/core';
import { BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS } from '@gen/clip-guidance';

/** int32 `[rows, textLength]` of the empty caption `[bos, eos, pad…]`. */
export function nullTextRows(rows: number, textLength: number): tf.Tensor2D {
  checkPositiveInteger('rows', rows);
  if (!Number.isSafeInteger(textLength) || textLength < 2) throw new InvalidArgumentError('textLength', textLength, 'must be an integer >= 2 (bos and eos)');
  const row = new Int32Array(textLength).fill(PAD_ID);
  row[0] = BOS_ID;
  row[1] = EOS_ID;
  const out = new Int32Array(rows * textLength);
  for (let r = 0; r < rows; r++) out.set(row, r * textLength);
  return tf.tensor2d(out, [rows, textLength], 'int32');
}

export interface TextCorruption {
  /** Probability that a row becomes the null row (caption dropout, for classifier-free guidance). */
  dropProb: number;
  /** Probability that a caption token (not bos / eos / pad) is replaced by a random non-special token. */
  noiseProb: number;
  /** Token ids are drawn from [SPECIAL_TOKENS.length, vocabSize). */
  vocabSize: number;
}

/** Checks a probability in [0, 1) (one line). */
export function checkProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new InvalidArgumentError(name, value, 'must be a number in [0, 1)');
  return value;
}

/**
 * Corrupts `rows` (int32, row-major `[n · textLength]`) in a copy: row r is dropped when the
 * r-th uniform of `generator.fork('drop')` is below `dropProb`; otherwise token j of it (a
 * caption token) is replaced when the matching uniform of `fork('noise')` is below `noiseProb`,
 * by a token from `fork('tokens')`. A pure function of (rows, options, generator).
 */
export function corruptTextRows(rows: Int32Array, textLength: number, options: TextCorruption, generator: Generator): Int32Array {
  const { dropProb, noiseProb, vocabSize } = options;
  checkProbability('dropProb', dropProb);
  checkProbability('noiseProb', noiseProb);
  const specials = SPECIAL_TOKENS.length;
  if (!Number.isSafeInteger(vocabSize) || vocabSize <= specials) throw new InvalidArgumentError('vocabSize', vocabSize, `must be an integer > ${specials} (the special tokens)`);
  if (rows.length % textLength !== 0) throw new InvalidArgumentError('rows', rows.length, `must hold whole rows of ${textLength} ids`);
  const out = rows.slice();
  const n = rows.length / textLength;
  const drops = dropProb > 0 ? generator.fork('drop').uniformArray(n) : null;
  const noise = noiseProb > 0 ? generator.fork('noise').uniformArray(rows.length) : null;
  const tokens = noiseProb > 0 ? generator.fork('tokens').uniformArray(rows.length) : null;
  for (let r = 0; r < n; r++) {
    const start = r * textLength;
    if (drops && drops[r] < dropProb) {
      out.fill(PAD_ID, start, start + textLength);
      out[start] = BOS_ID;
      out[start + 1] = EOS_ID;
      continue;
    }
    if (!noise || !tokens) continue;
    for (let j = start; j < start + textLength; j++) {
      if (out[j] < specials || noise[j] >= noiseProb) continue;
      out[j] = specials + Math.min(vocabSize - specials - 1, Math.floor(tokens[j] * (vocabSize - specials)));
    }
  }
  return out;
}
