#!/usr/bin/env node
// Turns a finished `gen train` run into a shipped checkpoint of a family package:
//   node packages/cli/scripts/ship-pretrained.mjs gan /work/runs/cgan-mnist mnist [--from best|latest]
//   node packages/cli/scripts/ship-pretrained.mjs diffusion /work/runs/diff-mnist mnist --from latest [--eval "--scheduler dpmpp-2m --steps 20"]
// 1. exports a sampling-only checkpoint (EMA weights — for GANs with standing batch-norm
//    statistics —, no discriminator or optimizer state) to packages/<family>/pretrained/<name>/;
// 2. runs `gen eval <family> --checkpoint pretrained:<name> --n 1000 <--eval options>` on it;
// 3. writes model-card.json there: the training command, steps, training time (from the run's
//    metrics.jsonl, summed over resumed sessions), weight size, the eval command and its metrics.
// Uses the built packages (run `pnpm build` first).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const [family, runDir, name, ...rest] = process.argv.slice(2);
const flag = (name, fallback) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : fallback);
const from = flag('--from', 'best');
const extraEvalArgs = flag('--eval', '').split(/\s+/).filter(Boolean);
if (!family || !runDir || !name || !['gan', 'diffusion'].includes(family) || !['best', 'latest'].includes(from)) {
  console.error('usage: node packages/cli/scripts/ship-pretrained.mjs gan|diffusion <run dir> <name> [--from best|latest] [--eval "<gen eval options>"]');
  process.exit(2);
}

const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
const checkpointsDir = path.join(runDir, 'checkpoints');
const latestStep = Math.max(...readdirSync(checkpointsDir).filter((d) => /^step-\d+$/.test(d)).map((d) => Number(d.slice(5))));
const source = from === 'best' ? path.join(runDir, 'best') : path.join(checkpointsDir, `step-${String(latestStep).padStart(8, '0')}`);
const dest = path.join(root, 'packages', family, 'pretrained', name);

// 1. Export.
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-wasm');
const core = await import('@gen/core');
await import('@gen/core/node');
await core.initBackend({ prefer: 'wasm' });
const configJson = JSON.parse(readFileSync(path.join(source, 'config.json'), 'utf8'));
const sourceConfig = configJson.userDefinedMetadata.genCheckpoint.config;
const sourceMeta = configJson.userDefinedMetadata.genCheckpoint.metadata;
const step = from === 'best' ? sourceMeta?.step : latestStep;
rmSync(dest, { recursive: true, force: true });
mkdirSync(path.dirname(dest), { recursive: true });
if (family === 'gan') {
  const gan = await import('@gen/gan');
  const loaded = await gan.loadGan(source, { useEma: true });
  await gan.saveGan(dest, { generator: loaded.generator, training: sourceConfig.training ?? null, metadata: { step, exportedFrom: from, usedEma: loaded.usedEma } });
  loaded.dispose();
}
if (family === 'diffusion') {
  const diffusion = await import('@gen/diffusion');
  const loaded = await diffusion.loadDiffusion(source, { useEma: true });
  const { model: _model, scheduler: _scheduler, family: _family, training = null, ...extraConfig } = loaded.config;
  if (extraConfig.autoencoder !== undefined) throw new Error('latent diffusion models reference their autoencoder by path: ship the autoencoder first (not supported yet)');
  await diffusion.saveDiffusion(dest, { model: loaded.model, schedulerConfig: loaded.schedulerConfig, training, metadata: { step, exportedFrom: from, usedEma: loaded.usedEma } });
  loaded.dispose();
}
console.log(`exported ${source} (step ${step}) → ${dest}; tensors left: ${tf.memory().numTensors}`);

// 2. Evaluate with the CLI, exactly as a user would.
const bin = path.join(root, 'packages', 'cli', 'dist', 'bin.js');
const evalOut = path.join(os.tmpdir(), `gen-ship-${family}-${name}`);
const evalArgs = ['eval', family, '--checkpoint', `pretrained:${name}`, '--n', '1000', ...extraEvalArgs, '--backend', 'wasm', '--out', evalOut];
console.log(`gen ${evalArgs.join(' ')}`);
execFileSync(process.execPath, [bin, ...evalArgs], { stdio: 'inherit' });
const metrics = JSON.parse(readFileSync(path.join(evalOut, 'metrics.json'), 'utf8'));
delete metrics.checkpoint;

// 3. The model card.
const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// `elapsed` restarts at 0 in each resumed session: sum the last value of each session.
let trainingSeconds = 0;
let previous = 0;
for (const line of lines) {
  if (typeof line.elapsed !== 'number') continue;
  if (line.elapsed < previous) trainingSeconds += previous;
  previous = line.elapsed;
}
trainingSeconds += previous;
const weightBytes = readdirSync(dest).filter((f) => f.endsWith('.bin')).reduce((total, f) => total + statSync(path.join(dest, f)).size, 0);
const card = {
  command: `gen ${run.argv.map((a) => (/[\s"{}]/.test(a) ? `'${a}'` : a)).join(' ')}`,
  steps: step,
  trainedSteps: latestStep,
  trainingSeconds: Math.round(trainingSeconds),
  machine: `${os.cpus().length}-core ${os.cpus()[0]?.model ?? 'CPU'}, tfjs wasm backend (Node ${process.version}), shared with other jobs`,
  weightBytes,
  evalCommand: `gen ${evalArgs.filter((a, i) => !(evalArgs[i - 1] === '--out' || a === '--out')).join(' ')}`,
  metrics,
};
writeFileSync(path.join(dest, 'model-card.json'), `${JSON.stringify(card, null, 2)}\n`);
if (!existsSync(path.join(dest, 'config.json'))) throw new Error('export failed');
console.log(JSON.stringify(card, null, 2));
