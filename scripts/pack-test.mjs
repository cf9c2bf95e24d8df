// Packs every publishable @gen/* package exactly as `pnpm publish` would, installs the
// tarballs into a scratch consumer project with plain npm, and imports each one from
// both ESM and CommonJS — the way users meet them. Needs `pnpm build` first.
//   node scripts/pack-test.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(path.join(tmpdir(), 'gen-pack-'));
const tarballs = path.join(work, 'tarballs');
const consumer = path.join(work, 'consumer');
const run = (cmd, args, cwd, extra = {}) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...extra });

let passed = 0;
let failed = 0;
const check = (name, fn) => {
  try {
    const out = fn();
    passed += 1;
    console.log(`✓ ${name}${out ? ` — ${String(out).trim().split('\n').pop()}` : ''}`);
  } catch (error) {
    failed += 1;
    console.log(`✗ ${name}\n${String(error.stderr || error.message).trim()}`);
  }
};

const packages = readdirSync(path.join(root, 'packages'))
  .map((dir) => path.join(root, 'packages', dir))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const pnpm = process.env.npm_execpath && process.env.npm_execpath.includes('pnpm') ? process.env.npm_execpath : null;
const files = {};
for (const { dir, manifest } of packages) {
  if (!existsSync(path.join(dir, 'dist'))) throw new Error(`${manifest.name} has no dist/: run pnpm build first`);
  // pnpm pack rewrites workspace:* ranges to real versions, as publish does.
  const out = pnpm
    ? run(process.execPath, [pnpm, 'pack', '--pack-destination', tarballs], dir)
    : run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', tarballs], dir);
  const file = out.trim().split('\n').pop().trim();
  files[manifest.name] = file;
  const packed = JSON.parse(run('tar', ['-xOzf', file, 'package/package.json'], tarballs));
  check(`${manifest.name}: packed without workspace: ranges`, () => {
    const ranges = JSON.stringify({ ...packed.dependencies, ...packed.peerDependencies });
    if (ranges.includes('workspace:')) throw new Error(`still has workspace: ranges: ${ranges}`);
    return path.basename(file);
  });
}

const fileRef = (name) => `file:${files[name]}`;
execFileSync('mkdir', ['-p', consumer]);
writeFileSync(
  path.join(consumer, 'package.json'),
  JSON.stringify(
    {
      name: 'gen-consumer',
      private: true,
      dependencies: {
        ...Object.fromEntries(Object.keys(files).map((name) => [name, fileRef(name)])),
        '@tensorflow/tfjs-core': '4.22.0',
        '@tensorflow/tfjs-backend-cpu': '4.22.0',
      },
      overrides: Object.fromEntries(Object.keys(files).map((name) => [name, fileRef(name)])),
    },
    null,
    2,
  ),
);
console.log(`installing ${Object.keys(files).length} tarballs into ${consumer} with npm …`);
run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], consumer, {
  env: { ...process.env, npm_config_auto_install_peers: 'false' },
});

for (const name of Object.keys(files)) {
  const manifest = packages.find((p) => p.manifest.name === name).manifest;
  const subpaths = Object.keys(manifest.exports).filter((k) => k !== './package.json');
  for (const sub of subpaths) {
    const spec = sub === '.' ? name : `${name}/${sub.slice(2)}`;
    const probe = `Object.keys(m).length`;
    check(`${spec} imports from ESM`, () =>
      run(process.execPath, ['--input-type=module', '-e', `import * as m from '${spec}'; if (${probe} === 0) throw new Error('no exports'); console.log('exports:', ${probe});`], consumer),
    );
    check(`${spec} requires from CommonJS`, () =>
      run(process.execPath, ['-e', `const m = require('${spec}'); if (${probe} === 0) throw new Error('no exports'); console.log('exports:', ${probe});`], consumer),
    );
  }
}

check('@gen/core trains from ESM in a consumer (gradients registered, cpu backend)', () =>
  run(process.execPath, ['--input-type=module', '-e', `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import { initBackend } from '@gen/core';
    const report = await initBackend();
    const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    const values = Array.from(await g.data());
    if (values.join() !== '2,4,6') throw new Error('gradient ' + values);
    console.log(report.name, values.join());`], consumer),
);
check('@gen/core trains from CommonJS in a consumer', () =>
  run(process.execPath, ['-e', `
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    const { initBackend } = require('@gen/core');
    initBackend().then(async (report) => {
      const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
      const values = Array.from(await g.data());
      if (values.join() !== '2,4,6') { console.error('gradient ' + values); process.exit(1); }
      console.log(report.name, values.join());
    });`], consumer),
);

// One module graph per package behind all its entries, in both formats. tsup splits shared
// code into chunks for ESM always, but for CJS only with `splitting: true`; without it every
// .cjs entry inlines its own copy, so @gen/core/node registered the file-path checkpoint
// handler in a registry @gen/core never read, and a model from ./node failed `instanceof`
// against the class its package exports from '.'.
for (const name of Object.keys(files)) {
  const manifest = packages.find((p) => p.manifest.name === name).manifest;
  const entries = Object.entries(manifest.exports).filter(([k]) => k !== './package.json');
  if (entries.length < 2) continue;
  check(`${name}: every CommonJS entry loads the shared chunks`, () => {
    const dir = path.join(consumer, 'node_modules', name);
    const alone = entries
      .map(([, conditions]) => conditions.require.default)
      .filter((file) => !/require\(['"]\.\/chunk-[\w-]+\.cjs['"]\)/.test(readFileSync(path.join(dir, file), 'utf8')));
    if (alone.length > 0) throw new Error(`self-contained (no ./chunk-*.cjs): ${alone.join(', ')}; is splitting on in its tsup.config.ts?`);
    return `${entries.length} entries`;
  });
}
// Scripts run from files, not `node -e`: worker threads inherit execArgv (--input-type).
const esm = (id, spec) => `import * as ${id} from '${spec}';`;
const cjs = (id, spec) => `const ${id} = require('${spec}');`;
const script = (file, body) => {
  writeFileSync(path.join(consumer, file), body);
  return () => run(process.execPath, [file], consumer);
};
const crossEntry = (load) => `${load('cpuBackend', '@tensorflow/tfjs-backend-cpu')}
${load('core', '@gen/core')}
${load('coreNode', '@gen/core/node')}
${load('vae', '@gen/vae')}
${load('vaeNode', '@gen/vae/node')}
${load('gan', '@gen/gan')}
${load('ganNode', '@gen/gan/node')}
const fail = (message) => { throw new Error(message); };
async function main() {
  await core.initBackend();
  const classifier = await coreNode.loadFeatureClassifier('mnist');
  if (!(classifier instanceof core.metrics.FeatureClassifier)) fail('@gen/core/node loadFeatureClassifier: not an instance of metrics.FeatureClassifier of @gen/core');
  classifier.dispose();
  // A file path: loadCheckpoint of '.' reads it with the handler that './node' registered.
  const checkpoint = await core.loadCheckpoint(${JSON.stringify(path.join(consumer, 'node_modules/@gen/core/assets/feature-classifiers/mnist'))});
  Object.values(checkpoint.tensors).forEach((t) => t.dispose());
  const model = await vaeNode.loadPretrainedVae('mnist');
  if (![vae.VAE, vae.ConditionalVAE, vae.AutoencoderKL, vae.VQVAE].some((C) => model instanceof C)) fail('@gen/vae/node loadPretrainedVae: not an instance of a model class of @gen/vae');
  if (!(model instanceof core.nn.Module)) fail('@gen/vae/node loadPretrainedVae: not an nn.Module of @gen/core');
  model.dispose();
  const loaded = await ganNode.loadPretrainedGan('mnist');
  if (![gan.ConditionalGenerator, gan.DCGANGenerator].some((C) => loaded.generator instanceof C)) fail('@gen/gan/node loadPretrainedGan: not an instance of a generator class of @gen/gan');
  loaded.dispose();
  console.log('one copy: FeatureClassifier, file checkpoints, VAE, GAN generator');
}
`;
check(
  'CommonJS: one @gen/core behind . and ./node; pretrained VAE and GAN from ./node are the classes of .',
  script('cross-entry.cjs', `${crossEntry(cjs)}main().catch((error) => { console.error(error.stack || error); process.exit(1); });\n`),
);
check(
  'ESM: one @gen/core behind . and ./node; pretrained VAE and GAN from ./node are the classes of .',
  script('cross-entry.mjs', `${crossEntry(esm)}await main();\n`),
);

// DataParallelTrainer's worker threads start from the installed dist: it finds
// dist/parallel-worker.js beside the (chunked) coordinator code; the consumer has neither
// esbuild nor src/, so the from-sources fallback cannot hide a missing entry.
const replica = (load) => `${load('tf', '@tensorflow/tfjs-core')}
${load('core', '@gen/core')}
${load('coreNode', '@gen/core/node')}
function createReplica(options) {
  const root = new core.Generator(options.seed);
  const layer = new core.nn.Linear({ inFeatures: 4, outFeatures: 1, generator: root.fork('init') });
  const x = root.fork('data').normal([options.batch, 4]);
  const params = Object.fromEntries(layer.namedParameters());
  const optimizer = new core.Adam({ learningRate: 0.02 });
  return {
    groups: { model: params },
    optimizers: { model: optimizer },
    phases: {
      fit: {
        group: 'model',
        run: (shard) => tf.tidy(() => coreNode.gradientsOf(params, () => tf.mean(tf.square(tf.sub(layer.forward(coreNode.sliceShard(x, shard)), 1))))),
      },
    },
    dispose() { layer.dispose(); x.dispose(); optimizer.dispose?.(); },
  };
}
`;
const trainParallel = (replicaFile) => `const trainer = await coreNode.DataParallelTrainer.create({
    replica: { module: ${JSON.stringify(path.join(consumer, replicaFile))}, options: { seed: 3, batch: 8 } },
    globalBatchSize: 8,
    workers: 2,
    backend: 'cpu',
  });
  try {
    const losses = [];
    for (let step = 0; step < 4; step++) losses.push((await trainer.step('fit')).losses.loss);
    await trainer.checkReplicas();
    if (!(losses[3] < losses[0])) throw new Error('loss did not fall: ' + losses);
    console.log(trainer.replicas + ' replicas (1 worker thread), loss ' + losses.map((l) => l.toFixed(3)).join(' → '));
  } finally {
    await trainer.dispose();
  }`;
writeFileSync(path.join(consumer, 'replica.mjs'), `${replica(esm)}export { createReplica };\n`);
writeFileSync(path.join(consumer, 'replica.cjs'), `${replica(cjs)}module.exports = { createReplica };\n`);
check(
  'DataParallelTrainer starts its worker thread from the dist (ESM, replica.mjs)',
  script('parallel.mjs', `${esm('cpuBackend', '@tensorflow/tfjs-backend-cpu')}\n${esm('coreNode', '@gen/core/node')}\n${trainParallel('replica.mjs')}\n`),
);
check(
  'DataParallelTrainer starts its worker thread from the dist (CommonJS, replica.cjs)',
  script('parallel.cjs', `${cjs('cpuBackend', '@tensorflow/tfjs-backend-cpu')}\n${cjs('coreNode', '@gen/core/node')}\n(async () => {\n  ${trainParallel('replica.cjs')}\n})().catch((error) => { console.error(error.stack || error); process.exit(1); });\n`),
);

// Types as a strict TypeScript user sees them (node16 resolution, no skipLibCheck):
// namespace members used as types (nn.Module), subpaths, and values crossing entry points.
check('published types compile for a strict node16 TypeScript consumer', () => {
  writeFileSync(
    path.join(consumer, 'consumer.mts'),
    [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { nn, metrics, losses, Generator, initBackend, type Stateful } from '@gen/core';",
      "import { loadDataset, loadFeatureClassifier } from '@gen/core/node';",
      "import { describeWithBackends } from '@gen/core/testing';",
      "import { DDIMScheduler } from '@gen/diffusion';",
      "const layer: nn.Module = new nn.Linear({ inFeatures: 2, outFeatures: 3, generator: new Generator(0) });",
      "const options: nn.LoadStateDictOptions = { strict: true };",
      "const state: Stateful = layer;",
      "export async function main(): Promise<number> {",
      "  await initBackend();",
      "  const data = await loadDataset('mnist', { split: 'test' });",
      "  const classifier: metrics.FeatureClassifier = await loadFeatureClassifier('mnist');",
      "  const loss: tf.Tensor = losses.hingeGeneratorLoss(tf.zeros([2]));",
      "  return data.size + classifier.numParameters() + loss.size + Number(options.strict) + Object.keys(state.stateDict()).length + new DDIMScheduler().timesteps.length + (typeof describeWithBackends === 'function' ? 1 : 0);",
      "}",
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false }, files: ['consumer.mts'] }),
  );
  return run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer], consumer) || 'tsc: no errors';
});

if (files['@gen/cli']) {
  check('the gen bin runs from the installed tarball', () => run('npx', ['--no-install', 'gen', '--help'], consumer));
}

if (!keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
console.log(`pack: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
