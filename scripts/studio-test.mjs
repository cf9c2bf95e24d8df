#!/usr/bin/env node
// End-to-end test of the browser studio (examples/studio) in real headless Chromium:
//   1. builds it (the MNIST slice, then `vite build`) unless --no-build;
//   2. serves dist/ on a localhost port and opens it on the WebGL backend;
//   3. Generate: each family (GAN, VAE, diffusion, untrained weights) — the canvas is not blank
//      and differs between seeds; diffusion shows its per-step preview; every shipped model;
//      text-to-image (each shipped text-conditioned checkpoint with its CLIP): a prompt draws a
//      non-blank grid that differs between prompts and between seeds, with the live preview; an
//      empty and an over-long prompt show the library's one-line error under the controls;
//      DALL·E (the shipped MNIST transformer with its VQ-VAE): a prompt draws a non-blank grid
//      that differs between prompts and seeds, the guidance starts at the recorded scale, CLIP
//      re-ranking (best 2 of 4) draws; unCLIP (the shipped MNIST decoder with its CLIP): a
//      prompt through the diffusion and the regression prior, differing between prompts and
//      seeds, with the live preview; variations of an MNIST-slice reference differ between seeds,
//      and an uploaded reference draws; an empty prompt shows the library's one-line error;
//   4. Explore: the GAN interpolation renders and the truncation slider changes it;
//   5. Train: a few VAE steps — the loss falls; pause; reload the page; resume from IndexedDB at
//      the paused step and finish; export the checkpoint and sample from it with the CLI;
//      generate from the browser-trained checkpoint;
//   6. where WebGL contexts cannot be created, the studio runs on wasm and says so in its header.
// Screenshots and the browser console go to examples/studio/test-artifacts/ (git-ignored).
//
//   node scripts/studio-test.mjs [--no-build] [--backend webgl|wasm|cpu]
// Environment: GEN_CHROMIUM (browser, default /usr/bin/chromium), GEN_STUDIO_TIMEOUT_S (whole test, default 480).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './webgl/chromium.mjs';
import { serveStatic } from './webgl/server.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const studio = path.join(root, 'examples/studio');
const dist = path.join(studio, 'dist');
const artifacts = path.join(studio, 'test-artifacts');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : null;
// Safety caps, not expectations: on a quiet 2-core machine the browser checks take ~30 s and the
// build ~45 s; on a machine shared with training runs everything can be 5–10× slower.
const globalTimeoutMs = Number(process.env.GEN_STUDIO_TIMEOUT_S || 480) * 1000;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const timings = {};
const results = [];
let failures = 0;
let finishing = false;

function log(line) {
  console.log(`[studio ${elapsed()}] ${line}`);
}

/** One named check: passes, or records the failure and goes on (later checks may still run). */
async function check(name, body) {
  const start = Date.now();
  try {
    const detail = await body();
    results.push({ name, status: 'passed', ms: Date.now() - start, detail });
    log(`✓ ${name}${detail ? ` — ${detail}` : ''} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
    return true;
  } catch (error) {
    failures++;
    results.push({ name, status: 'failed', ms: Date.now() - start, error: error.message });
    log(`✗ ${name}: ${error.message.split('\n')[0]}`);
    return false;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function run(command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit', env: process.env });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited with ${result.status ?? result.signal}`);
}

// --- Build -------------------------------------------------------------------------------------
if (build) {
  const tb = Date.now();
  log('building: MNIST slice + vite build');
  run(process.execPath, [path.join(root, 'scripts/run-ts.mjs'), path.join(studio, 'scripts/make-mnist-slice.ts')], root);
  run(process.execPath, [path.join(studio, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], studio);
  timings.build = Date.now() - tb;
}
if (!existsSync(path.join(dist, 'index.html'))) {
  console.log('studio: dist/index.html is missing: run without --no-build');
  process.exit(1);
}
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

// --- Browser -----------------------------------------------------------------------------------
const server = await serveStatic(dist);
const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'gen-studio-chromium-'));
const tl = Date.now();
const context = await launchChromium(userDataDir, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
timings.launch = Date.now() - tl;
const page = context.pages()[0] ?? (await context.newPage());
const consoleLines = [];
page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
page.on('pageerror', (error) => {
  consoleLines.push(`[pageerror] ${error.message}`);
  log(`page error: ${error.message.split('\n')[0]}`);
});
const globalTimer = setTimeout(() => {
  log(`✗ the studio test ran past ${globalTimeoutMs / 1000}s (GEN_STUDIO_TIMEOUT_S)`);
  failures++;
  void finish(1);
}, globalTimeoutMs);
// Generate and Explore run on the backend the studio picks (WebGL here: SwiftShader, a software
// GPU). Training a few dozen steps there takes minutes, so the Train checks open the studio
// with ?backend=wasm (the same code, IndexedDB and resume path; on a real GPU WebGL is fast).
const url = `${server.url}${backendArg ? `?backend=${backendArg}` : ''}`;
const trainUrl = `${server.url}?backend=${backendArg ?? 'wasm'}`;
const STEP_TIMEOUT = 180_000;
page.setDefaultTimeout(STEP_TIMEOUT);

async function open(address = url) {
  await page.goto(address, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, { timeout: 90_000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== 'true') throw new Error(`the studio did not start: ${await page.textContent('#progress-text')}`);
}

/** Waits until no task runs; throws the page's one-line error when the last one failed. */
async function idle(previousError = null) {
  await page.waitForFunction(() => document.body.dataset.busy === 'false', null, { timeout: STEP_TIMEOUT });
  const error = await page.evaluate(() => document.body.dataset.lastError ?? null);
  if (error && error !== previousError) throw new Error(`the page reported: ${error}`);
}

/** Pixel statistics of a canvas (red channel; images are gray) and a subsampled copy for comparisons. */
function canvasPixels(id) {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const values = [];
    for (let y = 0; y < canvas.height; y += 3) for (let x = 0; x < canvas.width; x += 3) values.push(data[4 * (y * canvas.width + x)]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { width: canvas.width, height: canvas.height, mean, std, distinct: new Set(values).size, values };
  }, id);
}

function meanAbsDifference(a, b) {
  assert(a.values.length === b.values.length, `canvas sizes differ (${a.width}×${a.height} vs ${b.width}×${b.height})`);
  return a.values.reduce((sum, v, i) => sum + Math.abs(v - b.values[i]), 0) / a.values.length;
}

function assertNotBlank(stats, what) {
  assert(stats.width > 10 && stats.height > 10, `${what}: the canvas was not drawn (${stats.width}×${stats.height})`);
  assert(stats.std > 8 && stats.distinct > 8, `${what}: the canvas is blank (pixel std ${stats.std.toFixed(2)}, ${stats.distinct} distinct values)`);
}

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function tab(name) {
  await page.click(`#tab-button-${name}`);
}

async function generateOnce(seed) {
  const before = Number((await page.getAttribute('#gen-canvas', 'data-rendered')) ?? 0);
  const previousError = await page.evaluate(() => document.body.dataset.lastError ?? null);
  await page.fill('#gen-seed', String(seed));
  await page.click('#gen-run');
  await page.waitForFunction((n) => Number(document.getElementById('gen-canvas').dataset.rendered ?? 0) > n || document.body.dataset.lastError, before, { timeout: STEP_TIMEOUT });
  await idle(previousError);
  return canvasPixels('gen-canvas');
}

/**
 * A prompted family's grid must depend on both inputs: `first` (the grid of `prompt` at seed 1)
 * against seed 2, and against another prompt (the first class, plainly) at seed 1, which is left
 * in the prompt box. Returns the mean |Δ| of each.
 */
async function expectSeedAndPromptMatter(entry, prompt, first) {
  const seeds = meanAbsDifference(first, await generateOnce(2));
  assert(seeds > 2, `${entry.id}: seeds 1 and 2 gave (nearly) the same canvas (mean |Δ| ${seeds.toFixed(2)})`);
  const other = `a ${String(entry.classNames?.[0] ?? 'thing').toLowerCase()}`;
  await page.fill('#gen-prompt', other);
  const c = await generateOnce(1);
  assertNotBlank(c, `${entry.id} "${other}"`);
  const prompts = meanAbsDifference(first, c);
  assert(prompts > 2, `${entry.id}: "${prompt}" and "${other}" gave (nearly) the same canvas (mean |Δ| ${prompts.toFixed(2)})`);
  return { seeds, other, prompts };
}

/** Runs a prompt that must fail: the one-line error under the controls (matching `expected`); the grid is not redrawn. */
async function promptErrorLine(what, prompt, expected) {
  const rendered = await page.getAttribute('#gen-canvas', 'data-rendered');
  const previousError = await page.evaluate(() => document.body.dataset.lastError ?? null);
  await page.fill('#gen-prompt', prompt);
  await page.click('#gen-run');
  await page.waitForFunction((p) => document.body.dataset.busy === 'false' && (document.body.dataset.lastError ?? null) !== p, previousError, { timeout: STEP_TIMEOUT });
  const line = await page.textContent('#gen-prompt-error');
  assert(await page.isVisible('#gen-prompt-error'), `${what} prompt: no error line is shown (status: ${await page.textContent('#progress-text')})`);
  assert(!line.includes('\n') && expected.test(line), `${what} prompt: the error line reads ${JSON.stringify(line)}`);
  assert((await page.getAttribute('#gen-canvas', 'data-rendered')) === rendered, `${what} prompt: the grid was redrawn`);
  return line;
}

/** Editing the prompt clears its error line; the expected failures are forgotten (later checks must not read them as theirs). */
async function expectPromptErrorCleared() {
  await page.fill('#gen-prompt', 'a');
  assert(!(await page.isVisible('#gen-prompt-error')), 'the error line stays after the prompt is edited');
  await page.evaluate(() => delete document.body.dataset.lastError);
}

/** Whether each selector is visible, as a map (for one assertion about a family's controls). */
async function visibility(selectors) {
  return Object.fromEntries(await Promise.all(selectors.map(async (selector) => [selector, await page.isVisible(selector)])));
}

async function trainStatus() {
  return page.evaluate(() => {
    const status = document.getElementById('train-status');
    return { step: Number(status.dataset.step), total: Number(status.dataset.total), state: status.dataset.state ?? null, text: status.textContent, start: document.getElementById('train-start').textContent };
  });
}

const lossPoints = () => page.evaluate(() => globalThis.studio.tabs.train.lossPoints());
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

let exitCode = 1;
try {
  await check('the studio starts and picks its backend', async () => {
    await open();
    const backend = await page.getAttribute('#backend', 'data-backend');
    const text = await page.textContent('#backend');
    if (!backendArg) assert(backend === 'webgl', `expected the WebGL backend in Chromium, got ${backend} ("${text}")`);
    const manifest = await page.evaluate(() => fetch('checkpoints.json').then((r) => r.json()));
    assert(Array.isArray(manifest), 'checkpoints.json is not a list');
    return `${text}; ${manifest.length} shipped checkpoint(s)`;
  });

  // --- Generate ---
  const families = [
    ['gan', async () => {}],
    ['vae', async () => {}],
    ['diffusion', async () => {
      await page.fill('#gen-steps', '3');
      await page.selectOption('#gen-scheduler', 'ddim');
      await page.selectOption('#gen-class', '3');
      await page.fill('#gen-guidance', '1');
      await page.fill('#gen-count', '4');
    }],
  ];
  for (const [family, setup] of families) {
    await check(`generate: ${family} (untrained) draws a non-blank grid that differs between seeds`, async () => {
      await tab('generate');
      await page.selectOption('#gen-family', family);
      await page.selectOption('#gen-checkpoint', 'untrained');
      await setup();
      const t = Date.now();
      const a = await generateOnce(1);
      const ms = Date.now() - t;
      assertNotBlank(a, `${family} seed 1`);
      await shot(`generate-${family}-seed1`);
      const b = await generateOnce(2);
      assertNotBlank(b, `${family} seed 2`);
      const again = await generateOnce(2);
      const diff = meanAbsDifference(a, b);
      const same = meanAbsDifference(b, again);
      // Untrained GAN / VAE decoders map different latents to visibly different but similar
      // images (their random weights barely depend on z); a trained one differs far more.
      assert(diff > 0.5, `${family}: seeds 1 and 2 gave (nearly) the same canvas (mean |Δ| ${diff.toFixed(2)})`);
      assert(same === 0, `${family}: seed 2 twice gave different canvases (mean |Δ| ${same.toFixed(3)})`);
      let extra = '';
      if (family === 'diffusion') {
        const previewStep = await page.getAttribute('#gen-preview', 'data-step');
        assert(previewStep === '3', `the per-step preview ended at step ${previewStep}, expected 3`);
        assertNotBlank(await canvasPixels('gen-preview'), 'diffusion preview');
        extra = ', live preview reached step 3/3';
      }
      await shot(`generate-${family}-seed2`);
      timings[`generate-${family}`] = ms;
      return `pixel std ${a.std.toFixed(1)}, seed 1 vs 2 mean |Δ| ${diff.toFixed(1)}/255, same seed identical, first sample ${ms} ms${extra}`;
    });
  }

  // Every model the repository ships (served from packages/<family>/pretrained by the studio's Vite plugin).
  const shipped = await page.evaluate(() => fetch('checkpoints.json').then((r) => r.json()));
  for (const entry of shipped.filter((e) => ['gan', 'vae', 'diffusion'].includes(e.family))) {
    await check(`generate: shipped ${entry.id} loads and draws a non-blank grid that differs between seeds`, async () => {
      await tab('generate');
      await page.selectOption('#gen-family', entry.family);
      await page.selectOption('#gen-checkpoint', entry.id);
      let guidance = '';
      if (entry.family === 'diffusion') {
        // Picking the checkpoint sets the guidance control to the scale it records (else 3).
        const value = await page.inputValue('#gen-guidance');
        assert(Number(value) === (entry.guidanceScale ?? 3), `${entry.id}: the guidance control reads ${value}, expected ${entry.guidanceScale ?? 3}`);
        guidance = `, guidance ${value}`;
        await page.fill('#gen-steps', '3');
        await page.fill('#gen-count', '4');
      }
      const a = await generateOnce(1);
      assertNotBlank(a, `${entry.id} seed 1`);
      await shot(`generate-${entry.id}`);
      const b = await generateOnce(2);
      const diff = meanAbsDifference(a, b);
      assert(diff > 2, `${entry.id}: seeds 1 and 2 gave (nearly) the same canvas (mean |Δ| ${diff.toFixed(2)})`);
      return `${entry.description ?? entry.name}; seed 1 vs 2 mean |Δ| ${diff.toFixed(1)}/255${guidance}`;
    });
  }

  // Text-to-image: every shipped text-conditioned diffusion model, with the CLIP it names (served
  // by the same plugin). Few steps and images: this is about the wiring, not the quality.
  for (const entry of shipped.filter((e) => e.family === 'text')) {
    await check(`generate: text-to-image ${entry.id} draws a prompt; other prompts and seeds differ; live preview`, async () => {
      await tab('generate');
      await page.selectOption('#gen-family', 'text');
      await page.selectOption('#gen-checkpoint', entry.id);
      assert(await page.isVisible('#gen-prompt'), 'the prompt box is not shown for the text-to-image family');
      assert(!(await page.isVisible('#gen-class')), 'the class control is shown for the text-to-image family');
      const prompt = await page.inputValue('#gen-prompt');
      assert(prompt.trim() !== '', `${entry.id}: the prompt box has no default prompt`);
      await page.fill('#gen-steps', '3');
      await page.selectOption('#gen-scheduler', 'ddim');
      await page.fill('#gen-count', '4');
      const t = Date.now();
      const a = await generateOnce(1);
      const ms = Date.now() - t;
      assertNotBlank(a, `${entry.id} "${prompt}" seed 1`);
      const previewStep = await page.getAttribute('#gen-preview', 'data-step');
      assert(previewStep === '3', `the per-step preview ended at step ${previewStep}, expected 3`);
      assertNotBlank(await canvasPixels('gen-preview'), `${entry.id} preview`);
      const drawn = await page.getAttribute('#gen-canvas', 'data-prompt');
      assert(drawn === prompt, `the canvas records the prompt ${JSON.stringify(drawn)}, expected ${JSON.stringify(prompt)}`);
      await shot(`generate-text-${entry.id}`);
      const { seeds, other, prompts } = await expectSeedAndPromptMatter(entry, prompt, a);
      await shot(`generate-text-${entry.id}-other-prompt`);
      const info = await page.textContent('#gen-info');
      timings[`generate-text-${entry.id}`] = ms;
      return `"${prompt}" seed 1 vs 2 mean |Δ| ${seeds.toFixed(1)}/255, vs "${other}" ${prompts.toFixed(1)}/255, first grid ${ms} ms; ${info}`;
    });

    await check(`generate: text-to-image ${entry.id} shows a one-line error for an empty and an over-long prompt`, async () => {
      const errors = [];
      for (const [what, prompt, expected] of [
        ['empty', '', /^prompt \(""\) must not be empty/],
        ['over-long', Array.from({ length: 40 }, () => 'seven').join(' '), /^prompt \(".*"\) is too long: \d+ tokens, at most \d+ fit$/],
      ]) {
        errors.push(await promptErrorLine(what, prompt, expected));
        if (what === 'empty') await shot(`generate-text-${entry.id}-empty-prompt`);
      }
      await expectPromptErrorCleared();
      return errors.map((e) => JSON.stringify(e)).join('; ');
    });
  }

  // DALL·E transformer and unCLIP: the shipped MNIST models (the Fashion ones load the same way),
  // at small settings (4 images, 3 decoder steps): this is about the wiring, not the quality.
  for (const entry of shipped.filter((e) => e.family === 'dalle' && e.id.endsWith('mnist'))) {
    await check(`generate: DALL·E ${entry.id} draws a prompt; other prompts and seeds differ; CLIP re-ranking`, async () => {
      await tab('generate');
      await page.selectOption('#gen-family', 'dalle');
      await page.selectOption('#gen-checkpoint', entry.id);
      const shown = await visibility(['#gen-prompt', '#gen-temperature', '#gen-top-k', '#gen-top-p', '#gen-candidates', '#gen-guidance', '#gen-class', '#gen-steps', '#gen-truncation']);
      const expected = { '#gen-prompt': true, '#gen-temperature': true, '#gen-top-k': true, '#gen-top-p': true, '#gen-candidates': true, '#gen-guidance': true, '#gen-class': false, '#gen-steps': false, '#gen-truncation': false };
      assert(JSON.stringify(shown) === JSON.stringify(expected), `the DALL·E controls shown: ${JSON.stringify(shown)}`);
      // The guidance control starts at the scale the checkpoint records (gen sample dalle's default).
      const guidance = await page.inputValue('#gen-guidance');
      assert(Number(guidance) === (entry.guidanceScale ?? 3), `${entry.id}: the guidance control reads ${guidance}, expected ${entry.guidanceScale}`);
      const prompt = await page.inputValue('#gen-prompt');
      assert(prompt.trim() !== '', `${entry.id}: the prompt box has no default prompt`);
      await page.fill('#gen-count', '4');
      await page.fill('#gen-candidates', '1');
      const t = Date.now();
      const a = await generateOnce(1);
      const ms = Date.now() - t;
      assertNotBlank(a, `${entry.id} "${prompt}" seed 1`);
      await shot(`generate-dalle-${entry.id}`);
      const { seeds, other, prompts } = await expectSeedAndPromptMatter(entry, prompt, a);
      // Re-ranking: 2 images × 2 candidates, the CLIP-best 2 kept, at temperature 0.9. 4 rows are
      // drawn as above: WebGL compiles its programs per shape, and a new batch size costs ~12 s here.
      await page.fill('#gen-prompt', prompt);
      await page.fill('#gen-count', '2');
      await page.fill('#gen-candidates', '2');
      await page.fill('#gen-temperature', '0.9');
      const tr = Date.now();
      const r = await generateOnce(1);
      const rerankMs = Date.now() - tr;
      assertNotBlank(r, `${entry.id} re-ranked`);
      const info = await page.textContent('#gen-info');
      assert(info.includes('CLIP-best 2 of 4'), `the info line does not report the re-ranking: ${info}`);
      await shot(`generate-dalle-${entry.id}-reranked`);
      await page.fill('#gen-count', '4');
      await page.fill('#gen-candidates', '1');
      await page.fill('#gen-temperature', '1');
      timings[`generate-dalle-${entry.id}`] = ms;
      timings[`generate-dalle-${entry.id}-reranked`] = rerankMs;
      return `"${prompt}" seed 1 vs 2 mean |Δ| ${seeds.toFixed(1)}/255, vs "${other}" ${prompts.toFixed(1)}/255, guidance ${guidance}, first grid ${ms} ms, re-ranked (best 2 of 4) ${rerankMs} ms`;
    });

    await check(`generate: DALL·E ${entry.id} shows a one-line error for an empty prompt`, async () => {
      const line = await promptErrorLine('empty', '', /^prompt \(""\) must be a non-empty string$/);
      await shot(`generate-dalle-${entry.id}-empty-prompt`);
      await expectPromptErrorCleared();
      return JSON.stringify(line);
    });
  }

  for (const entry of shipped.filter((e) => e.family === 'unclip' && e.id.endsWith('mnist'))) {
    await check(`generate: unCLIP ${entry.id} draws a prompt through each prior; other prompts and seeds differ; live preview`, async () => {
      await tab('generate');
      await page.selectOption('#gen-family', 'unclip');
      await page.selectOption('#gen-checkpoint', entry.id);
      await page.selectOption('#gen-unclip-route', 'text');
      const shown = await visibility(['#gen-prompt', '#gen-prior', '#gen-steps', '#gen-guidance', '#gen-class', '#gen-reference', '#gen-truncation']);
      const expected = { '#gen-prompt': true, '#gen-prior': true, '#gen-steps': true, '#gen-guidance': true, '#gen-class': false, '#gen-reference': false, '#gen-truncation': false };
      assert(JSON.stringify(shown) === JSON.stringify(expected), `the unCLIP text-route controls shown: ${JSON.stringify(shown)}`);
      const guidance = await page.inputValue('#gen-guidance');
      assert(Number(guidance) === (entry.guidanceScale ?? 3), `${entry.id}: the decoder guidance reads ${guidance}, expected ${entry.guidanceScale}`);
      const priors = await page.$$eval('#gen-prior option', (options) => options.map((o) => o.value));
      assert(JSON.stringify(priors) === JSON.stringify(entry.priors.map((p) => p.id)), `the prior picker lists ${priors.join(', ')}`);
      const diffusionPrior = entry.priors.find((p) => p.kind === 'diffusion');
      const regressionPrior = entry.priors.find((p) => p.kind === 'regression');
      assert(diffusionPrior && regressionPrior, `${entry.id} lacks a diffusion or a regression prior: ${priors.join(', ')}`);
      await page.selectOption('#gen-prior', diffusionPrior.id);
      // The prior's controls start at what it records (else 1), as gen sample unclip's --prior-guidance / --prior-candidates.
      const priorGuidance = await page.inputValue('#gen-prior-guidance');
      const priorCandidates = await page.inputValue('#gen-prior-candidates');
      assert(Number(priorGuidance) === (diffusionPrior.guidanceScale ?? 1) && Number(priorCandidates) === (diffusionPrior.candidates ?? 1), `the prior controls read guidance ${priorGuidance}, candidates ${priorCandidates}`);
      const prompt = await page.inputValue('#gen-prompt');
      assert(prompt.trim() !== '', `${entry.id}: the prompt box has no default prompt`);
      await page.fill('#gen-steps', '3');
      await page.selectOption('#gen-scheduler', 'ddim');
      await page.fill('#gen-count', '4');
      await page.fill('#gen-prior-steps', '10');
      const t = Date.now();
      const a = await generateOnce(1);
      const ms = Date.now() - t;
      assertNotBlank(a, `${entry.id} "${prompt}" seed 1`);
      const previewStep = await page.getAttribute('#gen-preview', 'data-step');
      assert(previewStep === '3', `the per-step preview ended at step ${previewStep}, expected 3`);
      await shot(`generate-unclip-${entry.id}`);
      const { seeds, other, prompts } = await expectSeedAndPromptMatter(entry, prompt, a);
      // The regression prior: deterministic, so its sampling controls are hidden.
      await page.fill('#gen-prompt', prompt);
      await page.selectOption('#gen-prior', regressionPrior.id);
      assert(!(await page.isVisible('#gen-prior-guidance')), 'the prior guidance is shown for the regression prior');
      const r = await generateOnce(1);
      assertNotBlank(r, `${entry.id} regression prior`);
      const info = await page.textContent('#gen-info');
      assert(info.includes('regression prior'), `the info line does not name the regression prior: ${info}`);
      await shot(`generate-unclip-${entry.id}-regression`);
      await page.selectOption('#gen-prior', diffusionPrior.id);
      timings[`generate-unclip-${entry.id}`] = ms;
      return `"${prompt}" seed 1 vs 2 mean |Δ| ${seeds.toFixed(1)}/255, vs "${other}" ${prompts.toFixed(1)}/255, decoder guidance ${guidance}, prior guidance ${priorGuidance} / candidates ${priorCandidates}, first grid ${ms} ms; regression prior draws too`;
    });

    await check(`generate: unCLIP ${entry.id} shows a one-line error for an empty prompt`, async () => {
      const line = await promptErrorLine('empty', '', /^prompt \(""\) must not be empty/);
      await shot(`generate-unclip-${entry.id}-empty-prompt`);
      await expectPromptErrorCleared();
      return JSON.stringify(line);
    });

    await check(`generate: unCLIP ${entry.id} variations of an MNIST reference differ between seeds; an uploaded reference works`, async () => {
      await page.selectOption('#gen-unclip-route', 'variations');
      const shown = await visibility(['#gen-prompt', '#gen-prior', '#gen-reference', '#gen-reference-file', '#gen-steps']);
      const expected = { '#gen-prompt': false, '#gen-prior': false, '#gen-reference': true, '#gen-reference-file': true, '#gen-steps': true };
      assert(JSON.stringify(shown) === JSON.stringify(expected), `the unCLIP variations controls shown: ${JSON.stringify(shown)}`);
      await page.fill('#gen-reference', '0');
      const t = Date.now();
      const a = await generateOnce(1);
      const ms = Date.now() - t;
      assertNotBlank(a, `${entry.id} variations seed 1`);
      assertNotBlank(await canvasPixels('gen-reference-canvas'), 'the reference');
      const reference = await page.getAttribute('#gen-canvas', 'data-reference');
      assert(reference === 'MNIST #0', `the canvas records the reference ${JSON.stringify(reference)}`);
      await shot(`generate-unclip-${entry.id}-variations`);
      const b = await generateOnce(2);
      const seeds = meanAbsDifference(a, b);
      assert(seeds > 2, `${entry.id}: variations with seeds 1 and 2 gave (nearly) the same canvas (mean |Δ| ${seeds.toFixed(2)})`);
      // An uploaded picture (the reference canvas itself, 3× larger: the studio scales it back).
      const upload = path.join(artifacts, 'unclip-reference.png');
      await page.locator('#gen-reference-canvas').screenshot({ path: upload });
      await page.setInputFiles('#gen-reference-file', upload);
      const u = await generateOnce(1);
      assertNotBlank(u, `${entry.id} variations of an upload`);
      const uploaded = await page.getAttribute('#gen-canvas', 'data-reference');
      assert(uploaded === 'unclip-reference.png', `the canvas records the reference ${JSON.stringify(uploaded)}`);
      await page.setInputFiles('#gen-reference-file', []);
      await page.selectOption('#gen-unclip-route', 'text');
      timings[`generate-unclip-${entry.id}-variations`] = ms;
      return `reference MNIST #0, seed 1 vs 2 mean |Δ| ${seeds.toFixed(1)}/255, first grid ${ms} ms; an uploaded reference draws too`;
    });
  }

  await check('generate: download PNG', async () => {
    const [downloadEvent] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#gen-download')]);
    const file = path.join(artifacts, downloadEvent.suggestedFilename());
    await downloadEvent.saveAs(file);
    const bytes = readFileSync(file);
    assert(bytes.subarray(1, 4).toString('latin1') === 'PNG', `${file} is not a PNG`);
    return `${downloadEvent.suggestedFilename()} (${bytes.length} bytes)`;
  });

  // --- Explore ---
  await check('explore: GAN interpolation renders; the truncation slider changes it', async () => {
    await tab('explore');
    await page.selectOption('#exp-family', 'gan');
    await page.fill('#exp-frames', '6');
    await page.click('#exp-run');
    await page.waitForFunction(() => Number(document.getElementById('exp-canvas').dataset.rendered ?? 0) >= 1, null, { timeout: STEP_TIMEOUT });
    await idle();
    const wide = await canvasPixels('exp-canvas');
    assertNotBlank(wide, 'interpolation');
    await page.fill('#exp-truncation', '0.1');
    await page.dispatchEvent('#exp-truncation', 'input');
    await page.waitForFunction(() => document.getElementById('exp-canvas').dataset.truncation === '0.1', null, { timeout: STEP_TIMEOUT });
    await idle();
    const narrow = await canvasPixels('exp-canvas');
    const diff = meanAbsDifference(wide, narrow);
    // Rendering is deterministic (same seed, same pixels), so any change is the slider's; an
    // untrained generator's images vary little with z, hence a small threshold.
    assert(diff > 0.25, `truncation 3 → 0.1 did not change the interpolation (mean |Δ| ${diff.toFixed(2)})`);
    await shot('explore-gan');
    return `τ 3 vs 0.1 mean |Δ| ${diff.toFixed(1)}/255`;
  });

  // --- Train, pause, reload, resume, export ---
  const TOTAL = 40;
  let pausedAt = 0;
  await check('train: the VAE loss falls on MNIST; pause writes a checkpoint', async () => {
    await open(trainUrl);
    await tab('train');
    await page.selectOption('#train-family', 'vae');
    await page.fill('#train-steps', String(TOTAL));
    await page.fill('#train-batch', '32');
    await page.fill('#train-sample-every', '10');
    const t = Date.now();
    await page.click('#train-start');
    await page.waitForFunction(() => Number(document.getElementById('train-status').dataset.step) >= 20, null, { timeout: STEP_TIMEOUT });
    await page.click('#train-pause');
    await page.waitForFunction(() => document.getElementById('train-status').dataset.state === 'idle', null, { timeout: STEP_TIMEOUT });
    await idle();
    timings.trainFirstLeg = Date.now() - t;
    const status = await trainStatus();
    pausedAt = status.step;
    assert(pausedAt >= 20 && pausedAt < TOTAL, `paused at step ${pausedAt}, expected in [20, ${TOTAL})`);
    assert(status.start === `Resume from step ${pausedAt}`, `the Start button reads "${status.start}"`);
    const { loss } = await lossPoints();
    assert(loss.length === pausedAt, `${loss.length} loss points for ${pausedAt} steps`);
    const first = mean(loss.slice(0, 3).map(([, y]) => y));
    const last = mean(loss.slice(-3).map(([, y]) => y));
    assert(last < 0.9 * first, `the loss did not fall: first 3 steps ${first.toFixed(1)}, last 3 ${last.toFixed(1)} nats`);
    assertNotBlank(await canvasPixels('train-samples'), 'training samples');
    await shot('train-paused');
    return `paused at step ${pausedAt}/${TOTAL}; negative ELBO ${first.toFixed(1)} → ${last.toFixed(1)} nats; ${(pausedAt / (timings.trainFirstLeg / 1000)).toFixed(1)} steps/s`;
  });

  await check('train: reload the page and resume from IndexedDB', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, { timeout: 90_000 });
    await tab('train');
    await page.selectOption('#train-family', 'vae');
    await page.waitForFunction((n) => document.getElementById('train-start').textContent === `Resume from step ${n}`, pausedAt, { timeout: 30_000 });
    const before = await lossPoints();
    assert(before.loss.length === pausedAt, `after the reload the plot holds ${before.loss.length} points, expected ${pausedAt}`);
    await page.click('#train-start');
    await page.waitForFunction(() => document.getElementById('train-status').dataset.state === 'idle', null, { timeout: STEP_TIMEOUT });
    await idle();
    const status = await trainStatus();
    assert(status.step === TOTAL, `the resumed run stopped at step ${status.step}, expected ${TOTAL} (${status.text})`);
    const { loss } = await lossPoints();
    const steps = loss.map(([x]) => x);
    assert(steps.length === TOTAL && steps.every((s, i) => s === i + 1), `steps after resuming are not 1…${TOTAL} in order: ${steps.slice(pausedAt - 2, pausedAt + 3).join(', ')}…`);
    const first = mean(loss.slice(0, 3).map(([, y]) => y));
    const resumedStart = loss[pausedAt][1];
    assert(resumedStart < 0.9 * first, `the resumed run started from scratch (loss ${resumedStart.toFixed(1)} at step ${pausedAt + 1} vs ${first.toFixed(1)} at the start)`);
    await shot('train-resumed');
    return `resumed at step ${pausedAt + 1} with loss ${resumedStart.toFixed(1)} (start ${first.toFixed(1)}), finished at ${TOTAL}`;
  });

  await check('train: export the checkpoint; the CLI samples from it', async () => {
    const exportDir = path.join(artifacts, 'exported-vae');
    mkdirSync(exportDir, { recursive: true });
    const downloads = [];
    const collect = (d) => downloads.push(d);
    page.on('download', collect);
    await page.click('#train-export');
    const deadline = Date.now() + 30_000;
    while (downloads.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    page.off('download', collect);
    assert(downloads.length === 2, `expected 2 downloads (config.json, weights.bin), got ${downloads.length}`);
    for (const d of downloads) await d.saveAs(path.join(exportDir, d.suggestedFilename()));
    // The step the browser run reached, from the header in config.json.
    const header = JSON.parse(readFileSync(path.join(exportDir, 'config.json'), 'utf8')).userDefinedMetadata?.genCheckpoint;
    const step = header?.metadata?.trainLoop?.step;
    assert(step === TOTAL, `the exported checkpoint is at step ${step}, expected ${TOTAL}`);
    // The CLI itself reads the folder (folder handler, CRC-32 checks, loadVaeModel) and samples.
    const cli = path.join(root, 'packages/cli/dist/bin.js');
    assert(existsSync(cli), 'packages/cli/dist/bin.js is missing: build the packages first (pnpm build)');
    const out = path.join(artifacts, 'cli-samples');
    const result = spawnSync(process.execPath, [cli, 'sample', 'vae', '--checkpoint', exportDir, '--n', '4', '--out', out, '--backend', 'cpu'], { cwd: root, encoding: 'utf8' });
    assert(result.status === 0, `gen sample vae --checkpoint <export> failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' | ')}`);
    const png = readFileSync(path.join(out, 'grid.png'));
    assert(png.subarray(1, 4).toString('latin1') === 'PNG', 'gen sample vae wrote no grid.png');
    return `step ${step}; gen sample vae --checkpoint <export> wrote ${path.relative(root, out)}/grid.png`;
  });

  await check('generate: from the VAE trained in this browser', async () => {
    await tab('generate');
    await page.selectOption('#gen-family', 'vae');
    await page.waitForFunction(() => [...document.querySelectorAll('#gen-checkpoint option')].some((o) => o.value === 'browser'), null, { timeout: 10_000 });
    await page.selectOption('#gen-checkpoint', 'browser');
    await page.fill('#gen-count', '16');
    const stats = await generateOnce(3);
    assertNotBlank(stats, 'trained VAE samples');
    await shot('generate-vae-trained');
    return `pixel std ${stats.std.toFixed(1)}`;
  });

  await check('without WebGL the studio falls back to wasm and says so', async () => {
    // A page on which WebGL contexts cannot be created (getContext('webgl'|'webgl2') → null, as
    // in browsers with WebGL blocked), so tfjs's webgl backend fails to initialise.
    const noGlPage = await context.newPage();
    try {
      await noGlPage.addInitScript(() => {
        for (const Canvas of [globalThis.HTMLCanvasElement, globalThis.OffscreenCanvas]) {
          if (!Canvas) continue;
          const getContext = Canvas.prototype.getContext;
          Canvas.prototype.getContext = function (type, ...rest) {
            return /webgl/i.test(String(type)) ? null : getContext.call(this, type, ...rest);
          };
        }
      });
      await noGlPage.goto(server.url, { waitUntil: 'load', timeout: 60_000 });
      await noGlPage.waitForFunction(() => document.body.dataset.ready !== undefined, null, { timeout: 90_000 });
      const backend = await noGlPage.getAttribute('#backend', 'data-backend');
      const text = await noGlPage.textContent('#backend');
      const warning = await noGlPage.getAttribute('#backend', 'class');
      assert(backend === 'wasm', `without WebGL the studio chose ${backend}, expected wasm`);
      assert(/WebGL is not available/.test(text) && /warning/.test(warning ?? ''), `the fallback is not shown on screen: "${text}"`);
      await noGlPage.screenshot({ path: path.join(artifacts, 'fallback-wasm.png') });
      return text;
    } finally {
      await noGlPage.close();
    }
  });

  exitCode = failures === 0 ? 0 : 1;
} catch (error) {
  log(`✗ the studio test could not run: ${error.message.split('\n')[0]}`);
  failures++;
}
finish(exitCode);

async function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(globalTimer);
  writeFileSync(path.join(artifacts, 'console.log'), consoleLines.join('\n') + '\n');
  timings.total = Date.now() - t0;
  writeFileSync(path.join(artifacts, 'results.json'), JSON.stringify({ results, timings }, null, 2) + '\n');
  await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10_000))]);
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2_000))]);
  try {
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Chromium may still be writing its profile; it is a temp folder.
  }
  const passed = results.filter((r) => r.status === 'passed').length;
  console.log(`studio: ${passed} passed, ${failures} failed (${elapsed()}; artifacts in ${path.relative(process.cwd(), artifacts) || '.'})`);
  process.exit(failures === 0 && passed > 0 ? code : 1);
}
