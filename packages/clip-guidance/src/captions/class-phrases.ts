// Several phrasings and synonyms per class. A phrase is a pattern whose `{}` receives the
// adjectives ("thin, slanted "), so "a {}seven" becomes "a thin, slanted seven"; the article
// "a" turns into "an" before a vowel.

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

function digitPhrases(digit: number): string[] {
  const word = DIGIT_WORDS[digit];
  return [`a {}${word}`, `the {}digit ${digit}`, `the {}number ${word}`, `a {}handwritten ${digit}`, `a {}${digit}`, `the {}digit ${word}`];
}

/** Phrases per Fashion-MNIST class name (Zalando's label order). */
const FASHION_PHRASES: Record<string, string[]> = {
  'T-shirt/top': ['a {}t-shirt', 'a {}tee', 'a {}top', 'a {}short-sleeved top'],
  Trouser: ['a pair of {}trousers', 'some {}pants', '{}leg wear', 'a pair of {}slacks'],
  Pullover: ['a {}pullover', 'a {}sweater', 'a {}jumper'],
  Dress: ['a {}dress', 'a {}gown', 'a {}frock'],
  Coat: ['a {}coat', 'a {}jacket', 'an {}overcoat'],
  Sandal: ['a {}sandal', 'an {}open shoe', 'a {}strappy shoe'],
  Shirt: ['a {}shirt', 'a {}button-up shirt', 'a {}blouse'],
  Sneaker: ['a {}sneaker', 'a {}trainer', 'a {}running shoe'],
  Bag: ['a {}bag', 'a {}handbag', 'a {}purse'],
  'Ankle boot': ['an {}ankle boot', 'a {}boot', 'a {}short boot'],
};

/**
 * The phrase patterns of a class: MNIST digits ('0'…'9') as words and numerals, Fashion-MNIST
 * names with synonyms, and for any other name `a {}<name>` and `the {}<name>` (lower-cased).
 */
export function classPhrases(className: string): string[] {
  if (/^[0-9]$/.test(className)) return digitPhrases(Number(className));
  const fashion = FASHION_PHRASES[className];
  if (fashion) return [...fashion];
  const name = className.toLowerCase();
  return [`a {}${name}`, `the {}${name}`];
}

/** Fills a phrase pattern with adjectives (already joined, e.g. "thin, slanted") and fixes a/an. */
export function fillPhrase(pattern: string, adjectives = ''): string {
  const filled = pattern.replace('{}', adjectives.length > 0 ? `${adjectives} ` : '');
  return filled.replace(/\ba ([aeiou8])/g, 'an $1').replace(/\ban ([^aeiou8\s])/g, 'a $1');
}

/** The plain phrase of a class (its first pattern, no adjectives): the label zero-shot classification uses. */
export function canonicalPhrase(className: string): string {
  return fillPhrase(classPhrases(className)[0]);
}
