// Several phrasings and synonyms per class. A phrase is a pattern whose `{}` receives the
// adjectives ("thin, slanted "), so "a {}seven" becomes "a thin, slanted seven"; the article
// then follows the sound of the word after it ("an eight", "a one", "an 8", "a unicorn").

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

// Words spelt with a vowel that start with a consonant sound ("one" /w/, "unicorn" /j/), and
// words spelt with a consonant that start with a vowel sound (a silent h).
const CONSONANT_SOUND = /^(?:one(?![a-z])|ones(?![a-z])|once|uni(?![mnd])|us[eu]|ut[ei]|ure|eu|ewe)/;
const VOWEL_SOUND = /^(?:hour|honest|honou?r|heir)/;

/**
 * The indefinite article that goes before `word`, by its sound rather than its first letter:
 * "an eight", "an 8", "an 11", "a one", "a unicorn", "an umbrella", "an hour".
 */
export function indefiniteArticle(word: string): 'a' | 'an' {
  const w = word.toLowerCase();
  if (/^[0-9]/.test(w)) return /^(?:8|1[18](?![0-9]))/.test(w) ? 'an' : 'a'; // eight…, eleven, eighteen
  if (VOWEL_SOUND.test(w)) return 'an';
  if (CONSONANT_SOUND.test(w)) return 'a';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}

/** Fills a phrase pattern with adjectives (already joined, e.g. "thin, slanted") and fixes a/an by sound. */
export function fillPhrase(pattern: string, adjectives = ''): string {
  const filled = pattern.replace('{}', adjectives.length > 0 ? `${adjectives} ` : '');
  return filled.replace(/(^|\s)an? (\S+)/g, (_, before: string, word: string) => `${before}${indefiniteArticle(word)} ${word}`);
}

/** The plain phrase of a class (its first pattern, no adjectives): the label zero-shot classification uses. */
export function canonicalPhrase(className: string): string {
  return fillPhrase(classPhrases(className)[0]);
}
