// A tf.io handler that keeps saved artifacts in memory, for save-then-load tests without files.
import type * as tf from '@tensorflow/tfjs-core';

/** An in-memory `tf.io.IOHandler`: `save` keeps the artifacts, `load` returns them; `bytes()` is the weight data's size. */
export function memoryIOHandler(): tf.io.IOHandler & { bytes(): number } {
  let stored: tf.io.ModelArtifacts | null = null;
  return {
    save: async (artifacts) => {
      stored = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    load: async () => {
      if (stored === null) throw new Error('memoryIOHandler: nothing saved yet');
      return stored;
    },
    bytes: () => {
      const data = stored?.weightData;
      return data === undefined ? 0 : Array.isArray(data) ? data.reduce((total, buffer) => total + buffer.byteLength, 0) : data.byteLength;
    },
  };
}
