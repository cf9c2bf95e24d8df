// The replica module of data-parallel GAN training (trainGan with `workers` > 1): @gen/core's
// DataParallelTrainer imports it in the main thread and in every worker thread. Every replica
// builds what trainGan builds from the seed (generator, discriminator, GanTrainer with its rng
// stream, DataLoader over the training set, which arrives as typed arrays over
// SharedArrayBuffers). A phase computes GanTrainer's gradients over its rows of the global batch
// (discriminatorGradients / generatorGradients with `rows`): every draw is made for the whole
// batch, and the generator runs on the replica's rows with synchronised batch norm (statistics
// and their gradients exchanged with the other replicas through context.exchange) — or, with
// `splitGenerator: false`, on the whole batch in every replica — so each replica's rng stream
// and batch-norm statistics are those of single-thread training, and the size-weighted average
// of the shards' gradients is the one-thread gradient. Each critic step and the generator step
// is its own all-reduce; every replica applies the averaged update (Adam, WGAN clipping).
import * as tf from '@tensorflow/tfjs-core';
import { DataLoader, Generator, nn } from '@gen/core';
import type { ImageDataset, JsonValue, NamedTensors } from '@gen/core';
import type { Replica, ReplicaContext, Shard } from '@gen/core/node';
import { createDiscriminator, createGenerator } from '../checkpoint';
import { GanTrainer } from '../gan-trainer';
import type { BatchRows, GanTrainerOptions } from '../gan-trainer';
import type { GanConfig, GanDiscriminator, GanGenerator } from '../types';

/** The JSON every replica is built from (`ReplicaSpec.options`): trainGan's options that shape the math. */
export interface GanReplicaOptions {
  config: GanConfig;
  seed: number;
  batchSize: number;
  /** Each replica runs the generator on its own rows with synchronised batch norm (default true); false: on the whole batch in every replica. */
  splitGenerator?: boolean;
  /** GanTrainer's options without models, rng and schedule functions (numeric learning rates only). */
  trainer: Omit<GanTrainerOptions, 'generator' | 'discriminator' | 'rng' | 'lrG' | 'lrD'> & { lrG?: number; lrD?: number };
}

/** Phase names of a step: `criticSteps` critic updates, then one generator update. */
export const CRITIC_PHASE = 'critic';
export const GENERATOR_PHASE = 'generator';
/** State key of the trainer's rng (its JSON state as int32 character codes). */
export const RNG_KEY = 'rng/state';

/** What a GAN replica exposes besides the Replica contract (used in the main thread). */
export interface GanReplica extends Replica {
  generator: GanGenerator;
  discriminator: GanDiscriminator;
  trainer: GanTrainer;
  /** Replica 0: hands models and trainer to the caller, so the DataParallelTrainer's dispose() leaves them alive. */
  release(): void;
}

export function encodeRng(rng: Generator): tf.Tensor {
  const text = JSON.stringify(rng.getState());
  return tf.tensor1d(Array.from(text, (c) => c.charCodeAt(0)), 'int32');
}

function decodeRng(tensor: tf.Tensor): JsonValue {
  return JSON.parse(String.fromCharCode(...tensor.dataSync())) as JsonValue;
}

function trainables(module: { namedParameters(): Array<[string, tf.Variable]> }): Record<string, tf.Variable> {
  return Object.fromEntries(module.namedParameters().filter(([, variable]) => variable.trainable));
}

export function createReplica(options: unknown, context: ReplicaContext): GanReplica {
  const o = options as GanReplicaOptions;
  const dataset = context.data as ImageDataset;
  // As trainGan builds them: each from its own fork of the seed.
  const root = new Generator(o.seed);
  const generator = createGenerator(o.config.generator, root.fork('init/generator'));
  const discriminator = createDiscriminator(o.config.discriminator, root.fork('init/discriminator'));
  // The EMA of G lives in the main thread's replica only (trainGan updates it after each step).
  const trainer = new GanTrainer({ ...o.trainer, ...(context.replicaIndex > 0 ? { ema: false } : {}), generator, discriminator, rng: root.fork('train') });
  const loader = new DataLoader(dataset, { batchSize: o.batchSize, generator: root.fork('data'), range: [-1, 1], dropLast: true });
  const conditional = generator.numClasses > 0 || discriminator.numClasses > 0;
  const groups = { generator: trainables(generator), discriminator: trainables(discriminator) };
  const exchange = o.splitGenerator === false ? undefined : context.exchange;
  const rows = (shard: Shard): BatchRows => ({
    start: shard.start,
    end: shard.end,
    ...(exchange ? { synchronizeBatchNorm: <T>(forward: () => T) => nn.withCrossReplicaBatchNorm(generator, exchange, forward) } : {}),
  });
  let released = false;
  return {
    groups,
    optimizers: {
      discriminator: { step: (_params, grads) => trainer.applyDiscriminator(grads) },
      generator: { step: (params, grads) => tf.tidy(() => trainer.optimizerG.step(params, grads)) },
    },
    phases: {
      [CRITIC_PHASE]: {
        group: 'discriminator',
        // shard.step: the index of the real batch (step · criticSteps + k, as trainGan reads them).
        run: (shard) => {
          const batch = loader.batchAt(shard.step);
          try {
            if (batch.indices.length !== shard.globalBatchSize) {
              throw new Error(`gan replica: batch ${shard.step} has ${batch.indices.length} images, the trainer asked for a global batch of ${shard.globalBatchSize}`);
            }
            const { value, grads } = trainer.discriminatorGradients({ images: batch.images, labels: conditional ? batch.labels : undefined }, rows(shard));
            return { grads, losses: { loss: value } };
          } finally {
            tf.dispose([batch.images, batch.labels]);
          }
        },
      },
      [GENERATOR_PHASE]: {
        group: 'generator',
        run: (shard) => {
          const { value, grads } = trainer.generatorGradients(shard.globalBatchSize, rows(shard));
          return { grads, losses: { loss: value } };
        },
      },
    },
    stateDict(): NamedTensors {
      const state: NamedTensors = {};
      const add = (prefix: string, part: NamedTensors) => {
        for (const [name, tensor] of Object.entries(part)) state[`${prefix}/${name}`] = tensor;
      };
      add('generator', generator.stateDict());
      add('discriminator', discriminator.stateDict());
      add('optimizerG', trainer.optimizerG.stateDict());
      add('optimizerD', trainer.optimizerD.stateDict());
      return state;
    },
    loadStateDict(state: NamedTensors): void {
      const part = (prefix: string) =>
        Object.fromEntries(Object.entries(state).filter(([name]) => name.startsWith(`${prefix}/`)).map(([name, tensor]) => [name.slice(prefix.length + 1), tensor]));
      generator.loadStateDict(part('generator'));
      discriminator.loadStateDict(part('discriminator'));
      trainer.optimizerG.loadStateDict(part('optimizerG'));
      trainer.optimizerD.loadStateDict(part('optimizerD'));
      if (state[RNG_KEY] !== undefined) trainer.rng.setState(decodeRng(state[RNG_KEY]) as never);
    },
    generator,
    discriminator,
    trainer,
    release() {
      released = true;
    },
    dispose() {
      if (released) return;
      trainer.dispose();
      generator.dispose();
      discriminator.dispose();
    },
  };
}
