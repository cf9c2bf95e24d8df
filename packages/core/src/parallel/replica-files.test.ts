import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replicaModulePath, sharedDataset } from './replica-files';
import type { ImageDataset } from '../data';

describe('replica files', () => {
  test('sharedDataset copies images and labels into SharedArrayBuffers once, values unchanged', () => {
    const dataset: ImageDataset = {
      name: 'tiny',
      images: Float32Array.from({ length: 2 * 2 * 2 * 1 + 3 }, (_, i) => i / 10),
      labels: Int32Array.from([1, 0, 7]),
      size: 2,
      height: 2,
      width: 2,
      channels: 1,
      classNames: ['a', 'b'],
      skipped: 0,
    };
    const shared = sharedDataset(dataset);
    expect(shared.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Only the dataset's own rows travel (a subarray view of a bigger buffer is cut to size).
    expect(shared.images.length).toBe(8);
    expect(Buffer.from(shared.images.buffer).equals(Buffer.from(dataset.images.buffer, 0, 8 * 4))).toBe(true);
    expect([shared.labels.length, shared.labels[0], shared.labels[1]]).toEqual([2, 1, 0]);
    expect(shared).toMatchObject({ name: 'tiny', size: 2, height: 2, width: 2, channels: 1, classNames: ['a', 'b'] });
    const again = sharedDataset(shared);
    expect(again.images.buffer).toBe(shared.images.buffer); // not copied again
    expect(again.labels.buffer).toBe(shared.labels.buffer);
  });

  test('replicaModulePath finds the module beside the caller or in its folder, in the caller format; missing is one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-replica-files-'));
    try {
      fs.mkdirSync(path.join(dir, 'training'));
      fs.writeFileSync(path.join(dir, 'training', 'thing-replica.cjs'), '');
      const options = { name: 'thing-replica', folder: 'training', packageName: '@gen/thing', what: 'parallel thing training' };
      expect(replicaModulePath({ ...options, fromFile: path.join(dir, 'node.cjs') })).toBe(path.join(dir, 'training', 'thing-replica.cjs'));
      fs.writeFileSync(path.join(dir, 'thing-replica.cjs'), '');
      expect(replicaModulePath({ ...options, fromFile: path.join(dir, 'node.cjs') })).toBe(path.join(dir, 'thing-replica.cjs'));
      expect(() => replicaModulePath({ ...options, fromFile: path.join(dir, 'node.js') })).toThrow(
        /^parallel thing training: the replica module is missing \(looked for .*thing-replica\.js, .*thing-replica\.js\); rebuild @gen\/thing$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
