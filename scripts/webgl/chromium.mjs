// Launches the system Chromium (Debian `chromium`) headless through playwright-core, with the
// flags every browser test of the repo uses (no network beyond localhost, no first-run work).
// Used by scripts/webgl-suite.mjs and scripts/studio-test.mjs. Never `playwright install`.
export const CHROMIUM_PATH = process.env.GEN_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * A persistent Chromium context on a fresh `userDataDir` (the caller creates and removes it).
 * Throws a one-line error with `chromium: true` when the browser cannot start.
 */
export async function launchChromium(userDataDir, { executablePath = CHROMIUM_PATH, viewport = { width: 1100, height: 600 }, ...options } = {}) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new Error(`playwright-core is not installed (a root devDependency; run pnpm install): ${error.message}`);
  }
  try {
    return await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      viewport,
      timeout: 60_000,
      args: [...CHROMIUM_ARGS],
      ...options,
    });
  } catch (error) {
    throw Object.assign(new Error(`Chromium (${executablePath}) could not start: ${error.message.split('\n')[0]}`), { chromium: true });
  }
}
