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
