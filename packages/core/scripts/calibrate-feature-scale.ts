// Sets featureScale on an already trained, shipped classifier exactly as trainFeatureClassifier
// now does at the end of training (mean squared feature = 1 over the first 2,000 TRAIN images),
// and records it in metrics.json. Weights are unchanged.
//   node scripts/run-ts.mjs packages/core/scripts/calibrate-feature-scale.ts --dataset mnist|fashion
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, metrics } from '@gen/core';
import { fileCheckpoint, loadDataset } from '@gen/core/node';
import { featureClassifierDir } from '../src/metrics/node';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--dataset');
  const dataset = process.argv[i + 1] as 'mnist' | 'fashion';
  await initBackend({ prefer: 'wasm' });
  const dir = featureClassifierDir(dataset);
  const { classifier, metadata } = await metrics.loadFeatureClassifierFrom({ handler: fileCheckpoint(dir) });
  const train = await loadDataset(dataset, { split: 'train' });
  const scale = await classifier.calibrateFeatureScale(train.images.subarray(0, Math.min(train.size, 2000) * 784));
  const metricsFile = path.join(dir, 'metrics.json');
  const record = JSON.parse(readFileSync(metricsFile, 'utf8'));
  rmSync(metricsFile);
  await metrics.saveFeatureClassifier(fileCheckpoint(dir), classifier, metadata);
  record.config = classifier.config;
  record.featureScaleCommand = `node scripts/run-ts.mjs packages/core/scripts/calibrate-feature-scale.ts --dataset ${dataset}`;
  writeFileSync(`${metricsFile}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${metricsFile}.tmp`, metricsFile);
  console.log(`${dataset}: featureScale ${scale}`);
  classifier.dispose();
}
main();
