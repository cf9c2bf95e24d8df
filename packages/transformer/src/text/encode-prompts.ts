// Prompts as the transformer's text rows: @gen/clip-guidance's byte-level BPE, each row
// `[bos, tokens…, eos, pad…]` of the model's textLength (long prompts keep their first tokens).
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, InvalidArgumentError } from '@gen/core';
import { checkTexts, type BpeTokenizer } from '@gen/clip-guidance';

/** int32 `[prompts.length, textLength]` token rows. Empty prompts throw (one line). */
export function encodePrompts(tokenizer: BpeTokenizer, prompts: readonly string[], textLength: number): tf.Tensor2D {
  if (typeof tokenizer?.encodeBatch !== 'function') throw new InvalidArgumentError('tokenizer', tokenizer, 'must be a BpeTokenizer');
  checkTexts(prompts, 'prompts');
  checkPositiveInteger('textLength', textLength);
  if (textLength < 2) throw new InvalidArgumentError('textLength', textLength, 'must be at least 2 (bos and eos)');
  const batch = tokenizer.encodeBatch(prompts, { maxLength: textLength, truncate: true });
  return tf.tensor2d(batch.ids, [batch.n, batch.length], 'int32');
}
