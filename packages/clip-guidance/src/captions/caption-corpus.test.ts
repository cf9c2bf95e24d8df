import { Generator, type ImageDataset } from '@gen/core';
import { attributeThresholds, classifyAttributes, quantile } from './attribute-thresholds';
import { CaptionCorpus, defaultAttributeKinds } from './caption-corpus';
import { HELD_OUT_TEMPLATES, TRAINING_TEMPLATES, applyTemplate } from './caption-templates';
import { canonicalPhrase, classPhrases, fillPhrase } from './class-phrases';
import { measureImage } from './image-attributes';

const H = 28;
const W = 28;

/** Vertical bars of width `w` (1…5) and height `h`: thin/bold and small/large vary independently. */
function bars(specs: Array<{ w: number; h: number; label: number }>): ImageDataset {
  const images = new Float32Array(specs.length * H * W);
  specs.forEach(({ w, h }, i) => {
    for (let r = 14 - Math.floor(h / 2); r < 14 - Math.floor(h / 2) + h; r++) for (let c = 13; c < 13 + w; c++) images[i * H * W + r * W + c] = 1;
  });
  return { name: 'bars', images, labels: Int32Array.from(specs, (s) => s.label), size: specs.length, height: H, width: W, channels: 1, classNames: ['7', '1'], skipped: 0 };
}

describe('attribute thresholds', () => {
  it('interpolates quantiles linearly (numpy default)', () => {
    const sorted = Float64Array.from({ length: 11 }, (_, i) => i * 10);
    expect(quantile(sorted, 0.2)).toBeCloseTo(20, 12);
    expect(quantile(sorted, 0.25)).toBeCloseTo(25, 12);
    expect(quantile([3], 0.8)).toBe(3);
  });

  it('sets thresholds at dataset quantiles and names the ends of each range', () => {
    const widths = [1, 2, 3, 4, 5];
    const measured = widths.map((w) => measureImage(bars([{ w, h: 20, label: 0 }]).images, H, W));
    const thresholds = attributeThresholds(measured, { low: 0.25, high: 0.75 });
    const strokes = widths.map((w) => (20 * w) / (20 + w));
    expect(thresholds.strokeWidth.low).toBeCloseTo(strokes[1], 5);
    expect(thresholds.strokeWidth.high).toBeCloseTo(strokes[3], 5);
    expect(classifyAttributes(measured[0], thresholds).weight).toBe('thin');
    expect(classifyAttributes(measured[2], thresholds).weight).toBeUndefined();
    expect(classifyAttributes(measured[4], thresholds).weight).toBe('bold');
    expect(classifyAttributes(null, thresholds)).toEqual({});
    expect(() => attributeThresholds(measured, { low: 0.6 })).toThrow('low (0.6) must be a quantile in (0, 0.5)');
    expect(() => attributeThresholds([null])).toThrow('measured (1) must contain at least one image with ink');
  });

  it('calls a slant left or right only when its sign agrees', () => {
    const base = { strokeWidth: 2, size: 10, x: 0, y: 0 };
    const t = { strokeWidth: { low: 1, high: 3 }, size: { low: 5, high: 15 }, slant: { low: 0.1, high: 0.3 }, x: { low: -1, high: 1 }, y: { low: -1, high: 1 } };
    expect(classifyAttributes({ ...base, slant: 0.05 }, t).slant).toBeUndefined(); // below the low quantile but leaning right
    expect(classifyAttributes({ ...base, slant: -0.2 }, t).slant).toBe('left');
    expect(classifyAttributes({ ...base, slant: 0.5 }, t).slant).toBe('right');
  });
});

describe('class phrases and templates', () => {
  it('phrases digits as words and numerals, fashion with synonyms, and fixes a/an', () => {
    expect(classPhrases('7').map((p) => fillPhrase(p))).toEqual(expect.arrayContaining(['a seven', 'the digit 7', 'the number seven']));
    expect(classPhrases('Trouser').map((p) => fillPhrase(p))).toEqual(expect.arrayContaining(['a pair of trousers', 'some pants', 'leg wear']));
    expect(fillPhrase('a {}eight')).toBe('an eight');
    // the article goes by sound, not by letter
    expect(canonicalPhrase('1')).toBe('a one');
    expect(canonicalPhrase('8')).toBe('an eight');
    expect(classPhrases('1').map((p) => fillPhrase(p))).not.toContain('an one');
    expect(fillPhrase('a {}1')).toBe('a 1');
    expect(fillPhrase('a {}8')).toBe('an 8');
    expect(fillPhrase('a {}11')).toBe('an 11');
    expect(fillPhrase('a {}unicorn')).toBe('a unicorn');
    expect(fillPhrase('a {}umbrella')).toBe('an umbrella');
    expect(fillPhrase('a {}hour')).toBe('an hour');
    expect(fillPhrase('a {}one', 'upright')).toBe('an upright one');
    expect(fillPhrase('an {}overcoat', 'thin')).toBe('a thin overcoat');
    expect(fillPhrase('a {}seven', 'thin, right-slanted')).toBe('a thin, right-slanted seven');
    expect(canonicalPhrase('Ankle boot')).toBe('an ankle boot');
    expect(canonicalPhrase('Horizontal Bar')).toBe('a horizontal bar');
    expect(applyTemplate('a photo of {}', 'an eight')).toBe('a photo of an eight');
  });

  it('keeps the held-out templates out of the training templates', () => {
    expect(HELD_OUT_TEMPLATES.filter((t) => TRAINING_TEMPLATES.includes(t))).toEqual([]);
  });
});

describe('CaptionCorpus', () => {
  const specs = [
    { w: 1, h: 20, label: 0 },
    { w: 1, h: 20, label: 0 },
    { w: 3, h: 20, label: 0 },
    { w: 5, h: 20, label: 1 },
    { w: 5, h: 20, label: 1 },
    { w: 3, h: 4, label: 1 },
    { w: 3, h: 24, label: 0 },
  ];
  const dataset = bars(specs);

  it('is deterministic given the generator, and varies with it', () => {
    const corpus = CaptionCorpus.fromDataset(dataset);
    const indices = [0, 1, 2, 3, 4, 5, 6];
    const a = corpus.captions(indices, dataset.labels, new Generator(3));
    expect(corpus.captions(indices, dataset.labels, new Generator(3))).toEqual(a);
    const many = new Set<string>();
    for (let seed = 0; seed < 20; seed++) corpus.captions(indices, dataset.labels, new Generator(seed)).forEach((c) => many.add(c));
    expect(many.size).toBeGreaterThan(40);
  });

  it('mentions the measured weight and size with attributeProbability 1, never with 0', () => {
    const always = CaptionCorpus.fromDataset(dataset, { attributeProbability: 1 });
    expect(always.attributeClassesOf(0)).toMatchObject({ weight: 'thin' });
    expect(always.attributeClassesOf(3)).toMatchObject({ weight: 'bold' });
    expect(always.attributeClassesOf(5)).toMatchObject({ size: 'small' });
    const generator = new Generator(0);
    for (let round = 0; round < 10; round++) {
      const [thin, bold, small] = always.captions([0, 3, 5], [0, 1, 1], generator, { templates: ['{}'] });
      expect(thin).toMatch(/\b(thin|light|skinny)\b/);
      expect(thin).toMatch(/seven|7/);
      expect(bold).toMatch(/\b(bold|thick|heavy)\b/);
      expect(bold).toMatch(/one|1/);
      expect(small).toMatch(/\b(small|little|tiny)\b/);
    }
    const never = CaptionCorpus.fromDataset(dataset, { attributeProbability: 0 });
    const plain = never.captions([0, 3], [0, 1], new Generator(1), { templates: ['{}'] });
    for (const caption of plain) expect(caption).not.toMatch(/thin|light|skinny|bold|thick|heavy|small|little|tiny|large|big/);
  });

  it('uses only the given templates', () => {
    const corpus = CaptionCorpus.fromDataset(dataset);
    const captions = corpus.captions([0, 1, 2], [0, 0, 0], new Generator(5), { templates: ['i see {}'] });
    for (const caption of captions) expect(caption.startsWith('i see ')).toBe(true);
  });

  it('mentions size and position only for non-digit classes by default', () => {
    expect(defaultAttributeKinds(['0', '1'])).toEqual(['size', 'weight', 'slant', 'position']);
    expect(defaultAttributeKinds(['Bag', 'Coat'])).toEqual(['size', 'position']);
  });

  it('rejects bad input with one-line errors', () => {
    const corpus = CaptionCorpus.fromDataset(dataset);
    expect(() => corpus.captions([0], [0], new Generator(0), { templates: ['no slot'] })).toThrow('templates (["no slot"]) must be a non-empty array of strings with exactly one {}');
    expect(() => corpus.captions([99], [0], new Generator(0))).toThrow('index (99) must be an integer in [0, 7)');
    expect(() => corpus.captions([0], [2], new Generator(0))).toThrow('label (2) must be an integer in [0, 2)');
    expect(() => corpus.captions([0], [0], {} as Generator)).toThrow('generator ({}) must be a Generator from @gen/core');
    expect(() => CaptionCorpus.fromDataset(dataset, { attributes: ['colour' as never] })).toThrow('attributes (["colour"]) must be a list of size, weight, slant, position');
  });
});
