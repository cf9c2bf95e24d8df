import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { loadCheckpoint } from './load-checkpoint';
import { saveCheckpoint } from './save-checkpoint';

/**
 * A handler that, like tf.io's IndexedDB handler (`weightData = CompositeArrayBuffer.join(…)`),
 * replaces the artifacts' weightData array by one joined ArrayBuffer before storing them.
 */
function joiningHandler(): tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } = {
    async save(artifacts) {
      artifacts.weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      handler.artifacts = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    async load() {
      return handler.artifacts!;
    },
  };
  return handler;
}

describeWithBackends('saveCheckpoint with a handler that joins the weight buffers', () => {
  it('reports the bytes written and round-trips the tensors', async () => {
    const a = tf.tensor2d([[1, 2, 3]]);
    const b = tf.tensor1d([7, 8], 'int32');
    const handler = joiningHandler();
    const result = await saveCheckpoint(handler, { config: { kind: 'x' }, tensors: { a, b } });
    expect(result).toEqual({ location: 'the given tf.io handler', weightBytes: 3 * 4 + 2 * 4, tensorCount: 2 });
    expect(handler.artifacts!.weightData).toBeInstanceOf(ArrayBuffer);
    const loaded = await loadCheckpoint(handler);
    expect(Array.from(await loaded.tensors.a.data())).toEqual([1, 2, 3]);
    expect(Array.from(await loaded.tensors.b.data())).toEqual([7, 8]);
    tf.dispose([a, b, ...Object.values(loaded.tensors)]);
  });
});
