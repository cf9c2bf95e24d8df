// A Vite plugin that serves the models this repository ships (packages/<family>/pretrained/<name>/,
// written by packages/cli/scripts/ship-pretrained.mjs) to the studio, and the manifest that lists
// them (checkpoints.json). In dev it answers /pretrained/… and /checkpoints.json from the package
// folders; `vite build` emits the same files into dist/. The weights are never copied into the
// studio's sources, and a newly shipped model appears without editing a list. A text-conditioned
// diffusion model brings the shipped CLIP its config names (`textEncoder.clip`,
// `pretrained:<name>` = packages/clip-guidance/pretrained/<name>/), served under
// pretrained/clip-guidance/<name>/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The families the studio can load from a folder (latent diffusion with its autoencoder/ inside). */
const FAMILIES = ['gan', 'diffusion', 'vae'] as const;

/** How a diffusion checkpoint names a CLIP that @gen/clip-guidance ships (as the CLI resolves `pretrained:<name>`). */
const PRETRAINED_PREFIX = 'pretrained:';

/** The CLIP of a text-conditioned model and what its default prompt is made of. */
interface ShippedTextEncoder {
  /** The shipped CLIP's name (`pretrained:<name>` in the checkpoint) and folder. */
  name: string;
  folder: string;
  /** The class names and attribute kinds of the captions it was trained on (`textEncoder.captions`). */
  classNames: string[];
  attributes: string[];
}

interface ShippedModel {
  family: (typeof FAMILIES)[number];
  name: string;
  folder: string;
  /** Text-conditioned diffusion: its CLIP (the studio's "text" family). */
  text?: ShippedTextEncoder;
}

export function shippedModels(packagesDir: string): ShippedModel[] {
  const models: ShippedModel[] = [];
  for (const family of FAMILIES) {
    const root = path.join(packagesDir, family, 'pretrained');
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const folder = path.join(root, name);
      if (!existsSync(path.join(folder, 'config.json'))) continue;
      // VQ-VAEs are image tokenizers (of @gen/transformer's models), not samplers the studio's VAE tab can load.
      if (family === 'vae' && modelKindOf(folder) === 'vq-vae') continue;
      const record = family === 'diffusion' ? textEncoderOf(folder) : undefined;
      if (record === undefined) {
        models.push({ family, name, folder });
        continue;
      }
      // Text-conditioned diffusion: listed with its CLIP when that is one this repository ships
      // (a CLIP elsewhere on disk cannot be served to a browser).
      const text = shippedTextEncoder(packagesDir, record);
      if (text) models.push({ family, name, folder, text });
    }
  }
  return models;
}

/** The shipped CLIP a `config.textEncoder` record names (`clip: "pretrained:<name>"`), or null. */
export function shippedTextEncoder(packagesDir: string, record: unknown): ShippedTextEncoder | null {
  const r = record as { clip?: unknown; captions?: { classNames?: unknown; attributes?: unknown } } | null;
  if (typeof r?.clip !== 'string' || !r.clip.startsWith(PRETRAINED_PREFIX)) return null;
  const name = r.clip.slice(PRETRAINED_PREFIX.length);
  if (!/^[\w.-]+$/.test(name)) return null;
  const folder = path.join(packagesDir, 'clip-guidance', 'pretrained', name);
  if (!existsSync(path.join(folder, 'config.json'))) return null;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return { name, folder, classNames: strings(r.captions?.classNames), attributes: strings(r.captions?.attributes) };
}

type Metrics = Record<string, unknown>;

interface ModelCard {
  metrics?: Metrics;
  /** Further `gen eval` runs of the same weights (other guidance scales, …), each with its metrics. */
  moreEvals?: Array<{ metrics?: Metrics }>;
  trainingSeconds?: number;
}

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** `config.model.kind` of a checkpoint (e.g. 'vq-vae'), or undefined. */
function modelKindOf(folder: string): unknown {
  const json = readJson(path.join(folder, 'config.json')) as { userDefinedMetadata?: { genCheckpoint?: { config?: { model?: { kind?: unknown } } } } } | undefined;
  return json?.userDefinedMetadata?.genCheckpoint?.config?.model?.kind;
}

/** The CLIP a text-conditioned diffusion checkpoint was trained with (`config.textEncoder`), or undefined. */
function textEncoderOf(folder: string): unknown {
  const json = readJson(path.join(folder, 'config.json')) as { userDefinedMetadata?: { genCheckpoint?: { config?: { textEncoder?: unknown } } } } | undefined;
  return json?.userDefinedMetadata?.genCheckpoint?.config?.textEncoder ?? undefined;
}

/**
 * The guidance scale a diffusion checkpoint records as its default (`config.sampling.guidanceScale`
 * in its config.json header, written by ship-pretrained.mjs `--sampling`; what `gen sample` /
 * `gen eval` use), or undefined.
 */
export function recordedGuidanceScale(folder: string): number | undefined {
  const json = readJson(path.join(folder, 'config.json')) as { userDefinedMetadata?: { genCheckpoint?: { config?: { sampling?: { guidanceScale?: unknown } | null } } } } | undefined;
  const scale = json?.userDefinedMetadata?.genCheckpoint?.config?.sampling?.guidanceScale;
  return typeof scale === 'number' && Number.isFinite(scale) && scale >= 0 ? scale : undefined;
}

/**
 * The card's metrics that describe the model as the studio samples it: with a recorded guidance
 * scale, the evaluation (the card's own or one of `moreEvals`) measured at that scale; otherwise,
 * or when none was, the card's own.
 */
function metricsAt(card: ModelCard, guidanceScale: number | undefined): Metrics {
  const all = [card.metrics, ...(card.moreEvals ?? []).map((e) => e.metrics)].filter((m): m is Metrics => typeof m === 'object' && m !== null);
  return (guidanceScale === undefined ? undefined : all.find((m) => m.guidanceScale === guidanceScale)) ?? card.metrics ?? {};
}

/**
 * checkpoints.json: one entry per shipped model, with the numbers of its model card; a diffusion
 * model that records a default guidance scale carries it (`guidanceScale`, the default of the
 * studio's guidance control) and is described by the card's numbers at that scale.
 */
export function manifestOf(models: ShippedModel[]): object[] {
  return models.map(({ family, name, folder, text }) => {
    const card = (readJson(path.join(folder, 'model-card.json')) ?? {}) as ModelCard;
    const guidanceScale = family === 'diffusion' ? recordedGuidanceScale(folder) : undefined;
    const m = metricsAt(card, guidanceScale);
    const facts = [
      typeof m.ratio === 'number' ? `FID ${m.ratio.toFixed(1)}× the real-vs-real floor` : null,
      typeof m.classAccuracy === 'number' ? `${text ? 'prompted-class' : 'class'} accuracy ${(m.classAccuracy * 100).toFixed(1)}%` : null,
      typeof m.n === 'number' ? `n ${m.n}` : null,
      typeof m.guidanceScale === 'number' ? `guidance ${m.guidanceScale}` : null,
      typeof card.trainingSeconds === 'number' ? `trained ${Math.round(card.trainingSeconds / 60)} min on a 2-core CPU` : null,
    ].filter(Boolean);
    return {
      id: `${family}-${name}`,
      family: text ? 'text' : family,
      name: `${name} (shipped)`,
      url: `pretrained/${family}/${name}`,
      ...(facts.length ? { description: facts.join(', ') } : {}),
      ...(guidanceScale === undefined ? {} : { guidanceScale }),
      ...(text ? { textEncoder: `pretrained/clip-guidance/${text.name}`, classNames: text.classNames, attributes: text.attributes } : {}),
    };
  });
}

export function shippedCheckpoints(packagesDir: string): Plugin {
  const files = () => {
    const out = new Map<string, string>(); // URL path (no leading slash) → file
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
        else out.set(`${prefix}${entry}`, full);
      }
    };
    for (const model of shippedModels(packagesDir)) {
      walk(model.folder, `pretrained/${model.family}/${model.name}/`);
      // The CLIP of a text-conditioned model (once, however many models share it).
      if (model.text) walk(model.text.folder, `pretrained/clip-guidance/${model.text.name}/`);
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
