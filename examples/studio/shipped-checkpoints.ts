// A Vite plugin that serves the models this repository ships (packages/<family>/pretrained/<name>/,
// written by packages/cli/scripts/ship-pretrained.mjs) to the studio, and the manifest that lists
// them (checkpoints.json). In dev it answers /pretrained/… and /checkpoints.json from the package
// folders; `vite build` emits the same files into dist/. The weights are never copied into the
// studio's sources, and a newly shipped model appears without editing a list.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The families the studio can load from a folder (latent diffusion with its autoencoder/ inside). */
const FAMILIES = ['gan', 'diffusion', 'vae'] as const;

interface ShippedModel {
  family: (typeof FAMILIES)[number];
  name: string;
  folder: string;
}

export function shippedModels(packagesDir: string): ShippedModel[] {
  const models: ShippedModel[] = [];
  for (const family of FAMILIES) {
    const root = path.join(packagesDir, family, 'pretrained');
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const folder = path.join(root, name);
      if (!existsSync(path.join(folder, 'config.json'))) continue;
      models.push({ family, name, folder });
    }
  }
  return models;
}

/** checkpoints.json: one entry per shipped model, with the numbers of its model card. */
export function manifestOf(models: ShippedModel[]): object[] {
  return models.map(({ family, name, folder }) => {
    const cardFile = path.join(folder, 'model-card.json');
    const card = existsSync(cardFile) ? (JSON.parse(readFileSync(cardFile, 'utf8')) as { metrics?: Record<string, unknown>; trainingSeconds?: number }) : {};
    const m = card.metrics ?? {};
    const facts = [
      typeof m.ratio === 'number' ? `FID ${(m.ratio as number).toFixed(1)}× the real-vs-real floor` : null,
      typeof m.classAccuracy === 'number' ? `class accuracy ${((m.classAccuracy as number) * 100).toFixed(1)}%` : null,
      typeof m.n === 'number' ? `n ${m.n}` : null,
      typeof card.trainingSeconds === 'number' ? `trained ${Math.round(card.trainingSeconds / 60)} min on a 2-core CPU` : null,
    ].filter(Boolean);
    return { id: `${family}-${name}`, family, name: `${name} (shipped)`, url: `pretrained/${family}/${name}`, ...(facts.length ? { description: facts.join(', ') } : {}) };
  });
}

export function shippedCheckpoints(packagesDir: string): Plugin {
  const files = () => {
    const out = new Map<string, string>(); // URL path (no leading slash) → file
    for (const model of shippedModels(packagesDir)) {
      const walk = (dir: string, prefix: string): void => {
        for (const entry of readdirSync(dir)) {
          const full = path.join(dir, entry);
          if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
          else out.set(`${prefix}${entry}`, full);
        }
      };
      walk(model.folder, `pretrained/${model.family}/${model.name}/`);
    }
    return out;
  };
  return {
    name: 'gen-shipped-checkpoints',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const url = decodeURIComponent((request.url ?? '').split('?')[0]).replace(/^\/+/, '');
        if (url === 'checkpoints.json') {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify(manifestOf(shippedModels(packagesDir)), null, 2));
          return;
        }
        const file = url.startsWith('pretrained/') ? files().get(url) : undefined;
        if (!file) return next();
        response.setHeader('content-type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        response.end(readFileSync(file));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'checkpoints.json', source: `${JSON.stringify(manifestOf(shippedModels(packagesDir)), null, 2)}\n` });
      for (const [fileName, file] of files()) this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
    },
  };
}
