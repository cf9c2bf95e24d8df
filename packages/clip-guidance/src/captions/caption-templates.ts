// Sentence templates around a class phrase. TRAINING_TEMPLATES are used to make training
// captions; HELD_OUT_TEMPLATES never appear in training and measure how zero-shot
// classification generalises to unseen phrasings (several use words the corpus never has).

/** Templates captions are made from in training (`{}` is the phrase, e.g. "a thin seven"). */
export const TRAINING_TEMPLATES: readonly string[] = [
  '{}',
  'a photo of {}',
  'an image of {}',
  'a drawing of {}',
  'this is {}',
  'a picture showing {}',
  '{} on a black background',
  'a grayscale image of {}',
  'a low resolution photo of {}',
  'here is {}',
];

/** Held out of training: used only by evaluation (`gen eval clip`) to test generalization. */
export const HELD_OUT_TEMPLATES: readonly string[] = [
  'a close-up of {}',
  'i see {}',
  'a sketch of {}',
  'there is {} in this picture',
  'a blurry photo of {}',
];

/** Puts a phrase into a template. */
export function applyTemplate(template: string, phrase: string): string {
  const filled = template.replace('{}', phrase);
  return filled.replace(/\ba ([aeiou8])/g, 'an $1').replace(/\ban ([^aeiou8\s])/g, 'a $1');
}
