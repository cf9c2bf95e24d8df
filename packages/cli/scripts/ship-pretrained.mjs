#!/usr/bin/env node
// Turns a finished `gen train` run into a shipped checkpoint of a family package:
//   node packages/cli/scripts/ship-pretrained.mjs gan /work/runs/cgan-mnist mnist [--from best|latest]
//   node packages/cli/scripts/ship-pretrained.mjs diffusion /work/runs/diff-mnist mnist --from latest [--eval "--scheduler dpmpp-2m --steps 20"]
//   node packages/cli/scripts/ship-pretrained.mjs vae /work/runs/vae-mnist mnist --from latest --float16 [--eval "--k 1000 --nll-n 1000"]
//   node packages/cli/scripts/ship-pretrained.mjs clip /work/runs/clip-mnist mnist [--from latest] [--float16]
//   node packages/cli/scripts/ship-pretrained.mjs unclip /work/runs/unclip-mnist mnist --from latest --float16 --eval "--prior pretrained:mnist-diffusion …"
//   node packages/cli/scripts/ship-pretrained.mjs unclip-prior /work/runs/prior-diffusion-mnist mnist-diffusion --from latest [--sampling '{"guidanceScale":2}']
//   (unclip / unclip-prior ship into packages/clip-guidance/pretrained/unclip-<name>/ and unclip-prior-<name>/)
//   node packages/cli/scripts/ship-pretrained.mjs vae /work/runs/vq-mnist mnist-vq --from latest --float16   (a VQ-VAE: gen eval vae measures reconstructions)
//   node packages/cli/scripts/ship-pretrained.mjs dalle /work/runs/dalle-mnist mnist --from latest --vq pretrained:mnist-vq --eval "--clip pretrained:mnist --candidates 4"
//   (dalle ships into packages/transformer/pretrained/<name>/; --vq names the shipped VQ-VAE its config.vq points to)
// --float16 stores the weights as half floats (half the bytes); the eval then measures those.
// --sampling <json> (diffusion, unclip, unclip-prior, dalle): recorded as config.sampling, e.g. {"guidanceScale":1.5}, the default of gen sample / eval.
// 1. exports a sampling-only checkpoint (EMA weights — for GANs with standing batch-norm
//    statistics —, no discriminator or optimizer state) to packages/<family>/pretrained/<name>/
//    (clip: packages/clip-guidance/pretrained/<name>/, the model and tokenizer of the newest
//    step checkpoint: clip runs keep no best/, so --from latest is the default and only choice);
// 2. runs `gen eval <family> --checkpoint pretrained:<name> --n 1000 <--eval options>` on it
//    (clip: --n 10000, zero-shot accuracy on the whole test split with training and held-out templates);
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
const FAMILIES = ['gan', 'diffusion', 'vae', 'clip', 'unclip', 'unclip-prior', 'dalle'];
// Families whose runs keep no best/ checkpoint: --from latest is the default and only choice.
const LATEST_ONLY = ['clip', 'unclip-prior', 'dalle'];
const from = flag('--from', LATEST_ONLY.includes(family) ? 'latest' : 'best');
const extraEvalArgs = flag('--eval', '').split(/\s+/).filter(Boolean);
const storage = rest.includes('--float16') ? 'float16' : 'float32';
if (!family || !runDir || !name || !FAMILIES.includes(family) || !['best', 'latest'].includes(from)) {
  console.error(`usage: node packages/cli/scripts/ship-pretrained.mjs ${FAMILIES.join('|')} <run dir> <name> [--from best|latest] [--float16] [--eval "<gen eval options>"]`);
  process.exit(2);
}
if (LATEST_ONLY.includes(family) && from === 'best') {
  console.error(`ship-pretrained: --from best is not available for ${family} (gen train ${family} keeps no best/ checkpoint); use --from latest`);
  process.exit(2);
}

const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
const checkpointsDir = path.join(runDir, 'checkpoints');
const latestStep = Math.max(...readdirSync(checkpointsDir).filter((d) => /^step-\d+$/.test(d)).map((d) => Number(d.slice(5))));
const source = from === 'best' ? path.join(runDir, 'best') : path.join(checkpointsDir, `step-${String(latestStep).padStart(8, '0')}`);
const packageDir = ['clip', 'unclip', 'unclip-prior'].includes(family) ? 'clip-guidance' : family === 'dalle' ? 'transformer' : family;
const folderName = family === 'unclip' || family === 'unclip-prior' ? `${family}-${name}` : name;
const dest = path.join(root, 'packages', packageDir, 'pretrained', folderName);

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
  await gan.saveGan(dest, { generator: loaded.generator, training: { loss: run.loss, architecture: run.architecture, ...sourceConfig.training, dataset: run.dataset }, storage, metadata: { step, exportedFrom: from, usedEma: loaded.usedEma } });
  loaded.dispose();
}
// An unCLIP decoder is a diffusion checkpoint (with config.imageEncoder, kept in extraConfig).
if (family === 'diffusion' || family === 'unclip') {
  const diffusion = await import('@gen/diffusion');
  const loaded = await diffusion.loadDiffusion(source, { useEma: true });
  const { model: _model, scheduler: _scheduler, family: _family, training: savedTraining = null, ...extraConfig } = loaded.config;
  const training = { ...savedTraining, dataset: run.dataset };
  const aeSource = extraConfig.autoencoder !== undefined ? (await import('@gen/diffusion/node')).autoencoderDirOf(extraConfig, source) : null;
  // Latent diffusion: the autoencoder ships inside, as autoencoder/, referenced relatively
  // (written after the checkpoint: saveCheckpoint refuses a folder that holds anything else).
  if (aeSource !== null) extraConfig.autoencoder = 'autoencoder';
  // --sampling '{"guidanceScale":1.5}': the settings measured best, which gen sample / eval use by default.
  if (flag('--sampling') !== undefined) extraConfig.sampling = JSON.parse(flag('--sampling'));
  await diffusion.saveDiffusion(dest, { model: loaded.model, schedulerConfig: loaded.schedulerConfig, training, extraConfig, metadata: { step, exportedFrom: from, usedEma: loaded.usedEma }, storage });
  if (aeSource !== null) {
    const vae = await import('@gen/vae');
    const { model: autoencoder, metadata: aeMetadata } = await vae.loadVaeModel({ source: aeSource });
    await vae.saveVaeModel(path.join(dest, 'autoencoder'), { model: autoencoder, metadata: { step: aeMetadata?.step ?? null, exportedFrom: aeSource }, storage });
    autoencoder.dispose();
  }
  loaded.dispose();
}
if (family === 'vae') {
  const vae = await import('@gen/vae');
  const { model } = sourceConfig.model?.kind === 'vq-vae' ? await vae.loadVqVae({ source }) : await vae.loadVaeModel({ source });
  await vae.saveVaeModel(dest, { model, training: { ...sourceConfig.training, dataset: run.dataset }, metadata: { step, exportedFrom: from }, storage });
  model.dispose();
}
if (family === 'clip') {
  const clipGuidance = await import('@gen/clip-guidance');
  const clip = await clipGuidance.loadClip(source);
  // Keep everything but what saveClip writes itself (the caption corpus, the training record).
  const { family: _family, model: _model, tokenizer: _tokenizer, ...extra } = clip.checkpointConfig;
  await clipGuidance.saveClip(dest, clip, { extra, metadata: { step, exportedFrom: from }, storage });
  clip.dispose();
}
if (family === 'unclip-prior') {
  const clipGuidance = await import('@gen/clip-guidance');
  const prior = await clipGuidance.loadPrior(source);
  // Keep where its CLIP is, its captions and training record; savePrior writes family and prior.
  const { family: _family, prior: _prior, ...extra } = prior.checkpointConfig;
  // --sampling '{"guidanceScale":2}': the diffusion prior's measured-best guidance, the default of gen sample / eval unclip.
  const sampling = flag('--sampling') !== undefined ? { sampling: JSON.parse(flag('--sampling')) } : {};
  await clipGuidance.savePrior(dest, prior, { ...extra, ...sampling, exported: { step, exportedFrom: from } });
  prior.dispose();
}
if (family === 'dalle') {
  const transformer = await import('@gen/transformer');
  const loaded = await transformer.loadDalle(source);
  // Keep the dataset, captions and training record; config.vq becomes the shipped VQ-VAE's name.
  const { family: _family, model: _model, tokenizer: _tokenizer, vq, ...extra } = loaded.config;
  const shippedVq = flag('--vq');
  if (!shippedVq?.startsWith('pretrained:')) throw new Error(`dalle needs --vq pretrained:<name> (the shipped VQ-VAE of ${vq})`);
  // --sampling '{"guidanceScale":3}': the settings measured best, which gen sample / eval dalle use by default.
  const sampling = flag('--sampling') !== undefined ? { sampling: JSON.parse(flag('--sampling')) } : {};
  await transformer.saveDalle(dest, loaded.model, { tokenizer: loaded.tokenizer, extra: { ...extra, ...sampling, vq: shippedVq, trainedWithVq: vq }, metadata: { step, exportedFrom: from }, storage });
  loaded.model.dispose();
}
console.log(`exported ${source} (step ${step}) → ${dest}; tensors left: ${tf.memory().numTensors}`);

// 2. Evaluate with the CLI, exactly as a user would.
const bin = path.join(root, 'packages', 'cli', 'dist', 'bin.js');
const evalOut = path.join(os.tmpdir(), `gen-ship-${family}-${name}`);
const evalN = family === 'clip' ? '10000' : '1000';
// --eval "--n 200 …" overrides the sample count (an expensive eval under a time budget).
const evalArgs = ['eval', family, '--checkpoint', `pretrained:${name}`, ...(extraEvalArgs.includes('--n') ? [] : ['--n', evalN]), ...extraEvalArgs, '--backend', 'wasm', '--out', evalOut];
console.log(`gen ${evalArgs.join(' ')}`);
execFileSync(process.execPath, [bin, ...evalArgs], { stdio: 'inherit' });
const metrics = JSON.parse(readFileSync(path.join(evalOut, 'metrics.json'), 'utf8'));
delete metrics.checkpoint;

// 3. The model card.
function shellLine(argv) {
  return `gen ${argv.map((a) => (/[\s"{}]/.test(a) ? `'${a}'` : a)).join(' ')}`;
}
/** Training time of a run folder: `elapsed` restarts at 0 in each resumed session, so the last value of each session is summed. */
function trainingSecondsOf(dir) {
  const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  let total = 0;
  let previous = 0;
  for (const line of lines) {
    if (typeof line.elapsed !== 'number') continue;
    if (line.elapsed < previous) total += previous;
    previous = line.elapsed;
  }
  return total + previous;
}
// --training-seconds: for runs whose metrics.jsonl predates its `elapsed` field (the time is then read off the training log).
const trainingSeconds = flag('--training-seconds') !== undefined ? Number(flag('--training-seconds')) : trainingSecondsOf(runDir);
// Latent diffusion: the autoencoder's own run (its run.json is in the run folder above its checkpoint).
let autoencoderRun = null;
if ((family === 'diffusion' || family === 'unclip') && typeof sourceConfig.autoencoder === 'string') {
  const aeRunDir = [0, 1, 2].map((up) => path.resolve(sourceConfig.autoencoder, ...Array(up).fill('..'))).find((dir) => existsSync(path.join(dir, 'run.json')));
  if (aeRunDir) {
    const aeRun = JSON.parse(readFileSync(path.join(aeRunDir, 'run.json'), 'utf8'));
    autoencoderRun = { command: shellLine(aeRun.argv), trainingSeconds: Math.round(trainingSecondsOf(aeRunDir)) };
  }
}
const binFiles = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? binFiles(path.join(dir, e.name)) : e.name.endsWith('.bin') ? [path.join(dir, e.name)] : []));
const weightBytes = binFiles(dest).reduce((total, f) => total + statSync(f).size, 0);
const card = {
  command: shellLine(run.argv),
  ...(run.resumes?.length ? { resumedWith: run.resumes.map((r) => ({ fromStep: r.fromStep, command: shellLine(r.argv) })) } : {}),
  steps: step,
  trainedSteps: latestStep,
  trainingSeconds: Math.round(trainingSeconds),
  ...(autoencoderRun ? { autoencoder: autoencoderRun } : {}),
  machine: `${os.cpus().length}-core ${os.cpus()[0]?.model ?? 'CPU'}, tfjs wasm backend (Node ${process.version}), shared with other jobs`,
  weightBytes,
  storage,
  evalCommand: `gen ${evalArgs.filter((a, i) => !(evalArgs[i - 1] === '--out' || a === '--out')).join(' ')}`,
  metrics,
};
writeFileSync(path.join(dest, 'model-card.json'), `${JSON.stringify(card, null, 2)}\n`);
if (!existsSync(path.join(dest, 'config.json'))) throw new Error('export failed');
console.log(JSON.stringify(card, null, 2));
