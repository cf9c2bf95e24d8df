import * as tf from '@tensorflow/tfjs-core';
import { ParamFactory, uniqueName } from './params';

export interface BenchDcganOptions {
  /** Images per step. */
  batch: number;
  /** Latent size (100, as in Radford et al. 2016). */
  latent?: number;
  /** Widths [c0, c1] (default [64, 128]): generator 7·7·c0 → c0/2 → 1, critic 1 → c0 → c1. */
  channels?: [number, number];
  seed?: number;
}

/**
 * The bench's DCGAN on 28×28×1, written with raw tf ops (mirrored line by line in
 * scripts/bench/torch_bench.py):
 * - generator: dense latent→7·7·64 + ReLU, 5×5 stride-2 transposed conv 64→32 + ReLU
 *   (14×14), 5×5 stride-2 transposed conv 32→1 + tanh (28×28);
 * - critic: 5×5 stride-2 conv 1→64 + LeakyReLU(0.2) (14×14), 5×5 stride-2 conv 64→128 +
 *   LeakyReLU(0.2) (7×7), dense 7·7·128→1;
 *   (widths [64, 128] by default; `channels` scales them for tiny test configs);
 * - a training step is one critic and one generator Adam update with the
 *   non-saturating loss (softplus form).
 */
export class BenchDcgan {
  readonly batch: number;
  readonly latent: number;
  readonly channels: [number, number];
  private readonly g: ParamFactory;
  private readonly d: ParamFactory;
  private readonly gw: Record<string, tf.Variable>;
  private readonly dw: Record<string, tf.Variable>;
  private readonly gOptimizer: tf.Optimizer;
  private readonly dOptimizer: tf.Optimizer;

  constructor({ batch, latent = 100, channels = [64, 128], seed = 0 }: BenchDcganOptions) {
    const [c0, c1] = channels;
    const half = c0 / 2;
    this.channels = channels;
    this.batch = batch;
    this.latent = latent;
    this.g = new ParamFactory(seed);
    this.d = new ParamFactory(seed + 1000);
    const g = this.g;
    const d = this.d;
    this.gw = {
      denseW: g.weight(uniqueName('g_dense_w'), [latent, 7 * 7 * c0], latent),
      denseB: g.constant(uniqueName('g_dense_b'), [7 * 7 * c0], 0),
      // conv2dTranspose filters are [height, width, outChannels, inChannels].
      up1W: g.weight(uniqueName('g_up1_w'), [5, 5, half, c0], c0 * 25),
      up1B: g.constant(uniqueName('g_up1_b'), [half], 0),
      up2W: g.weight(uniqueName('g_up2_w'), [5, 5, 1, half], half * 25),
      up2B: g.constant(uniqueName('g_up2_b'), [1], 0),
    };
    this.dw = {
      conv1W: d.weight(uniqueName('d_conv1_w'), [5, 5, 1, c0], 25),
      conv1B: d.constant(uniqueName('d_conv1_b'), [c0], 0),
      conv2W: d.weight(uniqueName('d_conv2_w'), [5, 5, c0, c1], c0 * 25),
      conv2B: d.constant(uniqueName('d_conv2_b'), [c1], 0),
      denseW: d.weight(uniqueName('d_dense_w'), [7 * 7 * c1, 1], 7 * 7 * c1),
      denseB: d.constant(uniqueName('d_dense_b'), [1], 0),
    };
    // Adam(2e-4, β1 = 0.5) as in the DCGAN paper; ε matches PyTorch's default.
    this.gOptimizer = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
    this.dOptimizer = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  }

  /** z [B, latent] → images [B, 28, 28, 1] in [-1, 1]. */
  generate(z: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const { denseW, denseB, up1W, up1B, up2W, up2B } = this.gw;
      const batch = z.shape[0];
      const [c0] = this.channels;
      let h = tf.reshape(tf.relu(tf.add(tf.matMul(z, denseW), denseB)), [batch, 7, 7, c0]) as tf.Tensor4D;
      h = tf.relu(tf.add(tf.conv2dTranspose(h, up1W as tf.Tensor4D, [batch, 14, 14, c0 / 2], 2, 'same'), up1B)) as tf.Tensor4D;
      return tf.tanh(tf.add(tf.conv2dTranspose(h, up2W as tf.Tensor4D, [batch, 28, 28, 1], 2, 'same'), up2B)) as tf.Tensor4D;
    });
  }

  /** images [B, 28, 28, 1] → logits [B, 1]. */
  critic(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const { conv1W, conv1B, conv2W, conv2B, denseW, denseB } = this.dw;
      let h = tf.leakyRelu(tf.add(tf.conv2d(x, conv1W as tf.Tensor4D, 2, 'same'), conv1B), 0.2) as tf.Tensor4D;
      h = tf.leakyRelu(tf.add(tf.conv2d(h, conv2W as tf.Tensor4D, 2, 'same'), conv2B), 0.2) as tf.Tensor4D;
      return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], 7 * 7 * this.channels[1]]), denseW), denseB) as tf.Tensor2D;
    });
  }

  /**
   * One critic update then one generator update. Returns both losses (scalars, not yet
   * read: the caller awaits `data()` so the timing includes the work).
   */
  trainStep(real: tf.Tensor4D, z: tf.Tensor2D): { criticLoss: tf.Scalar; generatorLoss: tf.Scalar } {
    // 1. critic: softplus(-D(x)) + softplus(D(G(z))); G's output is a constant here (detached).
    const fake = this.generate(z);
    const criticLoss = this.dOptimizer.minimize(
      () => tf.add(tf.mean(tf.softplus(tf.neg(this.critic(real)))), tf.mean(tf.softplus(this.critic(fake)))) as tf.Scalar,
      true,
      this.d.variables,
    ) as tf.Scalar;
    fake.dispose();
    // 2. generator: non-saturating loss softplus(-D(G(z))), gradients to G only.
    const generatorLoss = this.gOptimizer.minimize(
      () => tf.mean(tf.softplus(tf.neg(this.critic(this.generate(z))))) as tf.Scalar,
      true,
      this.g.variables,
    ) as tf.Scalar;
    return { criticLoss, generatorLoss };
  }

  dispose(): void {
    this.gOptimizer.dispose();
    this.dOptimizer.dispose();
    this.g.dispose();
    this.d.dispose();
  }
}
