// Measures, with the shipped classifiers, the real-vs-real FID floor at several n and the
// ratios of simple corruptions (docs/metrics.md quotes the output):
//   node scripts/run-ts.mjs packages/core/scripts/measure-feature-classifier-floors.ts [--dataset mnist|fashion] [--kid-subsets 10]
import '@tensorflow/tfjs-backend-wasm';
import { Generator, initBackend } from '@gen/core';
import { loadDataset } from '@gen/core/node';
import { evaluateSamples, loadFeatureClassifier } from '../src/metrics/node';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

function blur(images: Float32Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let base = 0; base < images.length; base += 784) {
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) {
        let [sum, count] = [0, 0];
        for (let di = -1; di <= 1; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            if (i + di < 0 || i + di > 27 || j + dj < 0 || j + dj > 27) continue;
            sum += images[base + (i + di) * 28 + j + dj];
            count += 1;
          }
        }
        out[base + i * 28 + j] = sum / count;
      }
    }
  }
  return out;
}

function shift(images: Float32Array, by: number): Float32Array {
  const out = new Float32Array(images.length);
  for (let base = 0; base < images.length; base += 784) {
    for (let i = by; i < 28; i++) for (let j = by; j < 28; j++) out[base + i * 28 + j] = images[base + (i - by) * 28 + j - by];
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend({ prefer: 'wasm' });
  const kid = { numSubsets: Number(arg('kid-subsets') ?? 10) };
  for (const dataset of (arg('dataset') ? [arg('dataset')] : ['mnist', 'fashion']) as Array<'mnist' | 'fashion'>) {
    const classifier = await loadFeatureClassifier(dataset);
    const train = await loadDataset(dataset, { split: 'train' });
    const row = async (label: string, n: number, samples: Float32Array, realSplit: 'test' | 'train' | 'all' = 'test', labels?: Int32Array) => {
      const started = Date.now();
      const r = await evaluateSamples({ samples, labels, dataset, classifier, n, realSplit, kid, generator: new Generator(0) });
      console.log(
        `| ${dataset} | ${label} | ${n} | ${realSplit} | ${r.fid.toFixed(3)} | ${r.floor.toFixed(3)} | ${r.ratio.toFixed(2)} | ${r.kid.toFixed(4)} ± ${r.kidStd.toFixed(4)} | ${r.classAccuracy === undefined ? '' : (100 * r.classAccuracy).toFixed(1) + '%'} | ${((Date.now() - started) / 1000).toFixed(0)} s |`,
      );
    };
    const first = (n: number) => train.images.subarray(0, n * 784);
    console.log('| dataset | samples | n | real split | FID | floor | ratio | KID | class acc. | time |\n|---|---|---|---|---|---|---|---|---|---|');
    for (const n of [100, 300, 1000]) await row('real (train split)', n, first(n), 'test', train.labels.subarray(0, n));
    await row('real, blurred 3×3', 1000, blur(first(1000)));
    await row('real, shifted 2 px', 1000, shift(first(1000), 2));
    await row('uniform noise', 1000, new Generator(1).uniformArray(1000 * 784));
    if (dataset === 'fashion') {
      await row('real (test split)', 5000, (await loadDataset(dataset, { split: 'test' })).images.subarray(0, 5000 * 784), 'train');
      await row('real (test split)', 10000, (await loadDataset(dataset, { split: 'test' })).images, 'train');
    } else {
      await row('real (train split)', 5000, first(5000), 'all');
    }
    classifier.dispose();
  }
}
main();
