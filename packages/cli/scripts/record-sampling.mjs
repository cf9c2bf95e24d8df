#!/usr/bin/env node
// Records new measured-best sampling settings (`config.sampling`) in a shipped unCLIP prior,
// without the run it came from: same weights, same model card but its eval metrics, which are
// measured again with the new defaults.
//   node packages/cli/scripts/record-sampling.mjs unclip-prior fashion-diffusion '{"guidanceScale":2,"candidates":2}'
// Uses the built packages (run `pnpm build` first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const [family, name, json] = process.argv.slice(2);
if (family !== 'unclip-prior' || !name || !json) {
  console.error("usage: node packages/cli/scripts/record-sampling.mjs unclip-prior <name> '<sampling json>'");
  process.exit(2);
}
const sampling = JSON.parse(json);
const dest = path.join(root, 'packages', 'clip-guidance', 'pretrained', `unclip-prior-${name}`);
const cardPath = path.join(dest, 'model-card.json');
const card = JSON.parse(readFileSync(cardPath, 'utf8'));

await import('@tensorflow/tfjs-backend-wasm');
const core = await import('@gen/core');
await import('@gen/core/node');
await core.initBackend({ prefer: 'wasm' });
const clipGuidance = await import('@gen/clip-guidance');
const prior = await clipGuidance.loadPrior(dest);
const { family: _family, prior: _prior, ...extra } = prior.checkpointConfig;
// saveCheckpoint replaces only a folder that holds nothing but a checkpoint: the card steps aside.
rmSync(cardPath);
try {
  await clipGuidance.savePrior(dest, prior, { ...extra, sampling });
} finally {
  writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  prior.dispose();
}

// The card's eval, again, with the recorded defaults.
const out = mkdtempSync(path.join(os.tmpdir(), 'record-sampling-'));
const args = [...card.evalCommand.split(/\s+/).slice(1), '--out', out];
execFileSync(process.execPath, [path.join(root, 'packages/cli/dist/bin.js'), ...args], { stdio: 'inherit', cwd: root });
// The checkpoint's absolute path is this machine's, not the package's.
const { checkpoint: _checkpoint, ...metrics } = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
writeFileSync(cardPath, `${JSON.stringify({ ...card, sampling, metrics }, null, 2)}\n`);
console.log(`recorded sampling ${JSON.stringify(sampling)} in ${dest}; zero-shot ${metrics.zeroShotAccuracy}`);
