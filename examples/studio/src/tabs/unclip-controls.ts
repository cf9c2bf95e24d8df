// The Generate tab's unCLIP controls: the route (a prompt through a prior, or variations of a
// reference image); for prompts the prior (diffusion or regression) and a diffusion prior's steps,
// guidance and candidates (defaults: what the prior records, as `gen sample unclip`); for
// variations the reference: an image of the studio's MNIST slice or an uploaded picture.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, type ImageDataset } from '@gen/core';
import { datasetImage, imageFileToReference } from '../data/reference-image';
import { fetchMnistSlice } from '../data/mnist-slice';
import type { ShippedPrior, UnclipChoice } from '../io/checkpoint-sources';
import type { PriorRequest } from '../models/family';
import { DEFAULT_PRIOR_STEPS } from '../models/unclip-model';
import { field, h, numberInput, readNumber, select, setOptions } from '../ui/dom';
import { showImages } from '../ui/image-canvas';

export type UnclipRoute = 'text' | 'variations';

/** The MNIST slice has this many images (scripts/make-mnist-slice.ts). */
const SLICE_SIZE = 2048;

export class UnclipControls {
  private readonly route = select('gen-unclip-route', [['text', 'prompt → prior → decoder'], ['variations', 'variations of a reference image']], 'text');
  private readonly prior = select('gen-prior', []);
  private readonly priorSteps = numberInput('gen-prior-steps', DEFAULT_PRIOR_STEPS, 1, 1000);
  private readonly priorGuidance = numberInput('gen-prior-guidance', 1, 0, 20, 0.5);
  private readonly priorCandidates = numberInput('gen-prior-candidates', 1, 1, 64);
  private readonly reference = numberInput('gen-reference', 0, 0, SLICE_SIZE - 1);
  private readonly referenceFile = h('input', { id: 'gen-reference-file', type: 'file', accept: 'image/*' });
  /** The reference as the decoder's CLIP sees it (drawn on every variations run). */
  private readonly referenceCanvas = h('canvas', { id: 'gen-reference-canvas', width: 1, height: 1 });
  /** Shown beside the samples on the variations route. */
  readonly referenceFigure = h('figure', { id: 'gen-reference-figure', hidden: true }, this.referenceCanvas, h('figcaption', {}, 'reference'));
  private readonly routeField = field('unCLIP route', this.route);
  private readonly priorField = field('prior', this.prior, 'text embedding → image embedding');
  private readonly diffusionPriorFields = [
    field('prior steps', this.priorSteps),
    field('prior guidance', this.priorGuidance, 'classifier-free, 1 = none'),
    field('prior candidates', this.priorCandidates, 'per prompt, the closest to the text kept'),
  ];
  private readonly referenceFields = [field('reference', this.reference, 'MNIST slice image #'), field('or upload', this.referenceFile, 'a picture, scaled to the CLIP’s size')];
  readonly fields: HTMLLabelElement[] = [this.routeField, this.priorField, ...this.diffusionPriorFields, ...this.referenceFields];
  private priors: ShippedPrior[] = [];
  private dataset: string | null = null;
  private visible = false;
  private slice: Promise<ImageDataset> | null = null;

  /** `onRouteChange`: the prompt box is for the text route only. */
  constructor(private readonly onRouteChange: () => void) {
    this.route.addEventListener('change', () => {
      this.layout();
      this.onRouteChange();
    });
    this.prior.addEventListener('change', () => this.applyPriorDefaults());
    this.reference.addEventListener('input', () => (this.referenceFile.value = ''));
  }

  get selectedRoute(): UnclipRoute {
    return this.route.value as UnclipRoute;
  }

  /** Whether the prompt box applies (the text route of a visible unCLIP family). */
  get usesPrompt(): boolean {
    return this.visible && this.selectedRoute === 'text';
  }

  show(visible: boolean): void {
    this.visible = visible;
    this.layout();
  }

  /** A newly picked decoder: its priors (the first one's recorded defaults). */
  applyDefaults(choice: UnclipChoice | undefined): void {
    this.priors = choice?.priors ?? [];
    this.dataset = choice?.dataset ?? null;
    setOptions(this.prior, this.priors.map((p) => [p.id, p.name]));
    this.applyPriorDefaults();
  }

  /** The text route's prior and its sampling options, checked (one-line errors). */
  readPrior(): PriorRequest {
    const prior = this.priors.find((p) => p.id === this.prior.value);
    if (!prior) throw new GenError('this unCLIP decoder has no shipped prior: use the variations route');
    return {
      url: prior.url,
      steps: readNumber(this.priorSteps, 'prior steps'),
      guidanceScale: readNumber(this.priorGuidance, 'prior guidance'),
      candidates: readNumber(this.priorCandidates, 'prior candidates'),
    };
  }

  /** The chosen prior's name ('diffusion prior'), for the info line. */
  priorName(): string {
    return this.priors.find((p) => p.id === this.prior.value)?.name ?? 'no prior';
  }

  /** What the reference is, for the info line and the canvas' data: "MNIST #12" or the file name. */
  describeReference(): string {
    const file = this.referenceFile.files?.[0];
    return file ? file.name : `MNIST #${this.reference.value}`;
  }

  /**
   * The variations route's reference at `shape` (the uploaded picture, else the MNIST slice image),
   * drawn on the reference canvas; the caller disposes it. Errors are one line.
   */
  async readReference(shape: readonly [number, number, number]): Promise<tf.Tensor3D> {
    const file = this.referenceFile.files?.[0];
    let image: tf.Tensor3D;
    if (file) image = await imageFileToReference(file, shape);
    else {
      if (this.dataset !== 'mnist') throw new GenError(`the studio's reference images are MNIST digits and this decoder was trained on ${this.dataset ?? 'other images'}: upload a reference`);
      const index = readNumber(this.reference, 'reference');
      this.slice ??= fetchMnistSlice().catch((error) => {
        this.slice = null;
        throw error;
      });
      image = datasetImage(await this.slice, index);
    }
    if (image.shape.some((size, i) => size !== shape[i])) {
      image.dispose();
      throw new GenError(`the reference is ${image.shape.join('×')}, the decoder's CLIP takes ${shape.join('×')}`);
    }
    const batch = tf.expandDims(image, 0) as tf.Tensor4D;
    try {
      await showImages(this.referenceCanvas, batch, { columns: 1 });
    } finally {
      batch.dispose();
    }
    return image;
  }

  private applyPriorDefaults(): void {
    const prior = this.priors.find((p) => p.id === this.prior.value);
    this.priorGuidance.value = String(prior?.guidanceScale ?? 1);
    this.priorCandidates.value = String(prior?.candidates ?? 1);
    this.layout();
  }

  private layout(): void {
    const text = this.visible && this.selectedRoute === 'text';
    const kind = this.priors.find((p) => p.id === this.prior.value)?.kind;
    this.routeField.hidden = !this.visible;
    this.priorField.hidden = !text;
    // A regression prior is deterministic: steps, guidance and candidates do not apply.
    for (const f of this.diffusionPriorFields) f.hidden = !text || kind !== 'diffusion';
    for (const f of this.referenceFields) f.hidden = !this.visible || text;
    this.referenceFigure.hidden = !this.visible || text;
  }
}
