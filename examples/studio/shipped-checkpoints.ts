// A Vite plugin that serves the models this repository ships (packages/<family>/pretrained/<name>/,
// written by packages/cli/scripts/ship-pretrained.mjs) to the studio, and the manifest that lists
// them (checkpoints.json). In dev it answers /pretrained/… and /checkpoints.json from the package
// folders; `vite build` emits the same files into dist/. The weights are never copied into the
// studio's sources, and a newly shipped model appears without editing a list. A text-conditioned
// diffusion model brings the shipped CLIP its config names (`textEncoder.clip`,
// `pretrained:<name>` = packages/clip-guidance/pretrained/<name>/), served under
// pretrained/clip-guidance/<name>/. A DALL·E transformer (packages/transformer/pretrained/) brings
// the VQ-VAE its config names (`vq`) and the CLIP its model card re-ranked with; an unCLIP decoder
// (a diffusion checkpoint with `imageEncoder` in packages/clip-guidance/pretrained/) brings its
// CLIP and every shipped prior trained with that CLIP. Those are served, not listed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * The packages whose pretrained/ folders hold models the studio lists (latent diffusion with its
 * autoencoder/ inside): gan, diffusion and vae models load as themselves, transformer holds the
 * DALL·E models, clip-guidance the unCLIP decoders (its CLIPs and priors are served with those).
 */
const PACKAGES = ['gan', 'diffusion', 'vae', 'transformer', 'clip-guidance'] as const;

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

/** A folder served beside a model (its VQ-VAE, CLIP or prior): `pretrained/<package>/<name>/`. */
interface ServedFolder {
  url: string;
  folder: string;
}

/** The class names and attribute kinds of the captions a model was trained on (the default prompt is made of them). */
interface CaptionWords {
  classNames: string[];
  attributes: string[];
}

/** A DALL·E transformer: the VQ-VAE that decodes its tokens and the CLIP that re-ranks its candidates. */
interface ShippedDalle extends CaptionWords {
  vq: ServedFolder;
  /** The CLIP its model card's re-ranked numbers were measured with (`metrics.clip`), or null. */
  reranker: ServedFolder | null;
}

/** An unCLIP prior, listed inside its decoder's entry. */
interface ShippedPrior extends ServedFolder {
  name: string;
  kind: string;
  /** `config.sampling.guidanceScale` / `.candidates` (what `gen sample unclip` defaults to). */
  guidanceScale?: number;
  candidates?: number;
}

/** An unCLIP decoder: the CLIP whose image embeddings it decodes and the priors trained with that CLIP. */
interface ShippedUnclip extends CaptionWords {
  clip: ServedFolder;
  priors: ShippedPrior[];
  /** `config.training.dataset` ('mnist' lets the studio's MNIST slice serve as variation references). */
  dataset: string | null;
}

interface ShippedModel {
  /** The package whose pretrained/ folder holds it (the URL is `pretrained/<family>/<name>`). */
  family: (typeof PACKAGES)[number];
  name: string;
  folder: string;
  /** Text-conditioned diffusion: its CLIP (the studio's "text" family). */
  text?: ShippedTextEncoder;
  /** The studio's "dalle" family. */
  dalle?: ShippedDalle;
  /** The studio's "unclip" family. */
  unclip?: ShippedUnclip;
}

export function shippedModels(packagesDir: string): ShippedModel[] {
  const models: ShippedModel[] = [];
  for (const family of PACKAGES) {
    const root = path.join(packagesDir, family, 'pretrained');
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const folder = path.join(root, name);
      if (!existsSync(path.join(folder, 'config.json'))) continue;
      if (family === 'transformer') {
        const dalle = shippedDalle(packagesDir, folder);
        if (dalle) models.push({ family, name, folder, dalle });
        continue;
      }
      if (family === 'clip-guidance') {
        // CLIPs and priors are served with the models that need them; decoders are listed.
        const unclip = shippedUnclip(packagesDir, folder);
        if (unclip) models.push({ family, name, folder, unclip });
        continue;
      }
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
  return { name, folder, ...captionWords(r.captions) };
}

/** `captions.classNames` / `.attributes` of a checkpoint config, as lists of strings. */
function captionWords(captions: unknown): CaptionWords {
  const c = captions as { classNames?: unknown; attributes?: unknown } | null | undefined;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return { classNames: strings(c?.classNames), attributes: strings(c?.attributes) };
}

/** The shipped folder `pretrained:<name>` names in `packageName` (served as pretrained/<package>/<name>/), or null. */
function shippedFolder(packagesDir: string, packageName: string, reference: unknown): ServedFolder | null {
  if (typeof reference !== 'string' || !reference.startsWith(PRETRAINED_PREFIX)) return null;
  const name = reference.slice(PRETRAINED_PREFIX.length);
  if (!/^[\w.-]+$/.test(name)) return null;
  const folder = path.join(packagesDir, packageName, 'pretrained', name);
  return existsSync(path.join(folder, 'config.json')) ? { url: `pretrained/${packageName}/${name}`, folder } : null;
}

/**
 * A DALL·E transformer's parts, or null when it is not one or its VQ-VAE (`config.vq`,
 * `pretrained:<name>` of @gen/vae) is not shipped. Its config names no CLIP: the re-ranking CLIP
 * is the one its model card measured re-ranking with (`metrics.clip`), when shipped.
 */
export function shippedDalle(packagesDir: string, folder: string): ShippedDalle | null {
  const config = configOf(folder);
  if (config?.family !== 'dalle') return null;
  const vq = shippedFolder(packagesDir, 'vae', config.vq);
  if (!vq) return null;
  const card = readJson(path.join(folder, 'model-card.json')) as { metrics?: { clip?: unknown } } | undefined;
  return { vq, reranker: shippedFolder(packagesDir, 'clip-guidance', card?.metrics?.clip), ...captionWords(config.captions) };
}

/**
 * An unCLIP decoder's parts (a diffusion checkpoint with `config.imageEncoder`), or null when it
 * is not one or its CLIP (`imageEncoder.clip`) is not shipped. Its priors are the shipped
 * `family: 'unclip-prior'` checkpoints whose `clip` is the decoder's; the default prompt's words
 * come from the CLIP's captions.
 */
export function shippedUnclip(packagesDir: string, folder: string): ShippedUnclip | null {
  const config = configOf(folder);
  const record = config?.imageEncoder as { clip?: unknown } | undefined;
  if (config?.family !== 'diffusion' || typeof record !== 'object' || record === null) return null;
  const clip = shippedFolder(packagesDir, 'clip-guidance', record.clip);
  if (!clip) return null;
  const root = path.join(packagesDir, 'clip-guidance', 'pretrained');
  const priors: ShippedPrior[] = [];
  for (const name of readdirSync(root).sort()) {
    const prior = configOf(path.join(root, name));
    if (prior?.family !== 'unclip-prior' || prior.clip !== record.clip) continue;
    const kind = (prior.prior as { kind?: unknown } | undefined)?.kind;
    const sampling = prior.sampling as { guidanceScale?: unknown; candidates?: unknown } | undefined;
    const guidanceScale = sampling?.guidanceScale;
    const candidates = sampling?.candidates;
    priors.push({
      name,
      kind: typeof kind === 'string' ? kind : 'unknown',
      url: `pretrained/clip-guidance/${name}`,
      folder: path.join(root, name),
      ...(typeof guidanceScale === 'number' && Number.isFinite(guidanceScale) && guidanceScale >= 0 ? { guidanceScale } : {}),
      ...(typeof candidates === 'number' && Number.isInteger(candidates) && candidates >= 1 ? { candidates } : {}),
    });
  }
  const dataset = (config.training as { dataset?: unknown } | undefined)?.dataset;
  return { clip, priors, dataset: typeof dataset === 'string' ? dataset : null, ...captionWords(configOf(clip.folder)?.captions) };
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

/** The checkpoint config in a folder's config.json header, or undefined. */
function configOf(folder: string): Record<string, unknown> | undefined {
  const json = readJson(path.join(folder, 'config.json')) as { userDefinedMetadata?: { genCheckpoint?: { config?: Record<string, unknown> | null } } } | undefined;
  return json?.userDefinedMetadata?.genCheckpoint?.config ?? undefined;
}

/** `config.model.kind` of a checkpoint (e.g. 'vq-vae'), or undefined. */
function modelKindOf(folder: string): unknown {
  return (configOf(folder)?.model as { kind?: unknown } | undefined)?.kind;
}

/** The CLIP a text-conditioned diffusion checkpoint was trained with (`config.textEncoder`), or undefined. */
function textEncoderOf(folder: string): unknown {
  return configOf(folder)?.textEncoder ?? undefined;
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

/** "trained 84 min on a 2-core CPU" from a card, or null. */
function trainedFor(card: ModelCard): string | null {
  return typeof card.trainingSeconds === 'number' ? `trained ${Math.round(card.trainingSeconds / 60)} min on a 2-core CPU` : null;
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** A gan / vae / diffusion / text model's numbers (at its recorded guidance scale). */
function describeImageModel(card: ModelCard, guidanceScale: number | undefined, prompted: boolean): string[] {
  const m = metricsAt(card, guidanceScale);
  return [
    typeof m.ratio === 'number' ? `FID ${m.ratio.toFixed(1)}× the real-vs-real floor` : null,
    typeof m.classAccuracy === 'number' ? `${prompted ? 'prompted-class' : 'class'} accuracy ${percent(m.classAccuracy)}` : null,
    typeof m.n === 'number' ? `n ${m.n}` : null,
    typeof m.guidanceScale === 'number' ? `guidance ${m.guidanceScale}` : null,
    trainedFor(card),
  ].filter((fact): fact is string => fact !== null);
}

type RouteMetrics = { n?: unknown; accuracy?: unknown; ratio?: unknown; settings?: { guidanceScale?: unknown; candidates?: unknown } };

/** A DALL·E model's numbers (`gen eval dalle`: the plain route and the CLIP re-ranked one). */
function describeDalle(card: ModelCard): string[] {
  const { plain = {}, reranked } = (card.metrics ?? {}) as { plain?: RouteMetrics; reranked?: RouteMetrics };
  const rerankedPart = typeof reranked?.accuracy === 'number' ? ` (${percent(reranked.accuracy)} CLIP re-ranked${typeof reranked.settings?.candidates === 'number' ? `, best of ${reranked.settings.candidates}` : ''})` : '';
  return [
    typeof plain.accuracy === 'number' ? `prompted-class accuracy ${percent(plain.accuracy)}${rerankedPart}` : null,
    typeof plain.ratio === 'number' ? `FID ${plain.ratio.toFixed(1)}× the real-vs-real floor` : null,
    typeof plain.n === 'number' ? `n ${plain.n}` : null,
    typeof plain.settings?.guidanceScale === 'number' ? `guidance ${plain.settings.guidanceScale}` : null,
    trainedFor(card),
  ].filter((fact): fact is string => fact !== null);
}

/** An unCLIP decoder's numbers (`gen eval unclip`: prompted through a prior, and variations). */
function describeUnclip(card: ModelCard): string[] {
  const m = (card.metrics ?? {}) as { priorKind?: unknown; guidanceScale?: unknown; prompted?: { n?: unknown; classAccuracy?: unknown; ratio?: unknown }; variations?: { classAgreement?: unknown } };
  const prompted = m.prompted ?? {};
  return [
    typeof prompted.ratio === 'number' ? `FID ${prompted.ratio.toFixed(1)}× the real-vs-real floor` : null,
    typeof prompted.classAccuracy === 'number' ? `prompted-class accuracy ${percent(prompted.classAccuracy)}${typeof m.priorKind === 'string' ? ` (${m.priorKind} prior)` : ''}` : null,
    typeof m.variations?.classAgreement === 'number' ? `variations keep the class ${percent(m.variations.classAgreement)}` : null,
    typeof prompted.n === 'number' ? `n ${prompted.n}` : null,
    typeof m.guidanceScale === 'number' ? `guidance ${m.guidanceScale}` : null,
    trainedFor(card),
  ].filter((fact): fact is string => fact !== null);
}

/** An unCLIP prior's numbers (`gen eval unclip-prior`). */
function describePrior(card: ModelCard): string[] {
  const m = (card.metrics ?? {}) as { cosine?: unknown; zeroShotAccuracy?: unknown };
  return [
    typeof m.cosine === 'number' ? `cosine to the true image embedding ${m.cosine.toFixed(2)}` : null,
    typeof m.zeroShotAccuracy === 'number' ? `zero-shot accuracy ${percent(m.zeroShotAccuracy)}` : null,
  ].filter((fact): fact is string => fact !== null);
}

function cardOf(folder: string): ModelCard {
  return (readJson(path.join(folder, 'model-card.json')) ?? {}) as ModelCard;
}

/**
 * checkpoints.json: one entry per shipped model, with the numbers of its model card; a model
 * that records a default guidance scale carries it (`guidanceScale`, the default of the studio's
 * guidance control) and a diffusion model is described by the card's numbers at that scale.
 * Text models name their CLIP (`textEncoder`), DALL·E models their VQ-VAE (`imageTokenizer`) and
 * re-ranking CLIP (`clip`), unCLIP decoders their CLIP (`clip`) and priors (`priors`).
 */
export function manifestOf(models: ShippedModel[]): object[] {
  return models.map(({ family, name, folder, text, dalle, unclip }) => {
    const card = cardOf(folder);
    const guidanceScale = family === 'gan' || family === 'vae' ? undefined : recordedGuidanceScale(folder);
    const facts = dalle ? describeDalle(card) : unclip ? describeUnclip(card) : describeImageModel(card, guidanceScale, text !== undefined);
    const words = (w: CaptionWords) => ({ classNames: w.classNames, attributes: w.attributes });
    return {
      id: `${family}-${name}`,
      family: text ? 'text' : dalle ? 'dalle' : unclip ? 'unclip' : family,
      name: `${name} (shipped)`,
      url: `pretrained/${family}/${name}`,
      ...(facts.length ? { description: facts.join(', ') } : {}),
      ...(guidanceScale === undefined ? {} : { guidanceScale }),
      ...(text ? { textEncoder: `pretrained/clip-guidance/${text.name}`, ...words(text) } : {}),
      ...(dalle ? { imageTokenizer: dalle.vq.url, ...(dalle.reranker ? { clip: dalle.reranker.url } : {}), ...words(dalle) } : {}),
      ...(unclip
        ? {
            clip: unclip.clip.url,
            priors: unclip.priors.map((prior) => {
              const priorFacts = describePrior(cardOf(prior.folder));
              return {
                id: prior.name,
                name: `${prior.kind} prior`,
                kind: prior.kind,
                url: prior.url,
                ...(priorFacts.length ? { description: priorFacts.join(', ') } : {}),
                ...(prior.guidanceScale === undefined ? {} : { guidanceScale: prior.guidanceScale }),
                ...(prior.candidates === undefined ? {} : { candidates: prior.candidates }),
              };
            }),
            ...(unclip.dataset ? { dataset: unclip.dataset } : {}),
            ...words(unclip),
          }
        : {}),
    };
  });
}

/** The folders served beside a model: a text model's CLIP, a DALL·E model's VQ-VAE and CLIP, an unCLIP decoder's CLIP and priors. */
function servedBeside(model: ShippedModel): ServedFolder[] {
  if (model.text) return [{ url: `pretrained/clip-guidance/${model.text.name}`, folder: model.text.folder }];
  if (model.dalle) return [model.dalle.vq, ...(model.dalle.reranker ? [model.dalle.reranker] : [])];
  if (model.unclip) return [model.unclip.clip, ...model.unclip.priors];
  return [];
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
      // What it needs (a CLIP shared by several models is served once: the map keeps one entry per URL).
      for (const { url, folder } of servedBeside(model)) walk(folder, `${url}/`);
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
