// Public API of the tokenizer module (explicit named exports only).
export { BpeTokenizer, PAD_ID, BOS_ID, EOS_ID, SPECIAL_TOKENS, BASE_VOCAB_SIZE } from './bpe-tokenizer';
export type { EncodedBatch, EncodeBatchOptions, TrainBpeOptions, BpeTokenizerJson } from './bpe-tokenizer';
export { preTokenize } from './pre-tokenize';
export { OpenAiClipTokenizer, cleanClipText, START_OF_TEXT, END_OF_TEXT } from './openai-clip-tokenizer';
export type { OpenAiClipTokenizerOptions } from './openai-clip-tokenizer';
