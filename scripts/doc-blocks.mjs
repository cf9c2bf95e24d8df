#!/usr/bin/env node
// Runs the code blocks of the docs as tests, so the docs cannot rot (docs/testing.md, "Docs
// code blocks"). Every ```ts / ```js / ```sh block in docs/**/*.md, README.md,
// packages/*/README.md and examples/*/README.md is:
//   - ts/js: typechecked (one tsc run over all blocks, against the BUILT packages' .d.ts) and
//     run with node against the built packages (dist), on the wasm backend by default;
//   - sh: syntax-checked (bash -n), every `gen …` option checked against `gen … --help`, and
//     run with `gen` = node packages/cli/dist/bin.js.
// Blocks run inside examples/node/.doc-blocks/, so imports resolve exactly as in a consumer
// project that depends on every @gen package; each block runs in a fresh temp directory.
//
// Annotations (see docs/testing.md):
//   ```ts no-run: <reason>      typecheck only (sh: syntax and `gen` options only); the reason is required
//   <!-- doc-block                an HTML comment right before the fence (invisible when rendered):
//   const vae = new VAE(…);        setup code prepended to the block (same language), and
//   @replace steps: 20_000 => steps: 2    substitutions applied to the block before it runs
//   -->                            (each must match, so a stale one fails)
//
// Usage: node scripts/doc-blocks.mjs [path-part …] [--list] [--no-run]
// Env: GEN_DOC_BACKEND (wasm | cpu; default wasm), GEN_DOC_TIMEOUT_S (per block; default 120),
// GEN_DOC_KEEP=1 keeps examples/node/.doc-blocks/run-<pid>/ (the compiled blocks) for debugging.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const consumer = join(repo, 'examples/node');
// One folder per run (concurrent runs in one checkout must not delete each other's files), inside
// the consumer package so that module resolution walks up to its node_modules.
const work = join(consumer, '.doc-blocks', `run-${process.pid}`);
const genBin = join(repo, 'packages/cli/dist/bin.js');
const TIMEOUT_S = Number(process.env.GEN_DOC_TIMEOUT_S ?? 120);
const BACKEND = process.env.GEN_DOC_BACKEND ?? 'wasm';

const LANGS = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js', sh: 'sh', bash: 'sh', shell: 'sh' };

/** Markdown files whose blocks are tests. */
export function docFiles(root = repo) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join('docs', 'api')) walk(path);
      } else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  files.push('README.md');
  for (const group of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const readme = join(group, entry.name, 'README.md');
      if (entry.isDirectory() && existsSync(join(root, readme))) files.push(readme);
    }
  }
  return files.sort();
}

/**
 * The code blocks of one markdown text: { lang, line, code, noRun, setup, replaces }.
 * `line` is the 1-based line of the opening fence. Throws on a malformed annotation.
 */
export function parseBlocks(text, file = '<text>') {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, rawLang, info] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    const lang = LANGS[rawLang.toLowerCase()];
    if (lang) {
      const where = `${file}:${i + 1}`;
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      const noRunMatch = /(?:^|\s)no-run\b:?\s*(.*)$/.exec(info);
      if (noRunMatch && noRunMatch[1].trim() === '') throw new Error(`${where}: "no-run" needs a reason (\`\`\`${rawLang} no-run: why it cannot run)`);
      const { setup, replaces } = hiddenSetup(lines, i, where);
      blocks.push({ file, line: i + 1, lang, code: body.join('\n'), noRun: noRunMatch ? noRunMatch[1].trim() : null, setup, replaces });
    }
    i = end;
  }
  return blocks;
}

/** The `<!-- doc-block … -->` comment ending right before line `fenceIndex` (blank lines allowed). */
function hiddenSetup(lines, fenceIndex, where) {
  let j = fenceIndex - 1;
  while (j >= 0 && lines[j].trim() === '') j--;
  if (j < 0 || lines[j].trim() !== '-->') return { setup: '', replaces: [] };
  let start = j - 1;
  while (start >= 0 && !lines[start].trim().startsWith('<!--')) start--;
  if (start < 0 || lines[start].trim() !== '<!-- doc-block') return { setup: '', replaces: [] };
  const setup = [];
  const replaces = [];
  for (const line of lines.slice(start + 1, j)) {
    if (line.trimStart().startsWith('@replace ')) {
      const spec = line.trimStart().slice('@replace '.length);
      const arrow = spec.indexOf(' => ');
      if (arrow < 0) throw new Error(`${where}: malformed "${line}" (expected "@replace FROM => TO")`);
      replaces.push({ from: spec.slice(0, arrow), to: spec.slice(arrow + 4) });
    } else setup.push(line);
  }
  return { setup: setup.join('\n'), replaces };
}

/** Applies the block's @replace lines; each must match at least once. */
export function applyReplaces(block) {
  let code = block.code;
  for (const { from, to } of block.replaces) {
    if (!code.includes(from)) throw new Error(`${block.file}:${block.line}: @replace "${from}" matches nothing in the block (stale annotation)`);
    code = code.split(from).join(to);
  }
  return code;
}

/** Shell words of one command line (quotes and backslash escapes; no expansion). */
export function shellWords(line) {
  const words = [];
  let word = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      word = (word ?? '') + line.slice(i + 1, close < 0 ? line.length : close);
      i = close < 0 ? line.length : close;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The `gen …` invocations of a shell block, as word lists (continuations joined, comments dropped). */
export function genCommands(code) {
  const joined = code.replace(/\\\n/g, ' ');
  const commands = [];
  for (const line of joined.split('\n')) {
    for (const segment of line.split(/&&|\|\||;|\|/)) {
      const words = shellWords(segment.trim());
      if (words[0] === 'gen') commands.push(words);
    }
  }
  return commands;
}

const helpCache = new Map();
/** Problems with one `gen` command line: unknown command or family, options its --help does not list. */
function checkGenCommand(words) {
  const commands = new Set(['train', 'sample', 'eval', 'bench', 'demo']);
  const [, command, family] = words;
  if (command === undefined || command.startsWith('-')) return [];
  if (!commands.has(command)) return [`unknown command "gen ${command}"`];
  const path = ['train', 'sample', 'eval'].includes(command) ? [command, family] : [command];
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    const result = spawnSync(process.execPath, [genBin, ...path, '--help'], { encoding: 'utf8' });
    helpCache.set(key, result.status === 0 ? result.stdout : null);
  }
  const help = helpCache.get(key);
  if (help === null) return [`"gen ${key} --help" failed (unknown family?)`];
  const problems = [];
  for (const word of words.slice(path.length + 1)) {
    if (!word.startsWith('--')) continue;
    const option = word.split('=')[0];
    if (!new RegExp(`(^|\\s)${option.replace(/[-]/g, '\\-')}(\\s|,|$)`, 'm').test(help)) problems.push(`"gen ${key}" has no option ${option}`);
  }
  return problems;
}

function blockId(block) {
  return `${block.file.replace(/[^\w]+/g, '-')}-${block.line}`;
}

function run(args, options) {
  return spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: TIMEOUT_S * 1000, maxBuffer: 64 << 20, ...options });
}

async function main() {
  const argv = process.argv.slice(2);
  const list = argv.includes('--list');
  const noRun = argv.includes('--no-run');
  const filters = argv.filter((a) => !a.startsWith('--'));
  const blocks = [];
  for (const file of docFiles()) {
    if (filters.length > 0 && !filters.some((f) => file.includes(f))) continue;
    blocks.push(...parseBlocks(readFileSync(join(repo, file), 'utf8'), file));
  }
  if (list) {
    for (const b of blocks) console.log(`${b.file}:${b.line} ${b.lang}${b.noRun ? ` no-run: ${b.noRun}` : ''}${b.setup ? ' +setup' : ''}${b.replaces.length ? ` +${b.replaces.length} replace` : ''}`);
    return 0;
  }
  if (!existsSync(join(repo, 'packages/core/dist/index.js')) || !existsSync(genBin)) {
    console.error('doc-blocks: the packages are not built (run pnpm build first)');
    return 1;
  }
  mkdirSync(work, { recursive: true });
  const failures = [];
  const fail = (block, message) => failures.push({ block, message });

  // 1. Sources of every block (setup + replaced code).
  const prepared = [];
  for (const block of blocks) {
    try {
      const code = applyReplaces(block);
      prepared.push({ block, code, setupLines: block.setup ? block.setup.split('\n').length : 0 });
    } catch (error) {
      fail(block, error.message);
    }
  }

  // Every @gen package a block imports must be a dependency of the consumer project.
  const consumerDeps = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')).dependencies ?? {};
  for (const p of prepared) {
    for (const [, name] of `${p.block.setup}\n${p.code}`.matchAll(/from\s+['"](@gen\/[\w-]+)/g)) {
      if (!(name in consumerDeps)) fail(p.block, `imports ${name}, which examples/node/package.json does not depend on (add "${name}": "workspace:*" there)`);
    }
  }

  // 2. Compile every ts / js block (a syntax error fails the block here, and keeps it out of the
  // tsc program: tsc reports no type errors at all for a program with a syntax error).
  for (const p of prepared) {
    if (p.block.lang === 'sh') continue;
    try {
      p.js = transformSync(`${p.block.setup}\n${p.code}\nexport {};\n`, { loader: p.block.lang, format: 'esm', target: 'node20', sourcefile: `${p.block.file}:${p.block.line}` }).code;
    } catch (error) {
      fail(p.block, `compile: ${error.message.split('\n').slice(0, 4).join(' ')}`);
    }
  }

  // 3. Typecheck every ts block that compiled, in one tsc run.
  const tsBlocks = prepared.filter((p) => p.block.lang === 'ts' && p.js !== undefined);
  for (const p of tsBlocks) {
    p.tsFile = `${blockId(p.block)}.ts`;
    writeFileSync(join(work, p.tsFile), `${p.block.setup}${p.block.setup ? '\n' : ''}${p.code}\nexport {};\n`);
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', moduleDetection: 'force',
        strict: true, skipLibCheck: true, noEmit: true, types: ['node'], esModuleInterop: true,
      },
      include: ['*.ts'],
    }, null, 2),
  );
  if (tsBlocks.length > 0) {
    const tsc = run([process.execPath, join(repo, 'node_modules/typescript/lib/tsc.js'), '-p', join(work, 'tsconfig.json'), '--pretty', 'false'], { cwd: work });
    const byFile = new Map(tsBlocks.map((p) => [p.tsFile, p]));
    for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n')) {
      const m = /^(?:.*[\\/])?([^\\/()]+\.ts)\((\d+),(\d+)\): (error .*)$/.exec(line);
      if (!m) continue;
      const p = byFile.get(m[1]);
      if (!p) {
        failures.push({ block: { file: m[1], line: 0 }, message: `typecheck: ${m[4]}` });
        continue;
      }
      const at = Number(m[2]) - p.setupLines;
      fail(p.block, `typecheck: ${at >= 1 ? `block line ${at} (${p.block.file}:${p.block.line + at})` : `setup line ${Number(m[2])}`}: ${m[4]}`);
    }
    if (tsc.status !== 0 && failures.length === 0) fail({ file: 'tsc', line: 0 }, `tsc exited ${tsc.status}: ${tsc.stdout}${tsc.stderr}`);
  }

  // 4. Run (ts / js), check and run (sh).
  const preamble = join(work, 'preamble.mjs');
  writeFileSync(
    preamble,
    [
      '// Loaded with node --import before each block: the backend a block runs on.',
      "import { initBackend } from '@gen/core';",
      "import { loadNodeBackends } from '@gen/core/node';",
      "await loadNodeBackends({ only: ['wasm', 'cpu'] });",
      `await initBackend({ prefer: ${JSON.stringify(BACKEND)} });`,
      '',
    ].join('\n'),
  );
  const scratch = mkdtempSync(join(tmpdir(), 'gen-doc-blocks-'));
  const times = [];
  for (const p of prepared) {
    const { block } = p;
    const label = `${block.file}:${block.line} [${block.lang}]`;
    const cwd = join(scratch, blockId(block));
    mkdirSync(cwd, { recursive: true });
    const before = failures.length;
    const start = performance.now();
    let ran = false;
    if (block.lang === 'ts' || block.lang === 'js') {
      const { js } = p;
      if (js !== undefined && !block.noRun && !noRun && failures.length === before) {
        const file = join(work, `${blockId(block)}.mjs`);
        writeFileSync(file, js);
        const result = run([process.execPath, '--import', pathToFileURL(preamble).href, file], { cwd, env: { ...process.env, GEN_DOCS: '1' } });
        ran = true;
        if (result.status !== 0) fail(block, `run: ${result.error ? result.error.message : `exit ${result.status ?? result.signal}`}\n${tail(result.stdout + result.stderr)}`);
      }
    } else {
      const script = `${block.setup}\n${p.code}\n`;
      const syntax = run(['bash', '-n'], { input: script });
      if (syntax.status !== 0) fail(block, `bash -n: ${syntax.stderr.trim()}`);
      for (const words of genCommands(p.code)) for (const problem of checkGenCommand(words)) fail(block, problem);
      if (!block.noRun && !noRun && failures.length === before) {
        const prelude = `set -euo pipefail\ngen() { node ${JSON.stringify(genBin)} "$@"; }\n`;
        const result = run(['bash', '-c', prelude + script], { cwd });
        ran = true;
        if (result.status !== 0) fail(block, `run: ${result.error ? result.error.message : `exit ${result.status ?? result.signal}`}\n${tail(result.stdout + result.stderr)}`);
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const ok = !failures.some((f) => f.block === block);
    const what = ran ? 'ran' : block.noRun ? `checked (no-run: ${block.noRun})` : 'checked';
    console.log(`${ok ? '✓' : '✗'} ${label} ${what}${ran ? ` (${seconds.toFixed(1)} s)` : ''}`);
    if (ran) times.push([seconds, label]);
  }
  rmSync(scratch, { recursive: true, force: true });
  if (!process.env.GEN_DOC_KEEP) rmSync(work, { recursive: true, force: true });
  for (const { block, message } of failures) console.log(`\n✗ ${block.file}:${block.line}\n  ${message.replace(/\n/g, '\n  ')}`);
  const slowest = times.sort((a, b) => b[0] - a[0]).slice(0, 5);
  if (slowest.length) console.log(`\nslowest: ${slowest.map(([s, l]) => `${l} ${s.toFixed(1)} s`).join(', ')}`);
  const failedBlocks = new Set(failures.map((f) => `${f.block.file}:${f.block.line}`)).size;
  console.log(`doc-blocks: ${blocks.length} blocks (${times.length} ran), ${failedBlocks} failed`);
  return failures.length > 0 || blocks.length === 0 ? 1 : 0;
}

function tail(text, lines = 25) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main();
}
