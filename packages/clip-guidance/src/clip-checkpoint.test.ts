import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends, expectTensorsClose, memoryIOHandler } from '@gen/core/testing';
import { shapesDataset, SIZE, tinyClip } from './__fixtures__/tiny-clip';
import { loadClip, saveClip } from './clip-checkpoint';

describeWithBackends('saveClip storage', () => {
  it("'float16' halves the weight bytes; loadClip reads it back within half-float rounding", async () => {
    const clip = tinyClip(3);
    const full = memoryIOHandler();
    const half = memoryIOHandler();
    await saveClip(full, clip, { metadata: { step: 7 } });
    await saveClip(half, clip, { metadata: { step: 7 }, storage: 'float16' });
    expect(half.bytes()).toBeGreaterThan(0);
    expect(half.bytes()).toBeLessThanOrEqual(full.bytes() / 2 + 64);
    const loaded = await loadClip(half);
    expect(loaded.model.config).toEqual(clip.model.config);
    const images = tf.tensor4d(shapesDataset(4).images, [4, SIZE, SIZE, 1]);
    await expectTensorsClose(loaded.encodeImage(images), clip.encodeImage(images), { atol: 1e-2 });
    await expectTensorsClose(loaded.encodeText(['a cross']), clip.encodeText(['a cross']), { atol: 1e-2 });
    await expect(saveClip(half, clip, { storage: 'float8' as never })).rejects.toThrow("saveCheckpoint storage (\"float8\") must be 'float32' or 'float16'");
    images.dispose();
    loaded.dispose();
    clip.dispose();
  });
});
