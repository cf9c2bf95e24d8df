// The GAN family in the studio: an untrained conditional generator, or one loaded with loadGan.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, interpolateLatents } from '@gen/core';
import { createGenerator, generate, ganConfig, loadGan, sampleLatents, type GanGenerator } from '@gen/gan';
import { countParameters, type InterpolationRequest, type SampleRequest, type StudioModel } from './family';

/** The "untrained" GAN: a conditional generator for 28×28×1 with 10 classes, small widths. */
export function untrainedGanConfig() {
  return ganConfig({ height: 28, width: 28, channels: 1, numClasses: 10, architecture: 'conditional', latentDim: 32, generatorWidths: [32, 16, 8] });
}

/** Runs `generator` in evaluation mode on latents `[n, latentDim]`; images in [0, 1]. */
function render(generator: GanGenerator, latents: tf.Tensor2D, label: number | null): tf.Tensor4D {
  const wasTraining = generator.training;
  generator.eval();
  try {
    return tf.tidy(() => {
      const n = latents.shape[0];
      const labels = generator.numClasses > 0 ? tf.fill([n], label ?? 0, 'int32') as tf.Tensor1D : undefined;
      return tf.clipByValue(tf.mul(tf.add(generator.forward(latents, labels), 1), 0.5), 0, 1) as tf.Tensor4D;
    });
  } finally {
    generator.train(wasTraining);
  }
}

export class GanStudioModel implements StudioModel {
  readonly family = 'gan' as const;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly parameterCount: number;

  constructor(
    readonly generator: GanGenerator,
    readonly source: string,
    private readonly onDispose: () => void = () => generator.dispose(),
  ) {
    this.imageShape = generator.imageShape;
    this.numClasses = generator.numClasses;
    this.parameterCount = countParameters(generator);
  }

  static untrained(seed = 0): GanStudioModel {
    return new GanStudioModel(createGenerator(untrainedGanConfig().generator, new Generator(seed)), 'untrained');
  }

  /** Loads a GAN checkpoint (EMA weights when saved) from a tf.io handler or URL. */
  static async load(source: tf.io.IOHandler | string, name: string): Promise<GanStudioModel> {
    const loaded = await loadGan(source);
    return new GanStudioModel(loaded.generator, name, () => loaded.dispose());
  }

  async sample({ n, seed, label, truncation }: SampleRequest): Promise<tf.Tensor4D> {
    const labels = this.numClasses > 0 && label !== null ? label : undefined;
    return generate({ generator: this.generator, n, labels, truncation, rng: new Generator(seed) });
  }

  async interpolate({ seedA, seedB, frames, truncation, label }: InterpolationRequest): Promise<tf.Tensor4D> {
    const { latentDim } = this.generator;
    const a = sampleLatents({ n: 1, latentDim, truncation, rng: new Generator(seedA) });
    const b = sampleLatents({ n: 1, latentDim, truncation, rng: new Generator(seedB) });
    const path = tf.tidy(() => interpolateLatents(tf.reshape(a, [-1]), tf.reshape(b, [-1]), { steps: frames, method: 'slerp' }) as tf.Tensor2D);
    try {
      return render(this.generator, path, this.numClasses > 0 ? (label ?? 0) : null);
    } finally {
      tf.dispose([a, b, path]);
    }
  }

  dispose(): void {
    this.onDispose();
  }
}
