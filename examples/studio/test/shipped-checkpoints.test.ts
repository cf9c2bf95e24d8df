import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manifestOf, recordedGuidanceScale, shippedModels } from '../shipped-checkpoints';

const packages = path.join(__dirname, '../../../packages');

/** A checkpoint folder with a config.json header (no weights: the manifest reads none) and a model card. */
function folder(root: string, name: string, config: Record<string, unknown>, card?: object): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ format: 'gen-checkpoint', userDefinedMetadata: { genCheckpoint: { formatVersion: 1, config } } }));
  if (card) writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(card));
  return dir;
}

describe('the shipped-checkpoint manifest', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'studio-manifest-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const card = {
    trainingSeconds: 600,
    metrics: { n: 100, guidanceScale: 3, ratio: 5.249, classAccuracy: 1 },
    moreEvals: [{ metrics: { n: 100, guidanceScale: 1.5, ratio: 1.56, classAccuracy: 0.992 } }],
  };

  it('a diffusion model that records a guidance scale carries it and is described by the card numbers at that scale', () => {
    const dir = folder(root, 'recorded', { family: 'diffusion', sampling: { guidanceScale: 1.5 } }, card);
    expect(recordedGuidanceScale(dir)).toBe(1.5);
    expect(manifestOf([{ family: 'diffusion', name: 'recorded', folder: dir }])).toEqual([
      {
        id: 'diffusion-recorded',
        family: 'diffusion',
        name: 'recorded (shipped)',
        url: 'pretrained/diffusion/recorded',
        description: 'FID 1.6× the real-vs-real floor, class accuracy 99.2%, n 100, guidance 1.5, trained 10 min on a 2-core CPU',
        guidanceScale: 1.5,
      },
    ]);
  });

  it("without a recorded scale (or none measured at it) the card's own numbers describe it", () => {
    const none = folder(root, 'none', { family: 'diffusion' }, card);
    const unmeasured = folder(root, 'unmeasured', { family: 'diffusion', sampling: { guidanceScale: 2 } }, card);
    const bad = folder(root, 'bad', { family: 'diffusion', sampling: { guidanceScale: '1.5' } }, card);
    expect(recordedGuidanceScale(none)).toBeUndefined();
    expect(recordedGuidanceScale(bad)).toBeUndefined();
    const [a, b, c] = manifestOf([
      { family: 'diffusion', name: 'none', folder: none },
      { family: 'diffusion', name: 'unmeasured', folder: unmeasured },
      { family: 'diffusion', name: 'bad', folder: bad },
    ]) as Array<{ description?: string; guidanceScale?: number }>;
    const own = 'FID 5.2× the real-vs-real floor, class accuracy 100.0%, n 100, guidance 3, trained 10 min on a 2-core CPU';
    expect(a).toMatchObject({ description: own });
    expect(a.guidanceScale).toBeUndefined();
    expect(b).toMatchObject({ description: own, guidanceScale: 2 });
    expect(c.guidanceScale).toBeUndefined();
  });

  it('text-conditioned diffusion models are family "text", with the shipped CLIP their config names; one whose CLIP is not shipped is left out', () => {
    const packagesDir = path.join(root, 'packages');
    const pretrained = path.join(packagesDir, 'diffusion', 'pretrained');
    const captions = { classNames: ['0', '1'], attributes: ['weight', 'slant'] };
    folder(pretrained, 'classes', { family: 'diffusion' });
    folder(pretrained, 'text', { family: 'diffusion', textEncoder: { kind: 'clip-token-states', clip: 'pretrained:mnist', captions } }, { metrics: { n: 200, classAccuracy: 1, guidanceScale: 3 } });
    folder(pretrained, 'text-elsewhere', { family: 'diffusion', textEncoder: { kind: 'clip-token-states', clip: '/work/runs/clip/checkpoints/step-1', captions } });
    folder(pretrained, 'text-unshipped', { family: 'diffusion', textEncoder: { kind: 'clip-token-states', clip: 'pretrained:nowhere', captions } });
    folder(path.join(packagesDir, 'vae', 'pretrained'), 'plain', { family: 'vae' });
    const clip = folder(path.join(packagesDir, 'clip-guidance', 'pretrained'), 'mnist', { family: 'clip' });
    const models = shippedModels(packagesDir);
    expect(models.map((m) => `${m.family}-${m.name}`)).toEqual(['diffusion-classes', 'diffusion-text', 'vae-plain']);
    expect(models[1].text).toEqual({ name: 'mnist', folder: clip, ...captions });
    expect(manifestOf(models.filter((m) => m.name === 'text'))).toEqual([
      {
        id: 'diffusion-text',
        family: 'text',
        name: 'text (shipped)',
        url: 'pretrained/diffusion/text',
        description: 'prompted-class accuracy 100.0%, n 200, guidance 3',
        textEncoder: 'pretrained/clip-guidance/mnist',
        ...captions,
      },
    ]);
  });

  it('DALL·E transformers are family "dalle" with their shipped VQ-VAE and the CLIP their card re-ranked with; unCLIP decoders are family "unclip" with their CLIP and its priors', () => {
    const pkgs = path.join(root, 'routes-packages');
    const captions = { classNames: ['0', '1'], attributes: ['weight'] };
    const vq = folder(path.join(pkgs, 'vae', 'pretrained'), 'digits-vq', { family: 'vae', model: { kind: 'vq-vae' } });
    const clip = folder(path.join(pkgs, 'clip-guidance', 'pretrained'), 'digits', { family: 'clip', captions });
    const transformers = path.join(pkgs, 'transformer', 'pretrained');
    folder(transformers, 'digits', { family: 'dalle', vq: 'pretrained:digits-vq', captions, sampling: { guidanceScale: 3 } }, {
      trainingSeconds: 600,
      metrics: { clip: 'pretrained:digits', plain: { n: 100, accuracy: 0.9, ratio: 3.49, settings: { guidanceScale: 3 } }, reranked: { accuracy: 0.99, settings: { candidates: 4 } } },
    });
    folder(transformers, 'no-card', { family: 'dalle', vq: 'pretrained:digits-vq' });
    folder(transformers, 'vq-elsewhere', { family: 'dalle', vq: '/work/runs/vq' });
    const pretrained = path.join(pkgs, 'clip-guidance', 'pretrained');
    folder(pretrained, 'unclip-digits', { family: 'diffusion', imageEncoder: { kind: 'clip-image-embedding', clip: 'pretrained:digits' }, sampling: { guidanceScale: 1.5 }, training: { dataset: 'mnist' } }, {
      metrics: { priorKind: 'diffusion', guidanceScale: 1.5, prompted: { n: 100, classAccuracy: 0.97, ratio: 3.76 }, variations: { classAgreement: 0.965 } },
    });
    folder(pretrained, 'unclip-unshipped-clip', { family: 'diffusion', imageEncoder: { kind: 'clip-image-embedding', clip: 'pretrained:nowhere' } });
    const diffusionPrior = folder(pretrained, 'prior-diffusion', { family: 'unclip-prior', clip: 'pretrained:digits', prior: { kind: 'diffusion' }, sampling: { guidanceScale: 2, candidates: 2 } }, { metrics: { cosine: 0.731, zeroShotAccuracy: 0.993 } });
    const regressionPrior = folder(pretrained, 'prior-regression', { family: 'unclip-prior', clip: 'pretrained:digits', prior: { kind: 'regression' } });
    folder(pretrained, 'prior-other-clip', { family: 'unclip-prior', clip: 'pretrained:other', prior: { kind: 'regression' } });
    const models = shippedModels(pkgs);
    // CLIPs, priors and VQ-VAEs are served with the models that need them, not listed.
    expect(models.map((m) => `${m.family}-${m.name}`)).toEqual(['transformer-digits', 'transformer-no-card', 'clip-guidance-unclip-digits']);
    expect(models[0].dalle).toEqual({ vq: { url: 'pretrained/vae/digits-vq', folder: vq }, reranker: { url: 'pretrained/clip-guidance/digits', folder: clip }, ...captions });
    expect(models[1].dalle!.reranker).toBeNull();
    expect(models[2].unclip!.priors.map((p) => p.folder)).toEqual([diffusionPrior, regressionPrior]);
    const [dalle, noCard, unclip] = manifestOf(models);
    expect(dalle).toEqual({
      id: 'transformer-digits',
      family: 'dalle',
      name: 'digits (shipped)',
      url: 'pretrained/transformer/digits',
      description: 'prompted-class accuracy 90.0% (99.0% CLIP re-ranked, best of 4), FID 3.5× the real-vs-real floor, n 100, guidance 3, trained 10 min on a 2-core CPU',
      guidanceScale: 3,
      imageTokenizer: 'pretrained/vae/digits-vq',
      clip: 'pretrained/clip-guidance/digits',
      ...captions,
    });
    expect(noCard).toEqual({ id: 'transformer-no-card', family: 'dalle', name: 'no-card (shipped)', url: 'pretrained/transformer/no-card', imageTokenizer: 'pretrained/vae/digits-vq', classNames: [], attributes: [] });
    expect(unclip).toEqual({
      id: 'clip-guidance-unclip-digits',
      family: 'unclip',
      name: 'unclip-digits (shipped)',
      url: 'pretrained/clip-guidance/unclip-digits',
      description: 'FID 3.8× the real-vs-real floor, prompted-class accuracy 97.0% (diffusion prior), variations keep the class 96.5%, n 100, guidance 1.5',
      guidanceScale: 1.5,
      clip: 'pretrained/clip-guidance/digits',
      priors: [
        { id: 'prior-diffusion', name: 'diffusion prior', kind: 'diffusion', url: 'pretrained/clip-guidance/prior-diffusion', description: 'cosine to the true image embedding 0.73, zero-shot accuracy 99.3%', guidanceScale: 2, candidates: 2 },
        { id: 'prior-regression', name: 'regression prior', kind: 'regression', url: 'pretrained/clip-guidance/prior-regression' },
      ],
      dataset: 'mnist',
      ...captions,
    });
  });

  it('the shipped DALL·E and unCLIP models: every part they name is shipped and served', () => {
    const entries = manifestOf(shippedModels(packages)) as Array<{ id: string; family: string; imageTokenizer?: string; clip?: string; priors?: Array<{ kind: string; url: string }> }>;
    const dalle = entries.find((e) => e.id === 'transformer-mnist');
    expect(dalle).toMatchObject({ family: 'dalle', imageTokenizer: 'pretrained/vae/mnist-vq', clip: 'pretrained/clip-guidance/mnist', guidanceScale: 3 });
    const unclip = entries.find((e) => e.id === 'clip-guidance-unclip-mnist');
    expect(unclip).toMatchObject({ family: 'unclip', clip: 'pretrained/clip-guidance/mnist', dataset: 'mnist' });
    expect(unclip!.priors!.map((p) => p.kind).sort()).toEqual(['diffusion', 'regression']);
    // Nothing else of clip-guidance (CLIPs, priors) is listed, and no VQ-VAE.
    expect(entries.filter((e) => e.id.startsWith('clip-guidance-')).every((e) => e.family === 'unclip')).toBe(true);
    expect(entries.some((e) => e.id.endsWith('-vq'))).toBe(false);
  });

  it('VQ-VAEs (image tokenizers) are not listed; the other VAEs are', () => {
    const pkgs = path.join(root, 'vq-packages');
    folder(path.join(pkgs, 'vae', 'pretrained'), 'tokens', { family: 'vae', model: { kind: 'vq-vae' } });
    folder(path.join(pkgs, 'vae', 'pretrained'), 'plain', { family: 'vae', model: { kind: 'vae' } });
    expect(shippedModels(pkgs).map((m) => m.name)).toEqual(['plain']);
    expect(shippedModels(packages).some((m) => m.name === 'mnist-vq')).toBe(false);
  });

  it('the shipped text-conditioned diffusion models (mnist-text) bring the shipped CLIP they name', () => {
    const entries = manifestOf(shippedModels(packages)) as Array<{ id: string; family: string; textEncoder?: string; classNames?: string[] }>;
    const text = entries.filter((e) => e.family === 'text');
    expect(text.map((e) => e.id)).toContain('diffusion-mnist-text');
    for (const entry of text) {
      expect(entry.textEncoder).toMatch(/^pretrained\/clip-guidance\/[\w.-]+$/);
      expect(entry.classNames!.length).toBeGreaterThan(1);
    }
    // No other family lists a text-conditioned model.
    expect(entries.filter((e) => e.family === 'diffusion').map((e) => e.id)).not.toContain('diffusion-mnist-text');
  });

  it('the shipped pretrained:mnist diffusion model: its recorded scale and the card numbers measured at it', () => {
    const entry = (manifestOf(shippedModels(packages)) as Array<{ id: string; description?: string; guidanceScale?: number }>).find((e) => e.id === 'diffusion-mnist');
    expect(entry).toBeDefined();
    const scale = recordedGuidanceScale(path.join(packages, 'diffusion/pretrained/mnist'));
    expect(scale).toEqual(expect.any(Number));
    expect(entry!.guidanceScale).toBe(scale);
    expect(entry!.description).toContain(`guidance ${scale}`);
  });
});
