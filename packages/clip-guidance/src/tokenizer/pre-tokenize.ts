// Splits text into the words BPE works on: NFC, lower-case, runs of letters, single digits,
// and each punctuation character on its own ("A T-shirt!" → ["a", "t", "-", "shirt", "!"]).

const WORD = /\p{L}[\p{L}\p{M}]*|\p{N}|[^\s\p{L}\p{N}]/gu;

/** The words of `text`, lower-cased; whitespace separates and disappears. */
export function preTokenize(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}
