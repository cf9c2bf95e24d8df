// Seconds to sample one 7×7 token grid per row with and without the key/value cache
// (MNIST-sized config: text row 24, 49 image tokens, codebook 256), on a chosen backend.
//   node scripts/run-ts.mjs packages/transformer/scripts/kv-cache-bench.ts [wasm|cpu] [width] [layers]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Generator, initBackend } from '@gen/core';
import { DalleTransformer, generateTokens } from '@gen/transformer';

const [backend = 'wasm', width = '128', layers = '4'] = process.argv.slice(2);
await initBackend({ prefer: backend as 'wasm' | 'cpu' });
const model = DalleTransformer.fromConfig(
  { textVocabSize: 1024, textLength: 24, imageVocabSize: 256, tokenShape: [7, 7], width: Number(width), layers: Number(layers), heads: 4 },
  new Generator(0),
);
const text = new Generator(1).randint([1, 24], 0, 1024);
const time = async (useCache: boolean, batch: number) => {
  const start = performance.now();
  const tokens = generateTokens({ model, textTokens: text, batch, topK: 32, generator: new Generator(2), useCache });
  await tokens.data();
  tokens.dispose();
  return (performance.now() - start) / 1000;
};
await time(true, 1); // warm-up (kernel setup)
for (const batch of [1, 8]) {
  const cached = await time(true, batch);
  const full = await time(false, batch);
  console.log(JSON.stringify({ backend: tf.getBackend(), width: Number(width), layers: Number(layers), batch, tokens: 49, cachedSeconds: +cached.toFixed(2), uncachedSeconds: +full.toFixed(2), speedup: +(full / cached).toFixed(2) }));
}
model.dispose();
