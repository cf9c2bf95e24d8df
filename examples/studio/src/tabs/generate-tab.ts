// Generate: pick a family and a checkpoint, set seed / class / steps / scheduler / guidance /
// truncation (or, text-to-image, DALL·E and unCLIP, a prompt; unCLIP also variations of a
// reference image), watch diffusion denoise step by step, get a sample grid, download it as PNG.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import { nextFrame } from '../backend';
import { captionWordsOf, checkpointChoices, type CheckpointChoice, type ShippedCheckpoint } from '../io/checkpoint-sources';
import { download } from '../io/export-checkpoint';
import { SCHEDULER_NAMES } from '../models/diffusion-model';
import { FAMILIES, type FamilyName } from '../models/family';
import { ModelSlot } from '../models/model-cache';
import { examplePrompt } from '../models/text-model';
import { field, h, numberInput, readNumber, select, setOptions } from '../ui/dom';
import { canvasToPng, showImages } from '../ui/image-canvas';
import type { Progress } from '../ui/progress';
import { DalleControls } from './dalle-controls';
import { UnclipControls } from './unclip-controls';

const FAMILY_LABELS: Record<FamilyName, string> = { gan: 'GAN', vae: 'VAE', diffusion: 'Diffusion', text: 'Text-to-image', dalle: 'DALL·E transformer', unclip: 'unCLIP' };
/** The families sampled by a denoising loop (steps, scheduler, guidance, live preview, Stop). */
const DENOISING: readonly FamilyName[] = ['diffusion', 'text', 'unclip'];
/** The families without classes or truncation: a prompt (or a reference) says what to draw. */
const PROMPTED: readonly FamilyName[] = ['text', 'dalle', 'unclip'];
/** The guidance control's default for a checkpoint that records none (as `gen sample`'s). */
const DEFAULT_GUIDANCE = 3;
const GUIDANCE_HINT = 'classifier-free, 1 = none';
/** DALL·E guides its token logits (`gen sample dalle --guidance`). */
const TOKEN_GUIDANCE_HINT = 'classifier-free on the token logits, 1 = none';

export class GenerateTab {
  readonly element: HTMLElement;
  readonly slot = new ModelSlot();
  private choices: CheckpointChoice[] = [];
  private readonly family = select('gen-family', FAMILIES.map((f) => [f, FAMILY_LABELS[f]]), 'gan');
  private readonly checkpoint = select('gen-checkpoint', []);
  private readonly seed = numberInput('gen-seed', 1, 0, 2 ** 31 - 1);
  private readonly label = select('gen-class', [['none', 'any / none'], ...Array.from({ length: 10 }, (_, k): [string, string] => [String(k), String(k)])], 'none');
  private readonly count = numberInput('gen-count', 16, 1, 64);
  private readonly steps = numberInput('gen-steps', 20, 1, 1000);
  private readonly scheduler = select('gen-scheduler', SCHEDULER_NAMES.map((s) => [s, s]), 'ddim');
  private readonly guidance = numberInput('gen-guidance', DEFAULT_GUIDANCE, 0, 20, 0.5);
  private readonly truncation = numberInput('gen-truncation', 0, 0, 10, 0.05);
  private readonly prompt = h('input', { id: 'gen-prompt', type: 'text', value: '', size: 36, spellcheck: false, autocomplete: 'off' });
  /** One line under the controls: what is wrong with the prompt (the library's checkPrompt), else hidden. */
  private readonly promptError = h('p', { id: 'gen-prompt-error', class: 'error', role: 'alert', hidden: true });
  private readonly run = h('button', { id: 'gen-run', class: 'primary' }, 'Generate');
  private readonly stop = h('button', { id: 'gen-stop', disabled: true }, 'Stop');
  private readonly save = h('button', { id: 'gen-download', disabled: true }, 'Download PNG');
  private readonly preview = h('canvas', { id: 'gen-preview', width: 1, height: 1 });
  private readonly canvas = h('canvas', { id: 'gen-canvas', width: 1, height: 1 });
  private readonly info = h('p', { id: 'gen-info', class: 'info' });
  private readonly dalle = new DalleControls();
  private readonly unclip = new UnclipControls(() => this.showPromptField());
  /** Steps and scheduler (the guidance field is shown for DALL·E too). */
  private readonly diffusionFields: HTMLElement[];
  private readonly truncationField: HTMLLabelElement;
  private readonly guidanceField: HTMLLabelElement;
  private readonly labelField: HTMLLabelElement;
  private readonly promptField: HTMLLabelElement;
  /** The family/checkpoint whose defaults the controls hold (re-listing the same one keeps the user's edits). */
  private defaultsOf = '';
  private abort: AbortController | null = null;

  constructor(
    private readonly progress: Progress,
    private readonly manifest: ShippedCheckpoint[],
  ) {
    this.guidanceField = field('guidance scale', this.guidance, GUIDANCE_HINT);
    this.diffusionFields = [field('steps', this.steps), field('scheduler', this.scheduler)];
    this.truncationField = field('truncation τ', this.truncation, '0 = none');
    this.labelField = field('class', this.label);
    this.promptField = field('prompt', this.prompt, 'what to draw, in the words of the captions it was trained on');
    this.promptField.classList.add('prompt');
    this.element = h(
      'section',
      { id: 'tab-generate', class: 'tab' },
      h(
        'div',
        { class: 'controls' },
        field('family', this.family),
        field('checkpoint', this.checkpoint),
        ...this.unclip.fields,
        this.promptField,
        field('seed', this.seed),
        this.labelField,
        field('images', this.count),
        ...this.diffusionFields,
        this.guidanceField,
        ...this.dalle.fields,
        this.truncationField,
      ),
      this.promptError,
      h('div', { class: 'buttons' }, this.run, this.stop, this.save),
      this.info,
      h(
        'div',
        { class: 'canvases' },
        this.unclip.referenceFigure,
        h('figure', {}, this.canvas, h('figcaption', {}, 'samples')),
        h('figure', { id: 'gen-preview-figure' }, this.preview, h('figcaption', { id: 'gen-preview-caption' }, 'denoising preview (x̂₀ at each step)')),
      ),
    );
    this.family.addEventListener('change', () => void this.refreshChoices());
    this.checkpoint.addEventListener('change', () => this.applyCheckpointDefaults());
    this.run.addEventListener('click', () => void this.generate().catch(() => undefined));
    this.stop.addEventListener('click', () => this.abort?.abort());
    this.save.addEventListener('click', () => void this.downloadPng());
    this.prompt.addEventListener('input', () => this.showPromptError(null));
    this.prompt.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !this.run.disabled) void this.generate().catch(() => undefined);
    });
  }

  get selectedFamily(): FamilyName {
    return this.family.value as FamilyName;
  }

  /** Re-reads the checkpoint list (the Train tab may have saved a run) and shows the family's fields. */
  async refreshChoices(): Promise<void> {
    const family = this.selectedFamily;
    this.choices = await checkpointChoices(family, this.manifest);
    setOptions(this.checkpoint, this.choices.map((c) => [c.id, c.label]));
    const isDiffusion = DENOISING.includes(family);
    for (const f of this.diffusionFields) f.hidden = !isDiffusion;
    this.guidanceField.hidden = !isDiffusion && family !== 'dalle';
    this.truncationField.hidden = isDiffusion || family === 'dalle';
    this.labelField.hidden = PROMPTED.includes(family);
    this.dalle.show(family === 'dalle');
    this.unclip.show(family === 'unclip');
    this.showPromptField();
    this.showPromptError(null);
    this.truncationField.querySelector('span')!.textContent = family === 'vae' ? 'temperature' : 'truncation τ';
    this.truncationField.querySelector('small')!.textContent = family === 'vae' ? 'prior std, 0 = 1' : '0 = none';
    document.getElementById('gen-preview-figure')?.toggleAttribute('hidden', !isDiffusion);
    this.applyCheckpointDefaults();
  }

  /**
   * A newly picked checkpoint sets the guidance control to the scale it records
   * (`config.sampling.guidanceScale`, the measured best of a shipped model, as `gen sample` uses),
   * else to 3; a text-to-image, DALL·E or unCLIP one sets the prompt to an example in its
   * captions' words; DALL·E and unCLIP ones set their own controls (re-ranking, priors).
   */
  private applyCheckpointDefaults(): void {
    const choice = this.choices.find((c) => c.id === this.checkpoint.value);
    const key = `${this.selectedFamily}/${choice?.id ?? ''}`;
    if (key === this.defaultsOf) return;
    this.defaultsOf = key;
    const recorded = choice?.guidanceScale;
    this.guidance.value = String(recorded ?? DEFAULT_GUIDANCE);
    const hint = this.selectedFamily === 'dalle' ? TOKEN_GUIDANCE_HINT : GUIDANCE_HINT;
    this.guidanceField.querySelector('small')!.textContent = recorded === undefined ? hint : `${hint}; ${recorded} recorded by this checkpoint`;
    const words = captionWordsOf(choice);
    if (words) this.prompt.value = examplePrompt(words.classNames, words.attributes);
    if (this.selectedFamily === 'dalle') this.dalle.applyDefaults(choice?.dalle);
    if (this.selectedFamily === 'unclip') this.unclip.applyDefaults(choice?.unclip);
  }

  /** The prompt box: text-to-image, DALL·E, and unCLIP's text route. */
  private showPromptField(): void {
    const family = this.selectedFamily;
    this.promptField.hidden = !(family === 'text' || family === 'dalle' || (family === 'unclip' && this.unclip.usesPrompt));
  }

  /** Shows (or, with null, hides) the prompt's one-line error. */
  private showPromptError(message: string | null): void {
    this.promptError.textContent = message ?? '';
    this.promptError.hidden = message === null;
  }

  async generate(): Promise<void> {
    const family = this.selectedFamily;
    const choice = this.choices.find((c) => c.id === this.checkpoint.value) ?? this.choices[0];
    if (!choice) {
      this.progress.error(`no ${FAMILY_LABELS[family]} checkpoint is available (text-to-image, DALL·E and unCLIP need shipped models)`);
      return;
    }
    const variations = family === 'unclip' && this.unclip.selectedRoute === 'variations';
    const prompted = PROMPTED.includes(family) && !variations;
    const prompt = this.prompt.value;
    this.showPromptError(null);
    this.run.disabled = true;
    this.stop.disabled = !DENOISING.includes(family);
    this.abort = new AbortController();
    const t0 = performance.now();
    try {
      await this.progress.run(`generating with ${FAMILY_LABELS[family]} (${choice.label})`, async (report) => {
        const seed = readNumber(this.seed, 'seed');
        const n = readNumber(this.count, 'images');
        const steps = readNumber(this.steps, 'steps');
        const guidanceScale = readNumber(this.guidance, 'guidance scale');
        const t = readNumber(this.truncation, family === 'vae' ? 'temperature' : 'truncation');
        const tokenSampling = family === 'dalle' ? this.dalle.read() : undefined;
        const prior = family === 'unclip' && !variations ? this.unclip.readPrior() : undefined;
        const model = await this.slot.get(family, choice);
        // Prompted families: the library's prompt check (empty / too many tokens) before any step runs.
        const tokens = prompted && model.checkPrompt ? model.checkPrompt(prompt) : null;
        const label = PROMPTED.includes(family) || this.label.value === 'none' || model.numClasses === 0 ? null : Number(this.label.value);
        if (label !== null && label >= model.numClasses) throw new Error(`class (${label}) must be below the model's ${model.numClasses} classes`);
        const columns = Math.ceil(Math.sqrt(n));
        // unCLIP variations: the reference, read (and shown) before the first step; disposed after sampling.
        const reference = variations ? await this.unclip.readReference(model.imageShape) : null;
        report(0, DENOISING.includes(family) ? steps : 1);
        let images: tf.Tensor4D;
        try {
          await nextFrame();
          images = await model.sample({
            n,
            seed,
            label,
            truncation: t === 0 ? Infinity : t,
            steps,
            scheduler: this.scheduler.value,
            guidanceScale,
            ...(prompted ? { prompt } : {}),
            ...(tokenSampling ? { tokenSampling } : {}),
            ...(prior ? { prior } : {}),
            ...(reference ? { reference } : {}),
            signal: this.abort!.signal,
            onStep: async ({ step, totalSteps, images: preview }) => {
              await showImages(this.preview, preview, { columns, scale: 2 });
              this.preview.dataset.step = String(step + 1);
              report(step + 1, totalSteps, `step ${step + 1}/${totalSteps}`);
              await nextFrame();
            },
          });
        } finally {
          reference?.dispose();
        }
        try {
          await showImages(this.canvas, images, { columns });
        } finally {
          images.dispose();
        }
        const ms = Math.round(performance.now() - t0);
        this.canvas.dataset.seed = String(seed);
        this.canvas.dataset.family = family;
        if (prompted) this.canvas.dataset.prompt = prompt;
        else delete this.canvas.dataset.prompt;
        if (variations) this.canvas.dataset.reference = this.unclip.describeReference();
        else delete this.canvas.dataset.reference;
        this.canvas.dataset.rendered = String(Number(this.canvas.dataset.rendered ?? 0) + 1);
        const what = [
          label === null ? '' : ` · class ${label}`,
          prompted ? ` · ${JSON.stringify(prompt)}${tokens === null ? '' : ` (${tokens} tokens)`}` : '',
          tokenSampling && tokenSampling.candidates > 1 ? ` · CLIP-best ${n} of ${n * tokenSampling.candidates}` : '',
          prior ? ` · ${this.unclip.priorName()}` : '',
          variations ? ` · variations of ${this.unclip.describeReference()}` : '',
        ].join('');
        this.info.textContent = `${FAMILY_LABELS[family]} · ${model.source} · ${model.parameterCount.toLocaleString()} parameters · seed ${seed}${what} · ${ms} ms on ${tf.getBackend()}`;
        this.save.disabled = false;
      });
    } catch (error) {
      if (InvalidArgumentError.isInstance(error) && error.argument === 'prompt') this.showPromptError(error.message.split('\n')[0]);
      throw error;
    } finally {
      this.run.disabled = false;
      this.stop.disabled = true;
      this.abort = null;
    }
  }

  private async downloadPng(): Promise<void> {
    download(await canvasToPng(this.canvas), `gen-${this.canvas.dataset.family ?? 'samples'}-seed${this.canvas.dataset.seed ?? 0}.png`);
  }
}
