export interface NodeBackendLoad {
  /** Backends whose packages were found and registered. */
  loaded: string[];
  /** Optional packages that are not installed (or failed to load), with why. */
  missing: Array<{ pkg: string; reason: string }>;
}

// tfjs-node(-gpu) are optional peers: their install script downloads libtensorflow,
// which fails offline. We look for each and report; nothing requires them.
const CANDIDATES: Array<{ pkg: string; backend: string }> = [
  { pkg: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  { pkg: '@tensorflow/tfjs-node', backend: 'tensorflow' },
  { pkg: '@tensorflow/tfjs-backend-wasm', backend: 'wasm' },
  { pkg: '@tensorflow/tfjs-backend-cpu', backend: 'cpu' },
];

/**
 * Registers every tfjs backend package installed next to the app (Node only). Call it
 * before `initBackend()`. `only` limits which backends are loaded.
 */
export async function loadNodeBackends(options: { only?: string[] } = {}): Promise<NodeBackendLoad> {
  const { only } = options;
  const loaded: string[] = [];
  const missing: NodeBackendLoad['missing'] = [];
  for (const { pkg, backend } of CANDIDATES) {
    if (only && !only.includes(backend)) continue;
    if (loaded.includes(backend)) continue;
    try {
      await import(/* webpackIgnore: true */ pkg);
      loaded.push(backend);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      missing.push({ pkg, reason: code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : firstLine(error) });
    }
  }
  return { loaded, missing };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
