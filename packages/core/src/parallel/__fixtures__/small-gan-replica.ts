// Test replica: a tiny two-phase GAN on 8×8×1 images (generator 16 → 4·4·16 → convT → conv;
// critic conv → linear), with GroupNorm, BatchNorm or no normalisation. Data and noise of
// step s are drawn for the whole global batch from `fork('…:' + s)` and sliced.
import * as tf from '@tensorflow/tfjs-core';
import { Adam, Generator, nn } from '@gen/core';
import type { JsonValue } from '@gen/core';
import { gradientsOf, sliceShard } from '../replica-helpers';
import type { Replica, ReplicaContext, Shard } from '../types';

const LATENT = 16;

interface Options {
  seed: number;
  norm?: 'group' | 'batch' | 'none';
  learningRate?: number;
  /** 'adam' (default) or plain SGD (θ ← θ − lr·g), whose update is linear in the gradient. */
  optimizer?: 'adam' | 'sgd';
  /** BatchNorm over every replica's rows (nn.withCrossReplicaBatchNorm with context.exchange). */
  syncBatchNorm?: boolean;
  /** Test of the exchange timeout: replica `replica` skips the cross-replica batch norm. */
  unsyncedIn?: number;
  /** Throw from the phase in replica `replica` at step `step`. */
  throwAt?: { replica: number; step: number };
  /** Throw from the factory in replica `replica`. */
  failBuildIn?: number;
  /** Test of the start check: replica `replica` initialises from seed + 1. */
  otherSeedIn?: number;
  /** Test of checkEvery: replica `replica` uses a learning rate 1.001× larger. */
  otherLearningRateIn?: number;
}

type Norm = nn.GroupNorm | nn.BatchNorm;

function norm(kind: Options['norm'], channels: number): Norm | null {
  if (kind === 'group') return new nn.GroupNorm({ numGroups: 4, numChannels: channels });
  if (kind === 'batch') return new nn.BatchNorm({ numFeatures: channels });
  return null;
}

class SmallGenerator extends nn.Module {
  readonly fc: nn.Linear;
  readonly up: nn.ConvTranspose2d;
  readonly norm: Norm | null;
  readonly out: nn.Conv2d;
  constructor(generator: Generator, kind: Options['norm']) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear({ inFeatures: LATENT, outFeatures: 4 * 4 * 16, generator }));
    this.up = this.registerModule('up', new nn.ConvTranspose2d({ inChannels: 16, outChannels: 8, kernelSize: 4, stride: 2, padding: 1, generator }));
    const n = norm(kind, 8);
    this.norm = n ? this.registerModule('norm', n) : null;
    this.out = this.registerModule('out', new nn.Conv2d({ inChannels: 8, outChannels: 1, kernelSize: 3, padding: 1, generator }));
  }
  forward(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.reshape(nn.leakyRelu(this.fc.forward(z), 0.2), [z.shape[0], 4, 4, 16]);
      let u = this.up.forward(h);
      if (this.norm) u = this.norm.forward(u);
      return tf.tanh(this.out.forward(nn.leakyRelu(u, 0.2)));
    });
  }
}

class SmallCritic extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly norm: Norm | null;
  readonly fc: nn.Linear;
  constructor(generator: Generator, kind: Options['norm']) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, generator }));
    const n = norm(kind, 8);
    this.norm = n ? this.registerModule('norm', n) : null;
    this.fc = this.registerModule('fc', new nn.Linear({ inFeatures: 4 * 4 * 8, outFeatures: 1, generator }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.conv.forward(x);
      if (this.norm) h = this.norm.forward(h);
      return this.fc.forward(tf.reshape(nn.leakyRelu(h, 0.2), [x.shape[0], 4 * 4 * 8]));
    });
  }
}

class Sgd {
  constructor(readonly learningRate: number) {}
  step(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    for (const [name, grad] of Object.entries(grads)) {
      tf.tidy(() => params[name].assign(tf.sub(params[name], tf.mul(grad, this.learningRate))));
    }
  }
  dispose(): void {}
}

const trainable = (module: nn.Module) => Object.fromEntries(module.namedParameters());

export function createReplica(json: JsonValue, context: ReplicaContext): Replica {
  const options = json as unknown as Options;
  if (options.failBuildIn === context.replicaIndex) throw new Error(`replica ${context.replicaIndex} refuses to build`);
  const root = new Generator(options.seed + (options.otherSeedIn === context.replicaIndex ? 1 : 0));
  const generator = new SmallGenerator(root.fork('init/generator'), options.norm ?? 'group');
  const critic = new SmallCritic(root.fork('init/critic'), options.norm ?? 'group');
  const data = root.fork('data');
  const groups = { generator: trainable(generator), critic: trainable(critic) };
  const lr = (options.learningRate ?? 1e-3) * (options.otherLearningRateIn === context.replicaIndex ? 1.001 : 1);
  const makeOptimizer = () => (options.optimizer === 'sgd' ? new Sgd(lr) : new Adam({ learningRate: lr, beta1: 0.5 }));
  const optimizers = { generator: makeOptimizer(), critic: makeOptimizer() };

  // Synchronised batch norm: each replica runs its rows, statistics over all replicas' rows.
  const exchange = options.syncBatchNorm && options.unsyncedIn !== context.replicaIndex ? context.exchange : undefined;
  const synced = <T>(model: nn.Module, fn: () => T): T => (exchange ? nn.withCrossReplicaBatchNorm(model, exchange, fn) : fn());
  const maybeThrow = (shard: Shard) => {
    if (options.throwAt && options.throwAt.replica === context.replicaIndex && options.throwAt.step === shard.step) {
      throw new Error(`boom in replica ${context.replicaIndex} at step ${shard.step}`);
    }
  };
  // "Real" images of step s: a fixed function of (seed, s, index), drawn for the whole batch.
  const realShard = (shard: Shard) =>
    tf.tidy(() => sliceShard(tf.tanh(data.fork(`real:${shard.step}`).normal([shard.globalBatchSize, 8, 8, 1])), shard));
  const noiseShard = (label: string, shard: Shard) =>
    tf.tidy(() => sliceShard(data.fork(`${label}:${shard.step}`).normal([shard.globalBatchSize, LATENT]), shard));

  return {
    groups,
    optimizers,
    phases: {
      critic: {
        group: 'critic',
        run(shard) {
          maybeThrow(shard);
          return tf.tidy(() => {
            const real = realShard(shard);
            const fake = synced(generator, () => generator.forward(noiseShard('z-critic', shard)));
            return gradientsOf(groups.critic, () => {
              const lossReal = tf.mean(tf.softplus(tf.neg(synced(critic, () => critic.forward(real))))) as tf.Scalar;
              const lossFake = tf.mean(tf.softplus(synced(critic, () => critic.forward(fake)))) as tf.Scalar;
              return { loss: tf.add(lossReal, lossFake) as tf.Scalar, real: lossReal, fake: lossFake };
            });
          });
        },
      },
      generator: {
        group: 'generator',
        run(shard) {
          maybeThrow(shard);
          return tf.tidy(() => {
            const z = noiseShard('z-generator', shard);
            return gradientsOf(
              groups.generator,
              () => tf.mean(tf.softplus(tf.neg(synced(critic, () => critic.forward(synced(generator, () => generator.forward(z))))))) as tf.Scalar,
            );
          });
        },
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
