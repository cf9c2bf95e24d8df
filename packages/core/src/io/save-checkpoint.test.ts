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

describeWithBackends("saveCheckpoint storage: 'float16'", () => {
  it('stores float32 tensors as half floats (half the bytes, values rounded to binary16), int32 and bool unchanged', async () => {
    const a = tf.tensor1d([1, 0.1, -2.5, 65504, 1e-7, 3.14159265]); // an odd count: the next tensor starts unaligned
    const b = tf.tensor1d([7, -8], 'int32');
    const c = tf.tensor1d([1, 0, 1], 'bool');
    const handler = joiningHandler();
    const result = await saveCheckpoint(handler, { config: null, tensors: { a, b, c }, storage: 'float16' });
    expect(result.weightBytes).toBe(6 * 2 + 2 * 4 + 3);
    expect(handler.artifacts!.weightSpecs!.map((s) => s.quantization ?? null)).toEqual([{ dtype: 'float16' }, null, null]);
    const loaded = await loadCheckpoint(handler);
    expect(loaded.tensors.a.dtype).toBe('float32');
    // binary16 neighbours: 0.1 → 0.0999755859375, 1e-7 → 2^-24 · 2 = 1.1920928955078125e-7, π → 3.140625.
    expect(Array.from(await loaded.tensors.a.data())).toEqual([1, 0.0999755859375, -2.5, 65504, 1.1920928955078125e-7, 3.140625]);
    expect(Array.from(await loaded.tensors.b.data())).toEqual([7, -8]);
    expect(Array.from(await loaded.tensors.c.data())).toEqual([1, 0, 1]);
    await expect(saveCheckpoint(handler, { config: null, tensors: { a }, storage: 'int8' as 'float16' })).rejects.toThrow(
      `saveCheckpoint storage ("int8") must be 'float32' or 'float16'`,
    );
    // A manifest with another quantization is refused before any tensor is made.
    handler.artifacts!.weightSpecs![0].quantization = { dtype: 'uint8', scale: 0.1, min: 0 };
    await expect(loadCheckpoint(handler)).rejects.toThrow(/^loadCheckpoint: tensor "a" has quantization .* checkpoints hold float32 stored as \{ dtype: 'float16' \} or unquantized weights/);
    tf.dispose([a, b, c, ...Object.values(loaded.tensors)]);
  });
});
