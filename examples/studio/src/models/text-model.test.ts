import { examplePrompt } from './text-model';

describe('examplePrompt (the prompt box default of a text-to-image checkpoint)', () => {
  const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const fashion = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

  it("is the eighth class in its captions' phrasing, with the adjectives those captions use", () => {
    expect(examplePrompt(digits, ['size', 'weight', 'slant', 'position'])).toBe('a thin, slanted seven');
    expect(examplePrompt(fashion, ['size', 'position'])).toBe('a large sneaker');
    expect(examplePrompt(['Cat', 'Dog'], [])).toBe('a dog');
    expect(examplePrompt([], ['size'])).toBe('');
  });
});
