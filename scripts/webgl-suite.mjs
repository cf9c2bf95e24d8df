#!/usr/bin/env node
// The webgl test leg: runs every numeric suite (each packages/*/src test file that calls
// describeWithBackends) on tfjs's WebGL backend in real headless Chromium.
//
//   pnpm test:webgl                                  # everything
//   node scripts/webgl-suite.mjs packages/core/src/nn  # only files whose path contains this
//   node scripts/webgl-suite.mjs -t 'linear'         # only tests whose full name matches
//
// How: esbuild bundles a jest-like harness (scripts/webgl/browser) + the real `expect`
// + the test files for the browser; a localhost static server serves it; playwright-core
// drives /usr/bin/chromium; the page reports each test back through an exposed function.
// Only the ` [webgl]` copies that describeWithBackends emits run there. See docs/testing.md.
//
// Environment: GEN_CHROMIUM (browser path, default /usr/bin/chromium),
// GEN_WEBGL_TIMEOUT_S (whole leg, default 900), GEN_WEBGL_TEST_TIMEOUT_S (per test / hook,
// default 60; a test's own jest timeout argument wins).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverTestFiles, selftestFiles, buildBundle, repoRoot } from './webgl/build.mjs';
import { serveStatic } from './webgl/server.mjs';
import { createStackMapper, trimStack } from './webgl/sourcemap.mjs';
import { CHROMIUM_PATH, launchChromium } from './webgl/chromium.mjs';

const artifactsDir = path.join(repoRoot, '.webgl-suite');
// The bundle goes to a private temp dir: several runs (other worktrees, other engineers)
// may share .webgl-suite/, which only receives the final artifacts.
const workDir = mkdtempSync(path.join(os.tmpdir(), 'gen-webgl-'));
const bundleDir = path.join(workDir, 'bundle');
const keepBundle = process.env.GEN_WEBGL_KEEP_BUNDLE === '1';
const MAX_CONSOLE_LINES = 12;
const chromiumPath = CHROMIUM_PATH;
const globalTimeoutMs = Number(process.env.GEN_WEBGL_TIMEOUT_S || 900) * 1000;
const testTimeoutMs = Number(process.env.GEN_WEBGL_TEST_TIMEOUT_S || 60) * 1000;
// Grace beyond a test's own timeout before we decide the page is wedged (a synchronous GPU
// readback can block the page's event loop, so the in-page timeout cannot fire).
const WATCHDOG_GRACE_MS = 20_000;
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = paint(31);
const green = paint(32);
const dim = paint(2);

function parseArgs(argv) {
  const filters = [];
  let grep = null;
  let selftest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-t' || a === '--grep' || a === '--testNamePattern') grep = argv[++i];
    else if (a.startsWith('--grep=')) grep = a.slice(7);
    else if (a === '--selftest') selftest = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/webgl-suite.mjs [path-substring ...] [-t test-name-regex] [--selftest]');
      process.exit(0);
    } else filters.push(a.replace(/^\.\//, ''));
  }
  return { filters, grep, selftest };
}

const args = parseArgs(process.argv.slice(2));
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const results = { startedAt: new Date().toISOString(), env: null, files: [], tests: [], failures: [], timings: {} };
let mapStack = (s) => s;

function printError(err, indent = '      ') {
  const stack = mapStack(err.stack || '');
  const message = mapStack(err.message || '');
  const firstLine = message.split('\n')[0];
  const text = stack && stack.includes(firstLine) ? trimStack(stack) : `${message}\n${trimStack(stack).split('\n').filter((l) => /^\s+at /.test(l)).join('\n')}`;
  const where = err.where ? `(${err.where}) ` : '';
  console.log(
    (where + text)
      .trimEnd()
      .split('\n')
      .map((l) => indent + l)
      .join('\n'),
  );
}

function summarize(passed, failed) {
  console.log('');
  const worst = results.tests
    .filter((t) => t.status)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  if (worst.length) {
    console.log(dim(`slowest: ${worst.map((t) => `${t.name} ${Math.round(t.ms)} ms`).join('; ')}`));
  }
  if (results.failures.length) {
    console.log(red(`failures (${results.failures.length}):`));
    for (const f of results.failures) console.log(red(`  ✗ ${f.file ? f.file + ': ' : ''}${f.name}`));
  }
  const { bundle, launch, run } = results.timings;
  const secs = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
  console.log(dim(`timings: bundle ${secs(bundle)}, chromium start ${secs(launch)}, tests ${secs(run)}, total ${elapsed()}`));
  console.log(`webgl: ${passed} passed, ${failed} failed`);
  console.log(`${passed} passed, ${failed} failed`);
}

// --selftest: the fixtures in scripts/webgl/selftest say what must happen in their names.
const SELFTEST_EXPECTED = { passed: 9, failed: 7 };
function checkSelftest() {
  const problems = [];
  for (const t of results.tests) {
    const want = t.name.includes('fails:') ? 'failed' : 'passed';
    if (/must not run/.test(t.name)) problems.push(`ran although it must not: ${t.name}`);
    else if (t.status !== want) problems.push(`${t.status}, expected ${want}: ${t.name}`);
  }
  const other = results.failures.filter((f) => !results.tests.some((t) => t.name === f.name));
  for (const f of other) problems.push(`unexpected failure: ${f.name}: ${f.error?.message}`);
  const passed = results.tests.filter((t) => t.status === 'passed').length;
  const failed = results.tests.filter((t) => t.status === 'failed').length;
  if (passed !== SELFTEST_EXPECTED.passed || failed !== SELFTEST_EXPECTED.failed) {
    problems.push(`expected ${SELFTEST_EXPECTED.passed} passed / ${SELFTEST_EXPECTED.failed} failed, got ${passed} / ${failed}`);
  }
  console.log('');
  if (problems.length) {
    console.log(red(`selftest: the harness misbehaved (${problems.length}):`));
    for (const p of problems) console.log(red(`  - ${p}`));
    return false;
  }
  console.log(green('selftest: the harness behaves (expected passes passed, expected failures failed, excluded tests did not run)'));
  return true;
}

function fail(name, error, file) {
  results.failures.push({ name, file, error });
}

async function main() {
  const { filters, grep, selftest } = args;
  mkdirSync(artifactsDir, { recursive: true });

  if (!existsSync(chromiumPath)) throw Object.assign(new Error(`Chromium not found at ${chromiumPath}`), { chromium: true });

  // 1. Which files.
  let files = selftest ? selftestFiles() : discoverTestFiles();
  if (filters.length) files = files.filter((f) => filters.some((p) => f.includes(p)));
  console.log(`[webgl] ${files.length} test file(s) call describeWithBackends${filters.length ? ` (filtered by ${filters.join(', ')})` : ''}`);
  for (const f of files) console.log(dim(`  ${f}`));
  if (files.length === 0) {
    fail('no test files', { message: 'no test file under packages/*/src calls describeWithBackends (or the filter matched none)' });
    return { passed: 0, failed: 1 };
  }

  // 2. Bundle.
  const tb = Date.now();
  const { included, bundleErrors, bytes } = await buildBundle(files, bundleDir, { grep });
  results.timings.bundle = Date.now() - tb;
  console.log(dim(`[webgl] bundled ${included.length} file(s) in ${results.timings.bundle} ms (${(bytes / 1e6).toFixed(1)} MB)`));
  for (const e of bundleErrors) {
    console.log(red(`✗ ${e.file}: cannot be bundled for the browser`));
    printError({ message: e.message }, '    ');
    fail('cannot be bundled for the browser', { message: e.message }, e.file);
  }
  results.files = files.map((f) => ({ file: f, bundled: included.includes(f) }));
  if (included.length === 0) return { passed: 0, failed: bundleErrors.length };

  // 3. Serve and launch.
  const server = await serveStatic(bundleDir);
  mapStack = createStackMapper(bundleDir, repoRoot, server.url);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'gen-webgl-chromium-'));
  const tl = Date.now();
  let context;
  try {
    context = await launchChromium(userDataDir, { executablePath: chromiumPath, viewport: { width: 1100, height: 600 } });
  } catch (error) {
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  results.timings.launch = Date.now() - tl;
  const browserVersion = context.browser()?.version() ?? 'unknown';
  console.log(dim(`[webgl] Chromium ${browserVersion} started in ${results.timings.launch} ms`));

  let passed = 0;
  let failed = 0;
  const seen = new Set();
  let running = null; // { name, file, deadline }
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const consoleLog = [];
  let currentFile = null;
  let booted = false; // the page verified webgl and reported its environment

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    const text = msg.text();
    consoleLog.push(`[${msg.type()}] ${text}`);
    // The harness's own fallback channel, and SwiftShader's per-readback stall notes, stay in the log file.
    if (text.startsWith('[webgl-suite]') || /GL Driver Message/.test(text)) return;
    const lines = mapStack(text).split('\n');
    const shown = lines.length > MAX_CONSOLE_LINES ? [...lines.slice(0, MAX_CONSOLE_LINES - 2), `… ${lines.length - MAX_CONSOLE_LINES + 2} more lines in .webgl-suite/console.log`] : lines;
    console.log(dim(shown.map((l) => `    [console.${msg.type()}] ${l}`).join('\n')));
  });
  page.on('pageerror', (error) => {
    console.log(red(`✗ uncaught error in the page${running ? ` during "${running.name}"` : ''}:`));
    printError({ message: error.message, stack: error.stack }, '    ');
    fail(`uncaught page error${running ? ` during "${running.name}"` : ''}`, { message: error.message, stack: error.stack }, running?.file);
    // Before the harness reported anything, an uncaught error means the bundle did not start.
    if (!booted) finish('boot-failed');
  });
  page.on('crash', () => {
    fail('page crashed', { message: `the page crashed${running ? ` during "${running.name}"` : ''}` }, running?.file);
    finish('crash');
  });

  await page.exposeFunction('__genReport', (event) => {
    switch (event.type) {
      case 'env':
        booted = true;
        results.env = { ...event, browserVersion };
        console.log(`[webgl] backend webgl: WebGL${event.webglVersion}, float32 render targets, tfjs ${event.tfjsVersion}, ${event.renderer}`);
        break;
      case 'file-loading':
        currentFile = event.file;
        break;
      case 'file-error':
        console.log(red(`✗ ${event.file}: failed to load in the browser`));
        printError(event.error, '    ');
        fail('failed to load in the browser', event.error, event.file);
        failed++;
        break;
      case 'file-start':
        console.log(`\n${event.file} ${dim(`(${event.selected} on webgl, ${event.skipped} skipped on webgl, ${event.other} Node-only)`)}`);
        break;
      case 'file-end':
        (results.timings.files ??= {})[event.file] = Math.round(event.ms);
        break;
      case 'test-start':
        running = { name: event.name, file: event.file, startedAt: Date.now(), deadline: Date.now() + event.timeout + WATCHDOG_GRACE_MS };
        break;
      case 'test-end': {
        running = null;
        seen.add(`${event.file}\u0000${event.name}`);
        results.tests.push({ file: event.file, name: event.name, status: event.status, ms: event.ms, errors: event.errors.map((e) => ({ ...e, stack: mapStack(e.stack), message: mapStack(e.message) })) });
        const ms = dim(`(${Math.round(event.ms)} ms)`);
        if (event.status === 'passed') {
          passed++;
          console.log(`  ${green('✓')} ${event.name} ${ms}`);
        } else {
          failed++;
          console.log(`  ${red('✗')} ${event.name} ${ms}`);
          for (const e of event.errors) printError(e);
          fail(event.name, event.errors[0], event.file);
        }
        break;
      }
      case 'hook-failure':
        failed++;
        console.log(`  ${red('✗')} ${event.name}`);
        printError(event.error);
        fail(event.name, event.error, event.file);
        break;
      case 'fatal':
        console.log(red(`✗ webgl leg aborted: ${event.error.message}`));
        printError(event.error, '    ');
        fail('fatal', event.error);
        finish('fatal');
        break;
      case 'done':
        finish('done');
        break;
      default:
        break;
    }
  });

  const tr = Date.now();
  const globalTimer = setTimeout(() => finish('global-timeout'), Math.max(1000, globalTimeoutMs - (Date.now() - t0)));
  const watchdog = setInterval(() => {
    if (running && Date.now() > running.deadline) finish('watchdog');
  }, 1000);
  try {
    await page.goto(server.url, { waitUntil: 'load', timeout: 60_000 });
  } catch (error) {
    fail('page did not load', { message: error.message });
    finish('load-failed');
  }
  const bootTimer = setTimeout(() => {
    if (!booted) {
      fail('page did not start', { message: 'the webgl page did not report its environment within 90 s' });
      finish('boot-timeout');
    }
  }, 90_000);
  const outcome = await finished;
  clearTimeout(bootTimer);
  clearTimeout(globalTimer);
  clearInterval(watchdog);
  results.timings.run = Date.now() - tr;

  if (outcome === 'global-timeout' || outcome === 'watchdog') {
    const why =
      outcome === 'watchdog'
        ? `the page stopped responding: "${running.name}" ran past its timeout + ${WATCHDOG_GRACE_MS / 1000}s (a blocking GPU call?)`
        : `the webgl leg ran past its global timeout (${globalTimeoutMs / 1000}s, GEN_WEBGL_TIMEOUT_S)${running ? ` while running "${running.name}"` : currentFile ? ` while loading ${currentFile}` : ''}`;
    console.log(red(`✗ ${why}; remaining tests did not run`));
    if (running) {
      failed++;
      results.tests.push({ file: running.file, name: running.name, status: 'failed', ms: Date.now() - running.startedAt, errors: [{ message: why }] });
    }
    fail(running ? running.name : 'global timeout', { message: why }, running?.file);
  }
  if (['crash', 'load-failed', 'fatal', 'boot-timeout'].includes(outcome)) failed++;

  // Artifacts: a screenshot of the page's result list and the browser console.
  try {
    if (outcome === 'watchdog' || outcome === 'crash') throw new Error('the page is not responding');
    await Promise.race([
      page.screenshot({ path: path.join(artifactsDir, 'screenshot.png'), fullPage: true }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('screenshot timed out')), 10_000)),
    ]);
  } catch (error) {
    console.log(dim(`[webgl] no screenshot: ${error.message}`));
  }
  writeFileSync(path.join(artifactsDir, 'console.log'), consoleLog.join('\n') + '\n');
  await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10_000))]);
  await server.close();
  rmSync(userDataDir, { recursive: true, force: true });

  failed += bundleErrors.length;
  const pageErrors = results.failures.filter((f) => f.name.startsWith('uncaught page error')).length;
  failed += pageErrors;
  if (outcome === 'done' && passed + failed === 0) {
    fail('zero tests', { message: 'no test ran on webgl: the files registered no " [webgl]" suite (all skipped for webgl?)' });
    failed++;
  }
  return { passed, failed };
}

let exitCode = 0;
try {
  const { passed, failed } = await main();
  results.passed = passed;
  results.failed = failed;
  results.timings.total = Date.now() - t0;
  summarize(passed, failed);
  exitCode = failed > 0 || passed === 0 ? 1 : 0;
  if (args.selftest) exitCode = checkSelftest() ? 0 : 1;
} catch (error) {
  console.log(red(`✗ webgl leg could not run: ${error.message}`));
  if (error.chromium) {
    console.log(
      red(
        '  The webgl leg needs Chromium: install it with `apt-get install -y chromium` (Debian/Ubuntu),\n' +
          '  or point GEN_CHROMIUM at a Chromium/Chrome binary. (Do not run `playwright install`.)',
      ),
    );
  } else if (error.stack) console.log(dim(error.stack));
  results.fatal = error.message;
  results.timings.total = Date.now() - t0;
  console.log('webgl: 0 passed, 1 failed');
  console.log('0 passed, 1 failed');
  exitCode = 1;
}
if (keepBundle) console.log(`[webgl] bundle kept in ${bundleDir}`);
else rmSync(workDir, { recursive: true, force: true });
mkdirSync(artifactsDir, { recursive: true });
writeFileSync(path.join(artifactsDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(dim(`[webgl] artifacts in ${path.relative(process.cwd(), artifactsDir) || '.'}/ (results.json, screenshot.png, console.log) — ${elapsed()}`));
process.exit(exitCode);
