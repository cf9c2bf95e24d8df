import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends, memoryIOHandler } from '@gen/core/testing';
import { GenError } from '../errors';
import { CHECKPOINT_HEADER_KEY } from './checkpoint-format';
import { crc32Hex } from './crc32';
import { decodeCheckpoint, loadCheckpoint } from './load-checkpoint';
import { encodeCheckpoint, saveCheckpoint } from './save-checkpoint';

function bytesOf(data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): number[] {
  return Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Artifacts of a small valid checkpoint, to corrupt one field at a time. */
async function sampleArtifacts(): Promise<tf.io.ModelArtifacts> {
  const w = tf.tensor2d([[1, 2, 3, 4]]);
  const artifacts = await encodeCheckpoint({ config: { units: 4 }, tensors: { 'model/w': w } });
  w.dispose();
  return artifacts;
}

function header(artifacts: tf.io.ModelArtifacts): Record<string, unknown> {
  return (artifacts.userDefinedMetadata as Record<string, Record<string, unknown>>)[CHECKPOINT_HEADER_KEY];
}

describeWithBackends('checkpoint round trip', () => {
  it('restores float32, int32 and bool tensors bit-exactly, with config and metadata', async () => {
    // Special float32 values: -0, ±Infinity, NaN, the smallest subnormal, the largest finite.
    const special = new Float32Array([-0, Infinity, -Infinity, NaN, 1.4e-45, 3.4028234663852886e38, 0.1, -1 / 3]);
    const tensors = {
      'model/w': tf.tensor(special, [2, 4]),
      'model/empty': tf.zeros([0, 3]),
      'optimizer/step': tf.scalar(123456789, 'int32'),
      'optimizer/counts': tf.tensor1d([-2147483648, 2147483647, 0], 'int32'),
      'model/mask': tf.tensor1d([true, false, true], 'bool'),
    };
    const config = { family: 'vae', sizes: [1, 2, 3], nested: { ok: true, none: null } };
    const metadata = { step: 10, rng: { seed: 7, counter: 99 } };
    const handler = memoryIOHandler();
    const result = await saveCheckpoint(handler, { config, tensors, metadata });
    expect(result).toEqual({ location: 'the given tf.io handler', weightBytes: 32 + 0 + 4 + 12 + 3, tensorCount: 5 });

    const loaded = await loadCheckpoint(handler);
    expect(loaded.config).toEqual(config);
    expect(loaded.metadata).toEqual(metadata);
    expect(loaded.formatVersion).toBe(1);
    expect(Object.keys(loaded.tensors)).toEqual(Object.keys(tensors));
    for (const [name, original] of Object.entries(tensors)) {
      const copy = loaded.tensors[name];
      expect(copy.dtype).toBe(original.dtype);
      expect(copy.shape).toEqual(original.shape);
      const [a, b] = await Promise.all([original.data(), copy.data()]);
      expect(bytesOf(b as Float32Array)).toEqual(bytesOf(a as Float32Array));
    }
    tf.dispose([tensors, loaded.tensors]);
  });

  it('reads weight data split over several buffers (as tf.io handlers may return it)', async () => {
    const a = tf.tensor1d([true, false, true], 'bool'); // 3 bytes: the next tensor starts unaligned
    const b = tf.tensor1d([1.5, -2.5]);
    const artifacts = await encodeCheckpoint({ config: null, tensors: { a, b } });
    const joined = new Uint8Array((artifacts.weightData as ArrayBuffer[]).flatMap((buffer) => Array.from(new Uint8Array(buffer))));
    artifacts.weightData = [joined.slice(0, 2).buffer, joined.slice(2, 6).buffer, joined.slice(6).buffer];
    const loaded = decodeCheckpoint(artifacts, 'memory');
    expect(Array.from(await loaded.tensors.b.data())).toEqual([1.5, -2.5]);
    expect(Array.from(await loaded.tensors.a.data())).toEqual([1, 0, 1]);
    tf.dispose([a, b, loaded.tensors]);
  });

  it('refuses what JSON cannot hold and tensors it cannot store', async () => {
    const handler = memoryIOHandler();
    const w = tf.ones([2]);
    await expect(saveCheckpoint(handler, { config: { lr: NaN }, tensors: { w } })).rejects.toThrow(
      'saveCheckpoint config.lr (NaN) must be JSON: numbers must be finite',
    );
    const c = tf.tensor1d(['a', 'b'], 'string');
    await expect(saveCheckpoint(handler, { config: null, tensors: { c } })).rejects.toThrow(
      'saveCheckpoint tensors["c"].dtype ("string") must be float32, int32 or bool',
    );
    await expect(saveCheckpoint('runs/x', { config: null, tensors: { w } })).rejects.toThrow(/is a file path, which needs Node|no tf.io save handler/);
    tf.dispose([w, c]);
  });
});

describeWithBackends('checkpoint loading refuses untrusted input', () => {
  const expectRefusal = async (artifacts: tf.io.ModelArtifacts, message: string) => {
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      decodeCheckpoint(artifacts, 'memory://ckpt');
    } catch (error) {
      caught = error;
    }
    expect(GenError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(message);
    expect(tf.memory().numTensors).toBe(before); // nothing allocated on the device
  };

  it('refuses a foreign format and a wrong format version', async () => {
    const artifacts = await sampleArtifacts();
    await expectRefusal({ ...artifacts, format: 'layers-model' }, 'loadCheckpoint: not a @gen checkpoint (format "layers-model", expected "gen-checkpoint") at memory://ckpt');
    header(artifacts).formatVersion = 2;
    await expectRefusal(artifacts, 'loadCheckpoint: checkpoint format version 2 is not supported (this @gen/core reads version 1; upgrade @gen/core) at memory://ckpt');
    header(artifacts).formatVersion = '1';
    await expectRefusal(artifacts, 'loadCheckpoint: checkpoint format version "1" is not supported (this @gen/core reads version 1) at memory://ckpt');
  });

  it('refuses truncated weight data and a shape that disagrees with the bytes', async () => {
    const artifacts = await sampleArtifacts();
    const full = (artifacts.weightData as ArrayBuffer[])[0];
    await expectRefusal(
      { ...artifacts, weightData: full.slice(0, 12) },
      'loadCheckpoint: the weight data is 12 bytes but the manifest needs 16 (truncated or corrupted checkpoint at memory://ckpt)',
    );
    await expectRefusal(
      { ...artifacts, weightSpecs: [{ name: 'model/w', shape: [1, 1024], dtype: 'float32' }] },
      'loadCheckpoint: the weight data is 16 bytes but the manifest needs 4,096 (truncated or corrupted checkpoint at memory://ckpt)',
    );
    await expectRefusal(
      { ...artifacts, weightSpecs: [{ name: 'model/w', shape: [2, -2], dtype: 'float32' }] },
      'loadCheckpoint: tensor "model/w" has shape [2, -2]; dims must be non-negative integers, rank ≤ 16 (corrupted checkpoint at memory://ckpt)',
    );
    await expectRefusal(
      { ...artifacts, weightSpecs: [{ name: 'model/w', shape: [4], dtype: 'string' as 'float32' }] },
      'loadCheckpoint: tensor "model/w" has dtype "string"; checkpoints hold float32, int32 or bool (corrupted checkpoint at memory://ckpt)',
    );
  });

  it('refuses a flipped byte by its checksum', async () => {
    const artifacts = await sampleArtifacts();
    const bytes = new Uint8Array((artifacts.weightData as ArrayBuffer[])[0]);
    const stored = (header(artifacts).checksums as { tensors: Record<string, string> }).tensors['model/w'];
    bytes[5] ^= 0x10;
    const computed = crc32Hex(bytes);
    await expectRefusal(
      artifacts,
      `loadCheckpoint: tensor "model/w" fails its crc32 check (stored ${stored}, computed ${computed}) (corrupted checkpoint at memory://ckpt)`,
    );
  });

  it('refuses absurd declared sizes before allocating anything', async () => {
    const artifacts = await sampleArtifacts();
    // Would need petabytes: allocating first would throw a RangeError, not this message.
    await expectRefusal(
      { ...artifacts, weightSpecs: [{ name: 'model/w', shape: [1e6, 1e6, 1e6], dtype: 'float32' }] },
      'loadCheckpoint: tensor "model/w" declares shape [1000000, 1000000, 1000000], above maxTensorElements (536,870,912) (checkpoint at memory://ckpt); pass a larger maxTensorElements if you trust it',
    );
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, shape: [2 ** 28], dtype: 'float32' as const }));
    await expectRefusal(
      { ...artifacts, weightSpecs: many },
      'loadCheckpoint: the manifest declares more than 2,147,483,648 bytes of weights (maxBytes, reached at tensor "t2") (checkpoint at memory://ckpt); pass a larger maxBytes if you trust it',
    );
  });

  it('honours smaller caps passed by the caller', async () => {
    const artifacts = await sampleArtifacts();
    expect(() => decodeCheckpoint(artifacts, 'm', { maxTensorElements: 3 })).toThrow('above maxTensorElements (3)');
    expect(() => decodeCheckpoint(artifacts, 'm', { maxBytes: 8 })).toThrow('more than 8 bytes of weights');
    expect(() => decodeCheckpoint(artifacts, 'm', { maxBytes: -1 })).toThrow('loadCheckpoint options.maxBytes (-1) must be a positive integer');
  });
});
