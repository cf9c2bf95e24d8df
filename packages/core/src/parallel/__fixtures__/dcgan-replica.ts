// Benchmark replica: the DCGAN of issue 3 (MNIST-sized) with nn layers, two phases
// (critic update, then generator update), non-saturating losses, Adam(2e-4, β₁ 0.5).
// Generator: dense 100 → 7·7·64, 5×5 stride-2 transposed convs 64 → 32 → 1, tanh.
// Critic: 5×5 stride-2 convs 1 → 64 → 128, dense 6272 → 1. LeakyReLU(0.2) throughout.
// "Real" images are noise drawn per step (no dataset needed for timing): what matters is
// that every replica can rebuild the step's global batch from (seed, step) alone.
import * as tf from '@tensorflow/tfjs-core';
import { Adam, Generator, nn } from '@gen/core';
import type { JsonValue } from '@gen/core';
import { gradientsOf, sliceShard } from '../replica-helpers';
import type { Replica, Shard } from '../types';

const LATENT = 100;

class DcganGenerator extends nn.Module {
  readonly fc: nn.Linear;
  readonly up1: nn.ConvTranspose2d;
  readonly up2: nn.ConvTranspose2d;
  constructor(generator: Generator) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear({ inFeatures: LATENT, outFeatures: 7 * 7 * 64, generator }));
    const up = { kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, generator };
    this.up1 = this.registerModule('up1', new nn.ConvTranspose2d({ inChannels: 64, outChannels: 32, ...up }));
    this.up2 = this.registerModule('up2', new nn.ConvTranspose2d({ inChannels: 32, outChannels: 1, ...up }));
  }
  forward(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.reshape(tf.leakyRelu(this.fc.forward(z), 0.2), [z.shape[0], 7, 7, 64]);
      return tf.tanh(this.up2.forward(tf.leakyRelu(this.up1.forward(h), 0.2)));
    });
  }
}

class DcganCritic extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly conv2: nn.Conv2d;
  readonly fc: nn.Linear;
  constructor(generator: Generator) {
    super();
    const down = { kernelSize: 5, stride: 2, padding: 'same' as const, activation: 'leakyRelu' as const, leakyReluAlpha: 0.2, generator };
    this.conv1 = this.registerModule('conv1', new nn.Conv2d({ inChannels: 1, outChannels: 64, ...down }));
    this.conv2 = this.registerModule('conv2', new nn.Conv2d({ inChannels: 64, outChannels: 128, ...down }));
    this.fc = this.registerModule('fc', new nn.Linear({ inFeatures: 7 * 7 * 128, outFeatures: 1, generator }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.forward(tf.reshape(this.conv2.forward(this.conv1.forward(x)), [x.shape[0], 7 * 7 * 128])));
  }
}

export function createReplica(json: JsonValue): Replica {
  const { seed = 0 } = (json ?? {}) as { seed?: number };
  const root = new Generator(seed);
  const generator = new DcganGenerator(root.fork('init/generator'));
  const critic = new DcganCritic(root.fork('init/critic'));
  const data = root.fork('data');
  const groups = {
    generator: Object.fromEntries(generator.namedParameters()),
    critic: Object.fromEntries(critic.namedParameters()),
  };
  const optimizers = {
    generator: new Adam({ learningRate: 2e-4, beta1: 0.5 }),
    critic: new Adam({ learningRate: 2e-4, beta1: 0.5 }),
  };
  const draw = (label: string, shape: number[], shard: Shard) =>
    tf.tidy(() => sliceShard(data.fork(`${label}:${shard.step}`).normal([shard.globalBatchSize, ...shape]), shard));

  return {
    groups,
    optimizers,
    phases: {
      critic: {
        group: 'critic',
        run: (shard) =>
          tf.tidy(() => {
            const real = tf.tanh(draw('real', [28, 28, 1], shard));
            const fake = generator.forward(draw('z-critic', [LATENT], shard));
            // Real and fake in one batch: one pass through the critic.
            const both = tf.concat([real, fake], 0);
            const n = real.shape[0];
            return gradientsOf(groups.critic, () => {
              const scores = critic.forward(both);
              const lossReal = tf.mean(tf.softplus(tf.neg(tf.slice(scores, [0, 0], [n, 1])))) as tf.Scalar;
              const lossFake = tf.mean(tf.softplus(tf.slice(scores, [n, 0], [n, 1]))) as tf.Scalar;
              return { loss: tf.add(lossReal, lossFake) as tf.Scalar, real: lossReal, fake: lossFake };
            });
          }),
      },
      generator: {
        group: 'generator',
        run: (shard) =>
          tf.tidy(() => {
            const z = draw('z-generator', [LATENT], shard);
            return gradientsOf(groups.generator, () => tf.mean(tf.softplus(tf.neg(critic.forward(generator.forward(z))))) as tf.Scalar);
          }),
      },
    },
    dispose() {
      generator.dispose();
      critic.dispose();
      optimizers.generator.dispose();
      optimizers.critic.dispose();
    },
  };
}
