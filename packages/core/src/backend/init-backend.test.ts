import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registeredBackends, InvalidArgumentError } from '@gen/core';

describe('initBackend', () => {
  afterAll(() => tf.setBackend('cpu'));

  it('picks the fastest registered backend and says why', async () => {
    const report = await initBackend();
    const registered = registeredBackends();
    const expected = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'].find((b) => registered.includes(b));
    expect(report.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(report.reason).toContain(expected);
  });

  it('honours prefer and exclude', async () => {
    expect((await initBackend({ prefer: 'cpu' })).name).toBe('cpu');
    const report = await initBackend({ exclude: ['wasm', 'tensorflow'] });
    expect(report.name).toBe('cpu');
    expect(report.considered.find((c) => c.name === 'wasm')?.status).toBe('skipped');
  });

  it('rejects unknown and unregistered backends with a one-line error naming the value', async () => {
    const unknown = initBackend({ prefer: 'quantum' });
    await expect(unknown).rejects.toThrow(/^backend \("quantum"\) is not a known backend; use one of tensorflow, webgpu, webgl, wasm, cpu$/);
    await expect(initBackend({ prefer: 'webgl' })).rejects.toThrow(/backend \("webgl"\) is not registered here/);
    await initBackend({ prefer: 'quantum' }).catch((error) => {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(String(error.message)).not.toContain('\n');
    });
  });
});
