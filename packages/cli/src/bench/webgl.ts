import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchConfig } from './config';
import type { BenchEvent } from './events';
import type { StartSession } from './session';

/** Debian's Chromium; the bench never downloads a browser (`playwright install`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, offline, throwaway Chromium. No --use-gl=swiftshader: Chromium picks its own GL. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** dist/bench-browser.js, built by tsup next to this bundle. */
export function findBrowserBundle(): string | undefined {
  const candidate = join(__dirname, 'bench-browser.js');
  return existsSync(candidate) ? candidate : undefined;
}

/** Why the webgl column cannot run here, or undefined when it can. */
export function webglUnavailable(bundle = findBrowserBundle()): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found (apt-get install chromium)`;
  if (!bundle) return 'dist/bench-browser.js not found; build @gen/cli (cd packages/cli && npx tsup)';
  return undefined;
}

/**
 * Sessions that run the bench bundle in headless Chromium (playwright-core driving Debian's
 * /usr/bin/chromium with a fresh --user-data-dir). `stop()` closes the browser.
 */
export function webglSessions(config: BenchConfig, bundle: string): StartSession {
  return (ids, onEvent) => {
    let close: (() => Promise<void>) | undefined;
    let stopped = false;
    const finished = (async (): Promise<{ error?: string }> => {
      const userDataDir = mkdtempSync(join(tmpdir(), 'gen-bench-chromium-'));
      try {
        let chromium: typeof import('playwright-core').chromium;
        try {
          ({ chromium } = await import('playwright-core'));
        } catch {
          onEvent({ type: 'fatal', message: 'playwright-core is not installed (it is a devDependency of the gen repo)' });
          return {};
        }
        const context = await chromium.launchPersistentContext(userDataDir, {
          executablePath: CHROMIUM_PATH,
          headless: true,
          args: CHROMIUM_ARGS,
        });
        close = () => context.close();
        if (stopped) return {};
        const page = context.pages()[0] ?? (await context.newPage());
        await page.exposeFunction('__genBenchEvent', (event: BenchEvent) => onEvent(event));
        await page.addScriptTag({ content: readFileSync(bundle, 'utf8') });
        await page.evaluate(
          ({ config: pageConfig, ids: pageIds }) =>
            (globalThis as unknown as { genBench: { run(c: unknown, i: string[]): Promise<void> } }).genBench.run(pageConfig, pageIds),
          { config, ids },
        );
        return {};
      } catch (error) {
        return stopped ? {} : { error: String((error as Error)?.message ?? error).split('\n')[0] };
      } finally {
        await close?.().catch(() => {});
        rmSync(userDataDir, { recursive: true, force: true });
      }
    })();
    return {
      finished,
      stop: () => {
        stopped = true;
        void close?.().catch(() => {});
      },
    };
  };
}
