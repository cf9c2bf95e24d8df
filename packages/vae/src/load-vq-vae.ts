// loadVqVae: a VQVAE from a checkpoint written by trainVqVae (the @gen/vae checkpoint layout:
// `config.model` with kind 'vq-vae', weights and quantizer state under `model/…`).
import type * as tf from '@tensorflow/tfjs-core';
import { loadModelCheckpoint } from './models';
import { VQVAE, type VQVAEConfig } from './vq-vae';

export interface LoadVqVaeOptions {
  /** A folder path (Node, after `import '@gen/core/node'`), a URL such as 'indexeddb://vq', or a tf.io handler. */
  source: string | tf.io.IOHandler;
}

/** Loads a VQVAE saved by `trainVqVae` (or `saveCheckpoint` with `config.model` and `model/…` tensors): `{ model, config, metadata }`. */
export async function loadVqVae({ source }: LoadVqVaeOptions): Promise<{ model: VQVAE; config: unknown; metadata: unknown }> {
  return loadModelCheckpoint(source, 'loadVqVae', (modelConfig) =>
    (modelConfig as { kind?: unknown }).kind === 'vq-vae' ? VQVAE.fromConfig(modelConfig as VQVAEConfig) : null,
  );
}
