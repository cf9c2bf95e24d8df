// Helpers of the family command tests (Node only; not exported by the package).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '@gen/core';
import * as coreNode from '@gen/core/node';
import { main } from '../main';
import { memoryIO } from '../output';

export async function gen(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO();
  const code = await main(argv, { io });
  return { code, out: io.out(), err: io.err() };
}

/** Width, height, bit depth and colour type from a PNG's IHDR chunk. */
export function pngInfo(path: string): { width: number; height: number; bitDepth: number; colorType: number } {
  const bytes = readFileSync(path);
  if (!bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error(`${path} is not a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24], colorType: bytes[25] };
}

/** Every tensor of a checkpoint folder as plain arrays (by name). */
export async function checkpointTensors(dir: string): Promise<Record<string, Float32Array | Int32Array | Uint8Array>> {
  const { tensors } = await core.loadCheckpoint(coreNode.fileCheckpoint(dir));
  const out: Record<string, Float32Array | Int32Array | Uint8Array> = {};
  for (const [name, tensor] of Object.entries(tensors)) out[name] = (await tensor.data()) as Float32Array;
  tf.dispose(Object.values(tensors));
  return out;
}

/** Lines of a JSON-lines file. */
export function jsonLines(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function readJson(path: string): Record<string, any> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
}

/** Checks the sample-set files of `gen sample`: grid.png, samples/NNNN.png (28×28 grayscale) and samples.json. */
export function expectSampleSet(out: string, n: number, options: { labels?: number[] | 'none' } = {}): Record<string, any> {
  expect(existsSync(join(out, 'grid.png'))).toBe(true);
  pngInfo(join(out, 'grid.png'));
  const json = readJson(join(out, 'samples.json'));
  expect(Array.isArray(json.samples)).toBe(true);
  expect(json.samples).toHaveLength(n);
  json.samples.forEach((sample: { file: string; seed: number; label?: number }, i: number) => {
    expect(sample.file).toBe(`samples/${String(i).padStart(4, '0')}.png`);
    expect(Number.isInteger(sample.seed)).toBe(true);
    expect(pngInfo(join(out, sample.file))).toEqual({ width: 28, height: 28, bitDepth: 8, colorType: 0 });
    if (options.labels === 'none') expect(sample.label).toBeUndefined();
    else if (options.labels) expect(sample.label).toBe(options.labels[i]);
  });
  return json;
}

/** Two checkpoint folders hold the same tensor names with bit-identical values (exact resume). */
export async function expectSameCheckpoints(expectedDir: string, actualDir: string): Promise<void> {
  const expected = await checkpointTensors(expectedDir);
  const actual = await checkpointTensors(actualDir);
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, values] of Object.entries(expected)) expect([name, Array.from(actual[name])]).toEqual([name, Array.from(values)]);
}
