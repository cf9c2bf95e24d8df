// Exports a checkpoint kept in IndexedDB as the files of a checkpoint folder, exactly as
// @gen/core/node's folder handler writes them (and the CLI reads them): config.json (the
// tfjs model.json layout with our header) and weights.bin.
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint } from '@gen/core';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface CheckpointFiles {
  [CONFIG_FILE]: Blob;
  [WEIGHTS_FILE]: Blob;
}

function joinWeights(data: tf.io.WeightData | undefined): ArrayBuffer {
  const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const out = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out.buffer;
}

/** The folder files of tf.io ModelArtifacts in @gen/core's checkpoint format. */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts): CheckpointFiles {
  const modelJson = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  return {
    [CONFIG_FILE]: new Blob([`${JSON.stringify(modelJson, null, 1)}\n`], { type: 'application/json' }),
    [WEIGHTS_FILE]: new Blob([joinWeights(artifacts.weightData)], { type: 'application/octet-stream' }),
  };
}

/**
 * Reads the checkpoint at `url` (e.g. 'indexeddb://…'), verifies it with loadCheckpoint (format,
 * sizes, CRC-32 of every tensor) and returns its folder files.
 */
export async function exportCheckpoint(url: string): Promise<CheckpointFiles> {
  const [handler] = tf.io.getLoadHandlers(url);
  if (!handler?.load) throw new Error(`no tf.io load handler for ${url}`);
  const artifacts = await handler.load();
  const verified = await loadCheckpoint({ load: async () => artifacts });
  tf.dispose(Object.values(verified.tensors));
  return artifactsToFiles(artifacts);
}

/** Starts a browser download of `blob` as `filename`. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
