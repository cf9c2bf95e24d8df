// Captions for dataset images: a random template around a random phrasing of the class, with
// adjectives and a position for the attributes measured from the pixels. Deterministic given
// a Generator.
import { Generator, InvalidArgumentError, type ImageDataset, type JsonValue } from '@gen/core';
import {
  attributeThresholds,
  classifyAttributes,
  measureDataset,
  type AttributeClasses,
  type AttributeThresholdOptions,
  type AttributeThresholds,
} from './attribute-thresholds';
import { applyTemplate, TRAINING_TEMPLATES } from './caption-templates';
import { classPhrases, fillPhrase } from './class-phrases';
import type { ImageAttributes } from './image-attributes';

/** The attribute groups a caption may mention. */
export const ATTRIBUTE_KINDS = ['size', 'weight', 'slant', 'position'] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

/** Words (synonyms) per attribute class; the first is the canonical one. */
export const ATTRIBUTE_WORDS = {
  size: { small: ['small', 'little', 'tiny'], large: ['large', 'big'] },
  weight: { thin: ['thin', 'light', 'skinny'], bold: ['bold', 'thick', 'heavy'] },
  slant: { left: ['left-slanted', 'backward-leaning'], right: ['right-slanted', 'slanted', 'italic'] },
} as const;

/** Digits get every attribute; other classes (clothes…) only size and position, which mean something for them. */
export function defaultAttributeKinds(classNames: readonly string[]): AttributeKind[] {
  return classNames.every((name) => /^[0-9]$/.test(name)) ? [...ATTRIBUTE_KINDS] : ['size', 'position'];
}

/** The phrase for attribute classes, e.g. `{ adjectives: 'small, bold', position: 'at the top left' }`. */
export function attributePhrase(
  classes: AttributeClasses,
  kinds: readonly AttributeKind[],
  pick: (options: readonly string[]) => string = (options) => options[0],
  include: (kind: AttributeKind) => boolean = () => true,
): { adjectives: string; position: string } {
  const adjectives: string[] = [];
  if (kinds.includes('size') && classes.size && include('size')) adjectives.push(pick(ATTRIBUTE_WORDS.size[classes.size]));
  if (kinds.includes('weight') && classes.weight && include('weight')) adjectives.push(pick(ATTRIBUTE_WORDS.weight[classes.weight]));
  if (kinds.includes('slant') && classes.slant && include('slant')) adjectives.push(pick(ATTRIBUTE_WORDS.slant[classes.slant]));
  let position = '';
  if (kinds.includes('position') && (classes.horizontal || classes.vertical) && include('position')) {
    if (classes.horizontal && classes.vertical) position = `at the ${classes.vertical} ${classes.horizontal}`;
    else if (classes.horizontal) position = `on the ${classes.horizontal}`;
    else position = `at the ${classes.vertical}`;
  }
  return { adjectives: adjectives.join(', '), position };
}

export interface CaptionCorpusOptions {
  /** Class names indexed by label (the dataset's). */
  classNames: readonly string[];
  /** Measured attributes per image (`measureDataset`), indexed like the dataset. */
  measured: ReadonlyArray<ImageAttributes | null>;
  /** Dataset quantiles (`attributeThresholds`). */
  thresholds: AttributeThresholds;
  /** Attribute groups captions may mention (default `defaultAttributeKinds(classNames)`). */
  attributes?: readonly AttributeKind[];
  /** Probability that a caption mentions each applicable attribute (default 0.5). */
  attributeProbability?: number;
}

export interface CaptionOptions {
  /** Templates to draw from (default TRAINING_TEMPLATES). */
  templates?: readonly string[];
}

/** Uniform draws per caption: template, phrase, 4 inclusions, 3 synonyms (and spare). */
const DRAWS_PER_CAPTION = 12;

/**
 * Captions of a dataset's images. `fromDataset` measures the pixels and sets thresholds at
 * dataset quantiles; `captions(indices, labels, generator)` writes one caption per image.
 *
 * ```ts
 * const corpus = CaptionCorpus.fromDataset(train);
 * corpus.captions([0, 1], [7, 2], new Generator(0)); // ['a photo of a thin seven', 'the number two on the left']
 * ```
 */
export class CaptionCorpus {
  readonly classNames: readonly string[];
  readonly thresholds: AttributeThresholds;
  readonly attributes: readonly AttributeKind[];
  readonly attributeProbability: number;
  private readonly classes: AttributeClasses[];
  private readonly phrases: string[][];

  constructor(options: CaptionCorpusOptions) {
    const { classNames, measured, thresholds, attributes = defaultAttributeKinds(classNames ?? []), attributeProbability = 0.5 } = options ?? ({} as CaptionCorpusOptions);
    if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every((n) => typeof n === 'string' && n.length > 0)) {
      throw new InvalidArgumentError('classNames', classNames, 'must be a non-empty array of non-empty strings');
    }
    if (!Array.isArray(measured)) throw new InvalidArgumentError('measured', measured, 'must be an array of measured attributes (measureDataset)');
    if (!Array.isArray(attributes) || !attributes.every((a) => (ATTRIBUTE_KINDS as readonly string[]).includes(a))) {
      throw new InvalidArgumentError('attributes', attributes, `must be a list of ${ATTRIBUTE_KINDS.join(', ')}`);
    }
    if (!(typeof attributeProbability === 'number' && attributeProbability >= 0 && attributeProbability <= 1)) {
      throw new InvalidArgumentError('attributeProbability', attributeProbability, 'must be a number in [0, 1]');
    }
    this.classNames = [...classNames];
    this.thresholds = thresholds;
    this.attributes = [...attributes];
    this.attributeProbability = attributeProbability;
    this.classes = measured.map((m) => classifyAttributes(m, thresholds));
    this.phrases = classNames.map((name) => classPhrases(name));
  }

  /** Measures a dataset and sets the thresholds at its quantiles. */
  static fromDataset(
    dataset: ImageDataset,
    options: AttributeThresholdOptions & Pick<CaptionCorpusOptions, 'attributes' | 'attributeProbability'> = {},
  ): CaptionCorpus {
    const measured = measureDataset(dataset);
    const thresholds = attributeThresholds(measured, options);
    return new CaptionCorpus({ classNames: dataset.classNames, measured, thresholds, attributes: options.attributes, attributeProbability: options.attributeProbability });
  }

  /** Number of images captioned. */
  get size(): number {
    return this.classes.length;
  }

  /** The attribute classes of image `index`. */
  attributeClassesOf(index: number): AttributeClasses {
    this.checkIndex(index);
    return { ...this.classes[index] };
  }

  /** One caption per image; draws come from `generator` (same generator state → same captions). */
  captions(indices: ArrayLike<number>, labels: ArrayLike<number>, generator: Generator, options: CaptionOptions = {}): string[] {
    const { templates = TRAINING_TEMPLATES } = options;
    if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
    if (indices?.length !== labels?.length) throw new InvalidArgumentError('labels', labels?.length, `must have one label per index (${indices?.length})`);
    checkTemplates(templates);
    const draws = generator.uniformArray(DRAWS_PER_CAPTION * indices.length);
    const out: string[] = [];
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      const label = labels[i];
      this.checkIndex(index);
      if (!Number.isInteger(label) || label < 0 || label >= this.classNames.length) {
        throw new InvalidArgumentError('label', label, `must be an integer in [0, ${this.classNames.length})`);
      }
      const u = draws.subarray(i * DRAWS_PER_CAPTION, (i + 1) * DRAWS_PER_CAPTION);
      const choose = <T>(options: readonly T[], draw: number): T => options[Math.min(options.length - 1, Math.floor(draw * options.length))];
      let synonym = 6;
      const kindDraw: Record<AttributeKind, number> = { size: u[2], weight: u[3], slant: u[4], position: u[5] };
      const { adjectives, position } = attributePhrase(
        this.classes[index],
        this.attributes,
        (options) => choose(options, u[synonym++]),
        (kind) => kindDraw[kind] < this.attributeProbability,
      );
      const phrase = fillPhrase(choose(this.phrases[label], u[1]), adjectives);
      out.push(applyTemplate(choose(templates, u[0]), position ? `${phrase} ${position}` : phrase));
    }
    return out;
  }

  /** What a checkpoint stores to caption the same way later: class names, thresholds, attribute kinds. */
  toJSON(): JsonValue {
    return { classNames: [...this.classNames], thresholds: this.thresholds as unknown as JsonValue, attributes: [...this.attributes], attributeProbability: this.attributeProbability };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.classes.length) {
      throw new InvalidArgumentError('index', index, `must be an integer in [0, ${this.classes.length})`);
    }
  }
}

/** Throws unless every template is a string with exactly one `{}`. */
export function checkTemplates(templates: readonly string[], argument = 'templates'): void {
  if (!Array.isArray(templates) || templates.length === 0 || !templates.every((t) => typeof t === 'string' && t.split('{}').length === 2)) {
    throw new InvalidArgumentError(argument, templates, 'must be a non-empty array of strings with exactly one {}');
  }
}
