// The VAE family in the studio: an untrained VAE, or one loaded with loadVaeModel.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { createVaeModel, interpolate, loadVaeModel, samplePrior, type PartialVaeFamilyConfig, type VaeFamilyModel } from '@gen/vae';
import { countParameters, type InterpolationRequest, type SampleRequest, type StudioModel } from './family';

/** The "untrained" VAE: 28×28×1, latent 16, small convolutions. */
export const UNTRAINED_VAE_CONFIG: PartialVaeFamilyConfig = { kind: 'vae', latentDim: 16, widths: [8, 16], hiddenDim: 64 };

export class VaeStudioModel implements StudioModel {
  readonly family = 'vae' as const;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly parameterCount: number;

  constructor(
    readonly model: VaeFamilyModel,
    readonly source: string,
  ) {
    const [h, w, c] = model.imageShape;
    this.imageShape = [h, w, c];
    this.numClasses = model.numClasses;
    this.parameterCount = countParameters(model);
  }

  static untrained(seed = 0): VaeStudioModel {
    return new VaeStudioModel(createVaeModel(UNTRAINED_VAE_CONFIG, new Generator(seed)), 'untrained');
  }

  static async load(source: tf.io.IOHandler | string, name: string): Promise<VaeStudioModel> {
    const { model } = await loadVaeModel({ source });
    return new VaeStudioModel(model, name);
  }

  private labels(n: number, label: number | null): tf.Tensor1D | undefined {
    return this.numClasses > 0 ? tf.fill([n], label ?? 0, 'int32') : undefined;
  }

  /** `truncation` is the prior's temperature here (1 = N(0, I)); images are the decoder means. */
  async sample({ n, seed, label, truncation }: SampleRequest): Promise<tf.Tensor4D> {
    const labels = this.labels(n, label);
    try {
      const temperature = Number.isFinite(truncation) ? truncation : 1;
      return tf.tidy(() => tf.clipByValue(samplePrior({ model: this.model, count: n, generator: new Generator(seed), labels, temperature }), 0, 1) as tf.Tensor4D);
    } finally {
      labels?.dispose();
    }
  }

  async interpolate({ seedA, seedB, frames, truncation, label }: InterpolationRequest): Promise<tf.Tensor4D> {
    const temperature = Number.isFinite(truncation) ? truncation : 1;
    const shape = [1, ...this.model.latentShape];
    const fromLatents = new Generator(seedA).normal(shape, { std: temperature });
    const toLatents = new Generator(seedB).normal(shape, { std: temperature });
    const labels = this.labels(1, label);
    try {
      const raw = await interpolate({ model: this.model, fromLatents, toLatents, labels, steps: frames, method: 'slerp' });
      const clipped = tf.clipByValue(raw, 0, 1) as tf.Tensor4D;
      raw.dispose();
      return clipped;
    } finally {
      tf.dispose([fromLatents, toLatents, ...(labels ? [labels] : [])]);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
