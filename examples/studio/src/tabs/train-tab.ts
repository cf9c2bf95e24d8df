// Train: a small GAN or VAE on a slice of MNIST, in this tab, with trainGan / trainVae (core's
// trainLoop): live loss plot, a sample grid that refreshes, pause (abort signal: a final
// checkpoint is written) and resume, checkpoints in IndexedDB (so a reload continues where it
// stopped), and export of the checkpoint as the files the CLI reads.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, type ImageDataset } from '@gen/core';
import { ganConfig, trainGan } from '@gen/gan';
import { createVaeModel, samplePrior, trainVae, type TrainableVae } from '@gen/vae';
import { nextFrame } from '../backend';
import { fetchMnistSlice } from '../data/mnist-slice';
import { browserRunExists, browserRunUrl } from '../io/checkpoint-sources';
import { download, exportCheckpoint, CONFIG_FILE, WEIGHTS_FILE } from '../io/export-checkpoint';
import type { FamilyName } from '../models/family';
import { UNTRAINED_VAE_CONFIG } from '../models/vae-model';
import { field, h, numberInput, readNumber, select } from '../ui/dom';
import { showImages } from '../ui/image-canvas';
import { LossPlot } from '../ui/loss-plot';
import type { Progress } from '../ui/progress';

type TrainFamily = Extract<FamilyName, 'gan' | 'vae'>;

/** The small DCGAN the tab trains (28×28×1). */
export function studioGanConfig() {
  return ganConfig({ height: 28, width: 28, channels: 1, architecture: 'dcgan', latentDim: 32, generatorWidths: [32, 16, 8], discriminatorWidths: [8, 16] });
}

/** What survives a reload besides the checkpoint: the loss curve and the run's settings. */
interface RunRecord {
  step: number;
  totalSteps: number;
  batchSize: number;
  losses: Record<string, Array<[number, number]>>;
}

const recordKey = (family: TrainFamily) => `gen-studio-train-${family}`;
function readRecord(family: TrainFamily): RunRecord | null {
  try {
    return JSON.parse(localStorage.getItem(recordKey(family)) ?? 'null') as RunRecord | null;
  } catch {
    return null;
  }
}

export class TrainTab {
  readonly element: HTMLElement;
  private readonly family = select('train-family', [['vae', 'VAE'], ['gan', 'GAN (DCGAN)']], 'vae');
  private readonly steps = numberInput('train-steps', 300, 1, 100_000);
  private readonly batchSize = numberInput('train-batch', 32, 1, 512);
  private readonly sampleEvery = numberInput('train-sample-every', 10, 1, 10_000);
  private readonly start = h('button', { id: 'train-start', class: 'primary' }, 'Start');
  private readonly pause = h('button', { id: 'train-pause', disabled: true }, 'Pause');
  private readonly exportButton = h('button', { id: 'train-export' }, 'Export checkpoint');
  private readonly discard = h('button', { id: 'train-discard' }, 'Discard saved run');
  private readonly status = h('p', { id: 'train-status', class: 'info' });
  private readonly lossCanvas = h('canvas', { id: 'train-loss', width: 520, height: 220 });
  private readonly samples = h('canvas', { id: 'train-samples', width: 1, height: 1 });
  private readonly plot = new LossPlot(this.lossCanvas);
  private dataset: ImageDataset | null = null;
  private abort: AbortController | null = null;
  private record: RunRecord | null = null;

  constructor(
    private readonly progress: Progress,
    /** Called after a checkpoint was written (other tabs reload that model). */
    private readonly onCheckpoint: (family: TrainFamily) => void,
  ) {
    this.element = h(
      'section',
      { id: 'tab-train', class: 'tab', hidden: true },
      h('div', { class: 'controls' }, field('model', this.family), field('total steps', this.steps), field('batch size', this.batchSize), field('samples every', this.sampleEvery, 'steps')),
      h('div', { class: 'buttons' }, this.start, this.pause, this.exportButton, this.discard),
      this.status,
      h('div', { class: 'canvases' }, h('figure', {}, this.lossCanvas, h('figcaption', {}, 'loss (nats per image for the VAE)')), h('figure', {}, this.samples, h('figcaption', {}, 'samples (fixed latents)'))),
    );
    this.family.addEventListener('change', () => void this.showSaved());
    this.start.addEventListener('click', () => void this.train().catch(() => undefined));
    this.pause.addEventListener('click', () => this.abort?.abort());
    this.exportButton.addEventListener('click', () => void this.exportRun().catch(() => undefined));
    this.discard.addEventListener('click', () => void this.discardRun());
  }

  /** The plotted losses by name, as [step, value] pairs (read by the end-to-end test). */
  lossPoints(): Record<string, Array<[number, number]>> {
    return this.plot.points();
  }

  private get selected(): TrainFamily {
    return this.family.value as TrainFamily;
  }

  /** Shows the saved run of the selected family (after a reload: "continue from step N"). */
  async showSaved(): Promise<void> {
    const family = this.selected;
    const saved = (await browserRunExists(browserRunUrl(family))) ? readRecord(family) : null;
    this.record = saved;
    this.plot.restore(saved?.losses ?? {});
    if (saved) {
      this.steps.value = String(saved.totalSteps);
      this.batchSize.value = String(saved.batchSize);
    }
    this.setStep(saved?.step ?? 0, saved?.totalSteps ?? Number(this.steps.value));
    this.start.textContent = saved ? (saved.step >= saved.totalSteps ? 'Continue (raise total steps)' : `Resume from step ${saved.step}`) : 'Start';
    this.status.textContent = saved ? `saved in this browser at step ${saved.step} of ${saved.totalSteps} (${browserRunUrl(family)})` : 'no saved run: Start trains from scratch';
    this.exportButton.disabled = !saved;
  }

  private setStep(step: number, total: number): void {
    this.status.dataset.step = String(step);
    this.status.dataset.total = String(total);
  }

  private save(family: TrainFamily, step: number, totalSteps: number, batchSize: number): void {
    this.record = { step, totalSteps, batchSize, losses: this.plot.points() };
    localStorage.setItem(recordKey(family), JSON.stringify(this.record));
  }

  async train(): Promise<void> {
    const family = this.selected;
    this.start.disabled = true;
    this.family.disabled = true;
    this.pause.disabled = false;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.status.dataset.state = 'running';
    try {
      await this.progress.run(`training the ${family.toUpperCase()}`, async (report) => {
        const totalSteps = readNumber(this.steps, 'total steps');
        const batchSize = readNumber(this.batchSize, 'batch size');
        const sampleEvery = readNumber(this.sampleEvery, 'samples every');
        this.dataset ??= await fetchMnistSlice();
        const dataset = this.dataset;
        if (batchSize > dataset.size) throw new Error(`batch size (${batchSize}) must not exceed the ${dataset.size} images`);
        const checkpointHandler = browserRunUrl(family);
        const resume = await browserRunExists(checkpointHandler);
        if (!resume) this.plot.clear();
        const checkpointEvery = Math.max(1, sampleEvery);
        const common = { dataset, steps: totalSteps, batchSize, seed: 0, checkpointHandler, checkpointEvery, resume, signal, logEvery: 1 };
        const onProgress = async ({ step, losses }: { step: number; losses: Record<string, number> }) => {
          this.plot.add(step, family === 'vae' ? { loss: losses.loss } : { discriminator: losses.discriminator, generator: losses.generator });
          this.setStep(step, totalSteps);
          const shown = Object.entries(this.plot.points()).map(([name, points]) => `${name} ${points[points.length - 1]?.[1].toFixed(3)}`);
          report(step, totalSteps, shown.join(', '));
          if (step % checkpointEvery === 0 || step === totalSteps) this.save(family, step, totalSteps, batchSize);
          await nextFrame();
        };
        const gridSeed = new Generator(7);
        if (family === 'gan') {
          const run = await trainGan({
            ...common,
            config: studioGanConfig(),
            onProgress,
            samples: { every: sampleEvery, n: 16, onSamples: ({ images }) => showImages(this.samples, images, { columns: 4, scale: 2 }) },
          });
          try {
            this.status.textContent = `${run.summary.stoppedBy} at step ${run.summary.steps} of ${totalSteps}${run.summary.message ? ` — ${run.summary.message}` : ''}`;
            this.save(family, run.summary.steps, totalSteps, batchSize);
          } finally {
            run.dispose();
          }
        } else {
          const model = createVaeModel(UNTRAINED_VAE_CONFIG, new Generator(0)) as TrainableVae;
          const showVaeSamples = async () => {
            const images = tf.tidy(() => samplePrior({ model, count: 16, generator: gridSeed.fork('grid') }) as tf.Tensor4D);
            try {
              await showImages(this.samples, images, { columns: 4, scale: 2 });
            } finally {
              images.dispose();
            }
          };
          try {
            const result = await trainVae({
              ...common,
              model,
              lr: 2e-3,
              onProgress: async (event) => {
                await onProgress(event);
                if (event.step % sampleEvery === 0) await showVaeSamples();
              },
            });
            result.optimizer.dispose();
            await showVaeSamples();
            this.status.textContent = `${result.summary.stoppedBy} at step ${result.summary.steps} of ${totalSteps}${result.summary.message ? ` — ${result.summary.message}` : ''}`;
            this.save(family, result.summary.steps, totalSteps, batchSize);
          } finally {
            model.dispose();
          }
        }
        this.onCheckpoint(family);
      });
    } finally {
      this.abort = null;
      this.pause.disabled = true;
      this.start.disabled = false;
      this.family.disabled = false;
      const text = this.status.textContent;
      await this.showSaved();
      this.status.textContent = `${text} · ${this.status.textContent}`;
      this.status.dataset.state = 'idle';
    }
  }

  async exportRun(): Promise<void> {
    const family = this.selected;
    await this.progress.run('exporting the checkpoint', async () => {
      const files = await exportCheckpoint(browserRunUrl(family));
      // The two files of one checkpoint folder: put them in a folder and pass it to `gen sample`.
      download(files[CONFIG_FILE], CONFIG_FILE);
      await new Promise((resolve) => setTimeout(resolve, 300));
      download(files[WEIGHTS_FILE], WEIGHTS_FILE);
    });
  }

  async discardRun(): Promise<void> {
    const family = this.selected;
    if (await browserRunExists(browserRunUrl(family))) await tf.io.removeModel(browserRunUrl(family));
    localStorage.removeItem(recordKey(family));
    this.onCheckpoint(family);
    await this.showSaved();
  }
}
