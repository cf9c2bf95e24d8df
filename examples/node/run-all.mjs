// Runs every example with --quick (the test chain's `pnpm test:docs` does): each must exit 0
// within the time limit, print its JSON summary as the last line, and write its files.
//   node examples/node/run-all.mjs [name-part …]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const LIMIT_S = Number(process.env.GEN_EXAMPLE_TIMEOUT_S ?? 120);
/** Each example, the files it must write under --out, and what its summary must say. */
const EXAMPLES = [
  { file: 'train-dcgan.mjs', writes: ['samples.png', 'model/config.json'], check: (s) => s.stoppedBy === 'done' && s.imagesShape.join() === '16,28,28,1' },
  { file: 'sample-dpm-solver.mjs', writes: ['samples.png'], check: (s) => s.stepsCompleted === 5 && s.min >= 0 && s.max <= 1 },
  { file: 'vae-interpolation.mjs', writes: ['interpolation.png'], check: (s) => s.stoppedBy === 'done' && s.framesShape.join() === '32,28,28,1' },
  { file: 'latent-diffusion.mjs', writes: ['samples.png'], check: (s) => s.latentShape.join() === '7,7,2' && s.scalingFactor > 0 && s.imagesShape.join() === '4,28,28,1' },
  { file: 'text-to-image.mjs', writes: ['samples.png'], check: (s) => s.stepsCompleted === 4 && s.imagesShape.join() === '2,28,28,1' && s.prompts.length === 2 },
  { file: 'clip-zero-shot.mjs', writes: ['model/config.json'], check: (s) => s.n === 64 && s.accuracy >= 0 && s.accuracy <= 1 },
];

const filters = process.argv.slice(2);
const chosen = EXAMPLES.filter((e) => filters.length === 0 || filters.some((f) => e.file.includes(f)));
const root = mkdtempSync(join(tmpdir(), 'gen-examples-'));
let failed = 0;
for (const example of chosen) {
  const out = join(root, example.file.replace('.mjs', ''));
  const start = performance.now();
  const result = spawnSync(process.execPath, [join(here, example.file), '--quick', '--out', out], { encoding: 'utf8', timeout: LIMIT_S * 1000, cwd: root });
  const seconds = (performance.now() - start) / 1000;
  const problems = [];
  if (result.error) problems.push(String(result.error.message));
  if (result.status !== 0) problems.push(`exit ${result.status ?? result.signal}`);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  let summary = null;
  try {
    summary = JSON.parse(last);
  } catch {
    problems.push(`last line is not the JSON summary: ${last}`);
  }
  if (summary && !example.check(summary)) problems.push(`unexpected summary ${last}`);
  for (const file of example.writes) if (!existsSync(join(out, file))) problems.push(`did not write ${file}`);
  if (problems.length === 0) {
    console.log(`✓ ${example.file} (${seconds.toFixed(1)} s) ${last}`);
  } else {
    failed++;
    console.log(`✗ ${example.file} (${seconds.toFixed(1)} s): ${problems.join('; ')}\n${result.stdout}${result.stderr}`);
  }
}
rmSync(root, { recursive: true, force: true });
console.log(`examples: ${chosen.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 || chosen.length === 0 ? 1 : 0);
