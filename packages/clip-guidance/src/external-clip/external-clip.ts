// A CLIP converted from an OpenAI / OpenCLIP checkpoint to tfjs, behind the interface of the
// CLIPs trained here (BaseClip): classify, clipScore, CLIP guidance and steering take either.
// The image tower gets our NHWC [0, 1] images (28×28 grayscale or any size, 1 or 3 channels)
// resized (bilinear) to its input size, grey repeated to RGB, normalised with the checkpoint's
// mean / std and laid out NCHW or NHWC; the text tower gets OpenAI-tokenised rows of 77 ids.
//
// Gradients: tf.grad flows through both a LayersModel's `apply` and a GraphModel's `execute`
// (the converter runs each node as an ordinary tfjs-core op, recorded on the tape), as long as
// every op on the way has a tfjs gradient; `checkImageGradients` verifies that once, so guidance
// fails with a one-line error instead of taking zero or missing gradients.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, restoreGenGradients } from '@gen/core';
import { BaseClip, checkTexts, type ClipImageShape, type EncodeTextOptions } from '../clip';
import { l2Normalize } from '../model/clip-model';
import type { OpenAiClipTokenizer } from '../tokenizer/openai-clip-tokenizer';
import { resolveExternalClipConfig, type ExternalClipConfig, type ExternalModelKind, type ResolvedExternalClipConfig } from './config';
import { towerOf, type ExternalTowerModel, type Tower } from './towers';

/** What `new ExternalClip(…)` takes: the parsed external-clip.json, both loaded towers and the tokenizer. */
export interface ExternalClipParts {
  /** external-clip.json (checked; defaults filled in). */
  config: ExternalClipConfig;
  /** The image tower: a tfjs-converter GraphModel or a tfjs-layers LayersModel. */
  image: ExternalTowerModel;
  /** The text tower: a GraphModel or a LayersModel. */
  text: ExternalTowerModel;
  /** OpenAI's tokenizer over the checkpoint's vocab.json / merges.txt (its contextLength and padId must match `config.text`). */
  tokenizer: OpenAiClipTokenizer;
}

function knownDim(value: number | null | undefined): value is number {
  return typeof value === 'number' && value > 0;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/**
 * A CLIP converted to tfjs (docs/models/external-clip.md): `loadExternalClip(dir)` from
 * `@gen/clip-guidance/node`, `loadExternalClip(url)` in a browser, or `new ExternalClip(parts)`
 * from already loaded towers. Owns both towers; `dispose()` frees them.
 *
 * ```ts
 * const clip = await loadExternalClip('models/clip-vit-b32');
 * const probs = clip.classify(images, ['a cat', 'a dog']);
 * ```
 */
export class ExternalClip extends BaseClip {
  /** external-clip.json with its defaults filled in. */
  readonly config: ResolvedExternalClipConfig;
  readonly tokenizer: OpenAiClipTokenizer;
  private readonly image: Tower;
  private readonly text: Tower;
  /** undefined: not checked yet; null: gradients flow; a string: why they do not. */
  private gradientProblem: string | null | undefined;

  constructor(parts: ExternalClipParts) {
    super();
    restoreGenGradients(); // towers come from tfjs-layers / tfjs-converter, whose import overwrites our gradients
    const { config, image, text, tokenizer } = parts ?? ({} as ExternalClipParts);
    this.config = resolveExternalClipConfig(config);
    const c = this.config;
    if (typeof tokenizer?.encodeBatch !== 'function' || typeof tokenizer.contextLength !== 'number') {
      throw new InvalidArgumentError('tokenizer', tokenizer, 'must be an OpenAiClipTokenizer (OpenAiClipTokenizer.fromFiles(vocab, merges))');
    }
    if (tokenizer.contextLength !== c.text.contextLength) throw new InvalidArgumentError('tokenizer.contextLength', tokenizer.contextLength, `must be text.contextLength (${c.text.contextLength})`);
    if (tokenizer.padId !== c.text.padId) throw new InvalidArgumentError('tokenizer.padId', tokenizer.padId, `must be text.padId (${c.text.padId})`);
    this.tokenizer = tokenizer;
    this.image = towerOf(image, { where: 'image', inputs: [{ argument: 'image.input', name: c.image.input }], output: { argument: 'image.output', name: c.image.output } });
    this.text = towerOf(text, {
      where: 'text',
      inputs: [
        { argument: 'text.input', name: c.text.input },
        { argument: 'text.mask', name: c.text.mask, optional: true },
      ],
      output: { argument: 'text.output', name: c.text.output },
    });
    this.checkTowerShapes();
  }

  /** Checks the declared input shapes of the towers against the config (free dimensions pass). */
  private checkTowerShapes(): void {
    const { size, layout } = this.config.image;
    const shape = this.image.inputShapes[0];
    if (shape) {
      const expected = layout === 'NCHW' ? [3, ...size] : [...size, 3];
      const given = shape.slice(1);
      const swapped = layout === 'NCHW' ? [...size, 3] : [3, ...size];
      const fits = (want: number[]) => given.length === 3 && want.every((d, i) => !knownDim(given[i]) || given[i] === d);
      if (!fits(expected)) {
        const argument = fits(swapped) ? 'image.layout' : 'image.size';
        const value = argument === 'image.layout' ? layout : this.config.image.size;
        throw new InvalidArgumentError(argument, value, `must match the image tower's input shape [${shape.map((d) => (knownDim(d) ? d : '?')).join(', ')}] (expected [?, ${expected.join(', ')}])`);
      }
    }
    const ids = this.text.inputShapes[0];
    if (ids && (ids.length !== 2 || (knownDim(ids[1]) && ids[1] !== this.config.text.contextLength))) {
      throw new InvalidArgumentError('text.contextLength', this.config.text.contextLength, `must match the text tower's input shape [${ids.map((d) => (knownDim(d) ? d : '?')).join(', ')}]`);
    }
  }

  /** Embedding width (`embedDim` of external-clip.json). */
  get embedDim(): number {
    return this.config.embedDim;
  }

  /** The image tower's input: its size, 3 channels. */
  get imageShape(): ClipImageShape {
    const [height, width] = this.config.image.size;
    return { height, width, channels: 3 };
  }

  /** How each tower was saved: `{ image: 'graph' | 'layers', text: … }`. */
  get towerKinds(): { image: ExternalModelKind; text: ExternalModelKind } {
    return { image: this.image.kind, text: this.text.kind };
  }

  /** The configured logit scale (external-clip.json `logitScale`). */
  logitScale(): tf.Scalar {
    return tf.scalar(this.config.logitScale);
  }

  /**
   * NHWC images in [0, 1] (any size, 1 or 3 channels) as the image tower takes them: resized
   * (bilinear) to `image.size`, grey repeated to RGB, (x − mean) / std, NCHW or NHWC.
   * Differentiable; the caller disposes.
   */
  preprocess(images: tf.Tensor): tf.Tensor4D {
    if (!(images instanceof tf.Tensor) || images.rank !== 4 || (images.shape[3] !== 1 && images.shape[3] !== 3) || images.shape[0] === 0 || images.dtype !== 'float32') {
      throw new InvalidArgumentError('images', images, 'must be a float32 NHWC tensor [batch ≥ 1, height, width, 1 or 3] in [0, 1]');
    }
    const { size, layout, mean, std } = this.config.image;
    return tf.tidy(() => {
      let x = images as tf.Tensor4D;
      if (x.shape[1] !== size[0] || x.shape[2] !== size[1]) x = tf.image.resizeBilinear(x, size);
      if (x.shape[3] === 1) x = tf.tile(x, [1, 1, 1, 3]);
      x = tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std));
      return layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x;
    });
  }

  private embeddings(output: tf.Tensor, tower: 'image' | 'text', n: number): tf.Tensor2D {
    if (output.rank !== 2 || output.shape[0] !== n || output.shape[1] !== this.embedDim) {
      throw new GenError(
        `ExternalClip: the ${tower} tower's output has shape [${output.shape.join(', ')}], expected [${n}, ${this.embedDim}] (${tower}.output must name the projected embedding, embedDim its width)`,
      );
    }
    return l2Normalize(output) as tf.Tensor2D;
  }

  /** L2-normalised image embeddings `[N, embedDim]` of NHWC images in [0, 1]. Differentiable in the images (see `checkImageGradients`). */
  encodeImage(images: tf.Tensor): tf.Tensor2D {
    const pixels = this.preprocess(images);
    try {
      return tf.tidy(() => this.embeddings(this.image.run([pixels]), 'image', images.shape[0]));
    } finally {
      pixels.dispose();
    }
  }

  /** L2-normalised text embeddings `[texts.length, embedDim]` (OpenAI tokenisation, rows of `text.contextLength`). Empty texts throw; over-long ones are truncated unless `truncate: false`. */
  encodeText(texts: readonly string[], options: EncodeTextOptions = {}): tf.Tensor2D {
    checkTexts(texts);
    const batch = this.tokenizer.encodeBatch(texts, { truncate: options.truncate ?? true });
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.n, batch.length], 'int32');
      const mask = tf.tensor2d(Int32Array.from(batch.mask), [batch.n, batch.length], 'int32');
      return this.embeddings(this.text.run([ids, mask]), 'text', batch.n);
    });
  }

  /**
   * Throws a one-line error (naming `argument`) unless tf.grad reaches the images through the
   * image tower with a non-zero gradient. Runs one backward pass on the first call, then
   * answers from memory. CLIP guidance and steering call it.
   */
  override checkImageGradients(argument = 'clip'): void {
    if (this.gradientProblem === undefined) this.gradientProblem = this.probeGradients();
    if (this.gradientProblem !== null) {
      throw new InvalidArgumentError(argument, `an ExternalClip with a ${this.image.kind} image tower`, `cannot give gradients w.r.t. images (${this.gradientProblem}); CLIP guidance and steering need them (classify, clipScore and encodeImage still work)`);
    }
  }

  private probeGradients(): string | null {
    const [height, width] = this.config.image.size;
    const images = tf.tidy(() => tf.add(0.5, tf.mul(0.1, tf.sin(tf.reshape(tf.range(0, height * width * 3, 1, 'float32'), [1, height, width, 3])))));
    try {
      const direction = tf.tidy(() => tf.cos(tf.range(0, this.embedDim, 1, 'float32')));
      let grad: tf.Tensor;
      try {
        grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(this.encodeImage(x), direction)))(images);
      } finally {
        direction.dispose();
      }
      const largest = tf.tidy(() => tf.max(tf.abs(grad)).dataSync()[0]);
      grad.dispose();
      if (!(largest > 0) || !Number.isFinite(largest)) return largest > 0 ? 'the gradient is not finite' : 'the gradient is zero: an op on the way has no useful gradient';
      return null;
    } catch (error) {
      return firstLine(error).replace(/\.$/, '');
    } finally {
      images.dispose();
    }
  }

  /** Frees both towers. */
  dispose(): void {
    this.image.dispose();
    this.text.dispose();
  }
}
