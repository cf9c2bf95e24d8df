// Writes the tiny external CLIP fixture (a graph-model image tower and text tower in
// tensorflowjs_converter's on-disk format, an OpenAI-format vocab.json / merges.txt and
// external-clip.json) that docs/models/external-clip.md loads and the tests compare against:
//   node scripts/run-ts.mjs packages/clip-guidance/scripts/make-tiny-external-clip.ts [out-dir] [--image graph|layers] [--text graph|layers]
// Run from the repo root. Default out-dir: packages/clip-guidance/fixtures/tiny-external-clip (graph towers).
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TinyTowerKind } from '../src/__fixtures__/tiny-external-clip';
import { writeTinyExternalClip } from '../src/__fixtures__/write-tiny-external-clip';

const args = process.argv.slice(2);
const option = (name: string): TinyTowerKind => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args.splice(i, 2)[1] : 'graph';
  if (value !== 'graph' && value !== 'layers') throw new Error(`--${name} must be graph or layers`);
  return value;
};

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const image = option('image');
  const text = option('text');
  const out = path.resolve(args[0] ?? 'packages/clip-guidance/fixtures/tiny-external-clip'); // relative to the repo root
  fs.rmSync(out, { recursive: true, force: true });
  await writeTinyExternalClip(out, { image, text });
  console.log(`wrote ${out} (image tower: ${image}, text tower: ${text})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
