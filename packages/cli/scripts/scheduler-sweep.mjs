#!/usr/bin/env node
// The steps-vs-FID table of a diffusion checkpoint: `gen eval diffusion` for every scheduler at
// every step count, same seed and sample count, one JSON line per cell (resumable: finished
// cells are skipped), then a markdown table.
//   node packages/cli/scripts/scheduler-sweep.mjs --checkpoint pretrained:mnist --n 200 \
//     --steps 10,20,50,100 --out /work/runs/sweep-mnist [--schedulers ddim,dpmpp-2m] [--guidance-scale 3]
// Uses the built CLI (run `pnpm build` first).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '..', 'dist', 'bin.js');
const SCHEDULERS = ['ddpm', 'ddim', 'euler', 'euler-ancestral', 'heun', 'dpmpp-2m', 'dpmpp-2m-sde', 'unipc'];

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const checkpoint = flag('--checkpoint');
const out = flag('--out');
const n = Number(flag('--n', '200'));
const steps = flag('--steps', '10,20,50,100').split(',').map(Number);
const schedulers = flag('--schedulers', SCHEDULERS.join(',')).split(',');
const guidance = flag('--guidance-scale');
const backend = flag('--backend', 'wasm');
const bad = schedulers.find((s) => !SCHEDULERS.includes(s));
if (!checkpoint || !out || !(n >= 1) || steps.some((s) => !Number.isInteger(s) || s < 1) || bad) {
  console.error(`usage: scheduler-sweep.mjs --checkpoint <dir|pretrained:name> --out <dir> [--n 200] [--steps 10,20,50,100] [--schedulers ${SCHEDULERS.join(',')}] [--guidance-scale w]${bad ? `\nunknown scheduler ${bad}` : ''}`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const cellsFile = path.join(out, 'cells.jsonl');
const done = existsSync(cellsFile) ? readFileSync(cellsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const key = (scheduler, count) => `${scheduler}@${count}`;
const finished = new Set(done.map((cell) => key(cell.scheduler, cell.steps)));

for (const count of steps) {
  for (const scheduler of schedulers) {
    if (finished.has(key(scheduler, count))) continue;
    const cellOut = path.join(out, `${scheduler}-${count}`);
    const evalArgs = ['eval', 'diffusion', '--checkpoint', checkpoint, '--n', String(n), '--scheduler', scheduler, '--steps', String(count), '--backend', backend, '--out', cellOut];
    if (guidance !== undefined) evalArgs.push('--guidance-scale', guidance);
    const started = Date.now();
    execFileSync(process.execPath, [bin, ...evalArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
    const metrics = JSON.parse(readFileSync(path.join(cellOut, 'metrics.json'), 'utf8'));
    const cell = { scheduler, steps: count, n, fid: metrics.fid, floor: metrics.floor, ratio: metrics.ratio, classAccuracy: metrics.classAccuracy ?? null, seconds: (Date.now() - started) / 1000 };
    appendFileSync(cellsFile, `${JSON.stringify(cell)}\n`);
    done.push(cell);
    console.log(JSON.stringify(cell));
  }
}

// The table: one row per scheduler, one column per step count measured in this folder (this run's
// and earlier runs', e.g. a DDPM-only 1,000-step run); "FID / ratio (accuracy)" per cell.
const columns = [...new Set(done.map((cell) => cell.steps))].sort((a, b) => a - b);
const rows = SCHEDULERS.filter((scheduler) => done.some((cell) => cell.scheduler === scheduler));
const cellOf = (scheduler, count) => done.find((cell) => cell.scheduler === scheduler && cell.steps === count);
const format = (cell) => (cell ? `${cell.fid.toFixed(2)} / ${cell.ratio.toFixed(2)}×${cell.classAccuracy === null ? '' : ` (${(100 * cell.classAccuracy).toFixed(1)}%)`}` : '—');
const lines = [
  `FID / ratio to the real-vs-real floor (${done[0]?.floor?.toFixed(2) ?? '?'} at n = ${n})${guidance !== undefined ? `, guidance scale ${guidance}` : ''} (class accuracy of the repo classifier).`,
  '',
  `| scheduler | ${columns.map((s) => `${s} steps`).join(' | ')} |`,
  `|---|${columns.map(() => '---').join('|')}|`,
  ...rows.map((scheduler) => `| ${scheduler} | ${columns.map((count) => format(cellOf(scheduler, count))).join(' | ')} |`),
  '',
  `Command: \`node packages/cli/scripts/scheduler-sweep.mjs ${args.join(' ')}\``,
];
writeFileSync(path.join(out, 'table.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
