// Explore: walk the latent space of a GAN or VAE from seed A's latent to seed B's (slerp), with
// a truncation (GAN) / temperature (VAE) slider that re-renders as it moves.
import { nextFrame } from '../backend';
import { checkpointChoices, type CheckpointChoice, type ShippedCheckpoint } from '../io/checkpoint-sources';
import type { FamilyName } from '../models/family';
import { ModelSlot } from '../models/model-cache';
import { field, h, numberInput, readNumber, select, setOptions } from '../ui/dom';
import { showImages } from '../ui/image-canvas';
import type { Progress } from '../ui/progress';

export class ExploreTab {
  readonly element: HTMLElement;
  readonly slot = new ModelSlot();
  private choices: CheckpointChoice[] = [];
  private readonly family = select('exp-family', [['gan', 'GAN'], ['vae', 'VAE']], 'gan');
  private readonly checkpoint = select('exp-checkpoint', []);
  private readonly seedA = numberInput('exp-seed-a', 1, 0, 2 ** 31 - 1);
  private readonly seedB = numberInput('exp-seed-b', 2, 0, 2 ** 31 - 1);
  private readonly frames = numberInput('exp-frames', 8, 2, 32);
  private readonly label = select('exp-class', Array.from({ length: 10 }, (_, k): [string, string] => [String(k), String(k)]), '0');
  private readonly truncation = h('input', { id: 'exp-truncation', type: 'range', min: 0.05, max: 3, step: 0.05, value: 3 });
  private readonly truncationValue = h('output', { id: 'exp-truncation-value' }, '3');
  private readonly run = h('button', { id: 'exp-run', class: 'primary' }, 'Interpolate');
  private readonly canvas = h('canvas', { id: 'exp-canvas', width: 1, height: 1 });
  private readonly truncationLabel: HTMLLabelElement;
  private rendering = false;
  private pending = false;

  constructor(
    private readonly progress: Progress,
    private readonly manifest: ShippedCheckpoint[],
  ) {
    this.truncationLabel = field('truncation τ', h('span', { class: 'range' }, this.truncation, this.truncationValue), 'GAN: latents clipped to ±τ; VAE: prior temperature');
    this.element = h(
      'section',
      { id: 'tab-explore', class: 'tab', hidden: true },
      h('div', { class: 'controls' }, field('family', this.family), field('checkpoint', this.checkpoint), field('seed A', this.seedA), field('seed B', this.seedB), field('frames', this.frames), field('class', this.label, 'conditional models'), this.truncationLabel),
      h('div', { class: 'buttons' }, this.run),
      h('figure', {}, this.canvas, h('figcaption', {}, 'from seed A (left) to seed B (right)')),
    );
    this.family.addEventListener('change', () => void this.refreshChoices());
    this.run.addEventListener('click', () => void this.render());
    this.truncation.addEventListener('input', () => {
      this.truncationValue.textContent = this.truncation.value;
      void this.render();
    });
  }

  async refreshChoices(): Promise<void> {
    this.choices = await checkpointChoices(this.family.value as FamilyName, this.manifest);
    setOptions(this.checkpoint, this.choices.map((c) => [c.id, c.label]));
    this.truncationLabel.querySelector('span')!.textContent = this.family.value === 'vae' ? 'temperature' : 'truncation τ';
  }

  /** Renders the walk; slider moves during a render coalesce into one more render. */
  async render(): Promise<void> {
    if (this.rendering) {
      this.pending = true;
      return;
    }
    this.rendering = true;
    try {
      do {
        this.pending = false;
        await this.renderOnce().catch(() => undefined);
        await nextFrame();
      } while (this.pending);
    } finally {
      this.rendering = false;
    }
  }

  private async renderOnce(): Promise<void> {
    const family = this.family.value as FamilyName;
    const choice = this.choices.find((c) => c.id === this.checkpoint.value) ?? this.choices[0];
    await this.progress.run(`interpolating (${family})`, async () => {
      const model = await this.slot.get(family, choice);
      const frames = readNumber(this.frames, 'frames');
      const images = await model.interpolate!({
        seedA: readNumber(this.seedA, 'seed A'),
        seedB: readNumber(this.seedB, 'seed B'),
        frames,
        truncation: Number(this.truncation.value),
        label: model.numClasses > 0 ? Number(this.label.value) : null,
      });
      try {
        await showImages(this.canvas, images, { columns: frames });
      } finally {
        images.dispose();
      }
      this.canvas.dataset.rendered = String(Number(this.canvas.dataset.rendered ?? 0) + 1);
      this.canvas.dataset.truncation = this.truncation.value;
    });
  }
}
