import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GenError } from '../errors';
import { loadCheckpoint } from './load-checkpoint';
import { fileCheckpoint, loadCheckpointFromDir, saveCheckpointToDir, type SaveStage } from './node';
import { saveCheckpoint } from './save-checkpoint';
import { folderStore } from './folder-store';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gen-ckpt-'));
  tf.engine().startScope();
});
afterEach(async () => {
  tf.engine().endScope();
  jest.restoreAllMocks();
  await fs.promises.rm(root, { recursive: true, force: true });
});

/** A checkpoint whose single tensor holds `value` everywhere. */
function contents(value: number, size = 4) {
  return { config: { version: value }, tensors: { 'model/w': tf.fill([size], value) }, metadata: { value } };
}

async function valueAt(dir: string): Promise<number> {
  const loaded = await loadCheckpointFromDir(dir);
  const data = await loaded.tensors['model/w'].data();
  tf.dispose(loaded.tensors);
  expect(Array.from(data).every((x) => x === data[0])).toBe(true);
  expect(loaded.config).toEqual({ version: data[0] });
  return data[0];
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file: string, value: unknown) => fs.writeFileSync(file, JSON.stringify(value));

describe('fileCheckpoint: folder layout and round trip', () => {
  it('writes config.json in the tfjs model.json layout plus weights.bin, and reads it back', async () => {
    const dir = path.join(root, 'ckpt');
    const ints = tf.tensor1d([1, -2, 3], 'int32');
    await saveCheckpointToDir(dir, { config: { a: 1 }, tensors: { 'model/w': tf.ones([2, 2]), 'optimizer/step': ints } });
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'weights.bin']);
    expect(fs.readdirSync(root)).toEqual(['ckpt']); // no temp or previous folder left over
    const json = readJson(path.join(dir, 'config.json'));
    expect(json.format).toBe('gen-checkpoint');
    expect(json.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'model/w', shape: [2, 2], dtype: 'float32' },
          { name: 'optimizer/step', shape: [3], dtype: 'int32' },
        ],
      },
    ]);
    expect(json.userDefinedMetadata.genCheckpoint).toMatchObject({ formatVersion: 1, config: { a: 1 }, metadata: null });
    expect(Object.keys(json.userDefinedMetadata.genCheckpoint.checksums.tensors)).toEqual(['model/w', 'optimizer/step']);
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(16 + 12);

    const loaded = await loadCheckpointFromDir(dir);
    expect(Array.from(await loaded.tensors['optimizer/step'].data())).toEqual([1, -2, 3]);
    expect(loaded.tensors['model/w'].shape).toEqual([2, 2]);
  });

  it('takes plain paths and file:// URLs once @gen/core/node is imported', async () => {
    const dir = path.join(root, 'nested', 'run');
    await saveCheckpoint(dir, contents(3));
    expect(await valueAt(dir)).toBe(3);
    const loaded = await loadCheckpoint(`file://${dir}`);
    expect(loaded.metadata).toEqual({ value: 3 });
  });

  it('replaces an older checkpoint and refuses to replace a folder that is not one', async () => {
    const dir = path.join(root, 'ckpt');
    await saveCheckpointToDir(dir, contents(1));
    await saveCheckpointToDir(dir, contents(2));
    expect(await valueAt(dir)).toBe(2);
    expect(fs.readdirSync(root)).toEqual(['ckpt']);
    const project = path.join(root, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'notes.txt'), 'keep me');
    await expect(saveCheckpointToDir(project, contents(1))).rejects.toThrow(
      `saveCheckpoint destination ("${project}") holds "notes.txt", so it is not a checkpoint folder (config.json + *.bin only); refusing to replace it`,
    );
    expect(fs.readFileSync(path.join(project, 'notes.txt'), 'utf8')).toBe('keep me');
  });
});

describe('fileCheckpoint: atomic saves', () => {
  const stages: SaveStage[] = ['weights-written', 'config-written', 'synced', 'previous-moved-aside', 'renamed', 'done'];

  it.each(stages)('a crash after "%s" leaves a loadable checkpoint, and the next save recovers', async (crashAt) => {
    const dir = path.join(root, 'ckpt');
    await saveCheckpointToDir(dir, contents(1));
    let reached!: () => void;
    const reachedStage = new Promise<void>((resolve) => (reached = resolve));
    // Freeze the save at `crashAt` forever: the disk then holds exactly what a kill there leaves.
    void saveCheckpointToDir(dir, contents(2), {
      onSaveStage: (stage) => {
        if (stage !== crashAt) return;
        reached();
        return new Promise(() => undefined);
      },
    });
    await reachedStage;
    const after = await valueAt(dir);
    expect(after).toBe(stages.indexOf(crashAt) >= stages.indexOf('renamed') ? 2 : 1);
    await saveCheckpointToDir(dir, contents(3));
    expect(await valueAt(dir)).toBe(3);
    expect(fs.readdirSync(root).filter((entry) => !entry.includes('.partial-'))).toEqual(['ckpt']);
  });

  it.each(stages.slice(0, 5))('a save that fails after "%s" keeps the previous checkpoint and cleans up', async (failAt) => {
    const dir = path.join(root, 'ckpt');
    await saveCheckpointToDir(dir, contents(1));
    const failing = saveCheckpointToDir(dir, contents(2), {
      onSaveStage: (stage) => {
        if (stage === failAt) throw new Error(`disk full at ${stage}`);
      },
    });
    await expect(failing).rejects.toThrow(`disk full at ${failAt}`);
    expect(await valueAt(dir)).toBe(failAt === 'renamed' ? 2 : 1);
  });
});

describe('fileCheckpoint: untrusted folders are refused before weights are read', () => {
  let dir: string;
  let opened: string[];
  beforeEach(async () => {
    dir = path.join(root, 'ckpt');
    await saveCheckpointToDir(dir, contents(7)); // 4 float32 = 16 bytes
    const open = fs.promises.open;
    opened = [];
    jest.spyOn(fs.promises, 'open').mockImplementation((file, ...rest) => {
      opened.push(String(file));
      return open(file, ...rest);
    });
  });
  const config = () => path.join(dir, 'config.json');
  const weights = () => path.join(dir, 'weights.bin');
  const editManifest = (edit: (json: any) => void) => {
    const json = readJson(config());
    edit(json);
    writeJson(config(), json);
  };
  async function expectRefused(message: string, { readsWeights = false } = {}) {
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      await loadCheckpointFromDir(dir);
    } catch (error) {
      caught = error;
    }
    expect(GenError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(message);
    expect(tf.memory().numTensors).toBe(before);
    if (!readsWeights) expect(opened.filter((file) => !file.endsWith('config.json'))).toEqual([]);
  }

  it('refuses weight paths that leave the folder: "..", absolute, symlinks out', async () => {
    fs.writeFileSync(path.join(root, 'outside.bin'), Buffer.alloc(16));
    editManifest((json) => (json.weightsManifest[0].paths = ['../outside.bin']));
    await expectRefused(`loadCheckpoint: weight path "../outside.bin" escapes the checkpoint folder (refused; checkpoint at ${dir})`);
    editManifest((json) => (json.weightsManifest[0].paths = [path.join(root, 'outside.bin')]));
    await expectRefused(
      `loadCheckpoint: weight path ${JSON.stringify(path.join(root, 'outside.bin'))} escapes the checkpoint folder (refused; checkpoint at ${dir})`,
    );
    editManifest((json) => (json.weightsManifest[0].paths = ['sub/../../outside.bin']));
    await expectRefused(`loadCheckpoint: weight path "sub/../../outside.bin" escapes the checkpoint folder (refused; checkpoint at ${dir})`);
    editManifest((json) => (json.weightsManifest[0].paths = ['weights.bin']));
    fs.rmSync(weights());
    fs.symlinkSync(path.join(root, 'outside.bin'), weights());
    await expectRefused(
      `loadCheckpoint: weight path "weights.bin" is a link to ${fs.realpathSync(path.join(root, 'outside.bin'))}, outside the checkpoint folder (refused; checkpoint at ${dir})`,
    );
  });

  it('refuses a truncated weights.bin by its size', async () => {
    fs.truncateSync(weights(), 12);
    await expectRefused(`loadCheckpoint: weights.bin is 12 bytes but the manifest needs 16 (truncated or corrupted checkpoint at ${dir})`);
  });

  it('refuses a manifest shape that disagrees with the file size', async () => {
    editManifest((json) => (json.weightsManifest[0].weights[0].shape = [1024]));
    await expectRefused(`loadCheckpoint: weights.bin is 16 bytes but the manifest needs 4,096 (truncated or corrupted checkpoint at ${dir})`);
    editManifest((json) => (json.weightsManifest[0].weights[0].shape = [2]));
    await expectRefused(`loadCheckpoint: weights.bin is 16 bytes but the manifest needs 8 (corrupted checkpoint at ${dir})`);
  });

  it('refuses flipped bytes by their checksum', async () => {
    const bytes = fs.readFileSync(weights());
    bytes[3] ^= 0x01;
    fs.writeFileSync(weights(), bytes);
    const stored = readJson(config()).userDefinedMetadata.genCheckpoint.checksums.tensors['model/w'];
    const { crc32Hex } = await import('./crc32');
    await expectRefused(
      `loadCheckpoint: tensor "model/w" fails its crc32 check (stored ${stored}, computed ${crc32Hex(bytes)}) (corrupted checkpoint at ${dir})`,
      { readsWeights: true },
    );
  });

  it('refuses a wrong format version and a config.json that is not JSON', async () => {
    editManifest((json) => (json.userDefinedMetadata.genCheckpoint.formatVersion = 99));
    await expectRefused(`loadCheckpoint: checkpoint format version 99 is not supported (this @gen/core reads version 1; upgrade @gen/core) at ${dir}`);
    fs.writeFileSync(config(), '{"format": "gen-checkpoint", ');
    await expectRefused(`loadCheckpoint: config.json is not valid JSON (corrupted checkpoint at ${dir})`);
  });

  it('refuses huge declared sizes without allocating them', async () => {
    editManifest((json) => (json.weightsManifest[0].weights[0].shape = [65536, 65536, 65536]));
    await expectRefused(
      `loadCheckpoint: tensor "model/w" declares shape [65536, 65536, 65536], above maxTensorElements (536,870,912) (checkpoint at ${dir}); pass a larger maxTensorElements if you trust it`,
    );
    editManifest((json) => {
      json.weightsManifest[0].weights = Array.from({ length: 9 }, (_, i) => ({ name: `t${i}`, shape: [2 ** 27], dtype: 'float32' }));
    });
    await expectRefused(
      `loadCheckpoint: the manifest declares more than 2,147,483,648 bytes of weights (maxBytes, reached at tensor "t4") (checkpoint at ${dir}); pass a larger maxBytes if you trust it`,
    );
    await expect(loadCheckpointFromDir(dir, { maxConfigBytes: 10 })).rejects.toThrow(
      /^loadCheckpoint: config.json is [\d,]+ bytes, above maxConfigBytes \(10\)/,
    );
  });

  it('says plainly when there is no checkpoint', async () => {
    const missing = path.join(root, 'nope');
    await expect(loadCheckpointFromDir(missing)).rejects.toThrow(`loadCheckpoint: no checkpoint at ${missing} (the folder does not exist)`);
    fs.rmSync(config());
    await expect(loadCheckpointFromDir(dir)).rejects.toThrow(`loadCheckpoint: no checkpoint at ${dir} (config.json not found)`);
  });

  it('the bare handler load applies the default checks too', async () => {
    fs.truncateSync(weights(), 4);
    await expect(fileCheckpoint(dir).load!()).rejects.toThrow('weights.bin is 4 bytes but the manifest needs 16');
  });
});

describe('folderStore', () => {
  it('files checkpoints by step, loads the newest and prunes the oldest', async () => {
    const store = folderStore(path.join(root, 'run'));
    expect(await store.loadLatest()).toBeNull();
    for (const step of [5, 10, 15]) await store.save(step, contents(step));
    expect(fs.readdirSync(path.join(root, 'run')).sort()).toEqual(['step-00000005', 'step-00000010', 'step-00000015']);
    const latest = (await store.loadLatest())!;
    expect(latest.step).toBe(15);
    expect(latest.location).toBe(path.join(root, 'run', 'step-00000015'));
    expect(latest.metadata).toEqual({ value: 15 });
    await store.prune(2);
    expect(fs.readdirSync(path.join(root, 'run')).sort()).toEqual(['step-00000010', 'step-00000015']);
    // A crashed save's leftovers (a dead process's partial folder) are cleaned by prune.
    fs.mkdirSync(path.join(root, 'run', '.step-00000020.partial-999999999-x-0'));
    await store.prune(2);
    expect(fs.readdirSync(path.join(root, 'run')).sort()).toEqual(['step-00000010', 'step-00000015']);
  });
});
