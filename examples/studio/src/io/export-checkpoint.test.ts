import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from '@gen/core';
import { fileCheckpoint } from '@gen/core/node';
import { describeWithBackends } from '@gen/core/testing';
import { artifactsToFiles, CONFIG_FILE, WEIGHTS_FILE } from './export-checkpoint';

/** Captures the artifacts a save hands to its handler. */
function captured(): tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } = {
    async save(artifacts) {
      handler.artifacts = { ...artifacts };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
  return handler;
}

// Node-only (it compares with the folder handler's files); the studio's tests are not in the webgl leg.
describeWithBackends('artifactsToFiles', () => {
  it('writes byte for byte the folder that @gen/core/node writes, and it loads back', async () => {
    const a = tf.tensor2d([[1.5, -2], [3, 4]]);
    const b = tf.tensor1d([5, 6, 7], 'int32');
    const contents = { config: { family: 'vae', model: { kind: 'vae' } }, tensors: { 'model/a': a, 'model/b': b }, metadata: { trainLoop: { step: 12 } } };
    const memory = captured();
    await saveCheckpoint(memory, contents);
    const files = artifactsToFiles(memory.artifacts!);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-export-'));
    try {
      await saveCheckpoint(fileCheckpoint(path.join(dir, 'ckpt')), contents);
      expect(await files[CONFIG_FILE].text()).toBe(readFileSync(path.join(dir, 'ckpt', CONFIG_FILE), 'utf8'));
      expect(Buffer.from(await files[WEIGHTS_FILE].arrayBuffer()).equals(readFileSync(path.join(dir, 'ckpt', WEIGHTS_FILE)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The files load (format, sizes and CRC-32 checked) into the same tensors.
    const json = JSON.parse(await files[CONFIG_FILE].text());
    const loaded = await loadCheckpoint({
      load: async () => ({ ...json, weightSpecs: json.weightsManifest[0].weights, weightData: await files[WEIGHTS_FILE].arrayBuffer() }),
    });
    expect(loaded.metadata).toEqual({ trainLoop: { step: 12 } });
    expect(Array.from(await loaded.tensors['model/a'].data())).toEqual([1.5, -2, 3, 4]);
    expect(Array.from(await loaded.tensors['model/b'].data())).toEqual([5, 6, 7]);
    tf.dispose([a, b, ...Object.values(loaded.tensors)]);
  });
});
