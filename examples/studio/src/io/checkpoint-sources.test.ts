import { checkpointChoices, parseManifest } from './checkpoint-sources';

describe('parseManifest', () => {
  const entry = { id: 'vae-mnist', family: 'vae', name: 'VAE on MNIST', url: 'checkpoints/vae-mnist' };

  it('accepts the empty list and valid entries', () => {
    expect(parseManifest([], 'm.json')).toEqual([]);
    expect(parseManifest([{ ...entry, description: 'd', extra: 1 }], 'm.json')).toEqual([{ ...entry, description: 'd' }]);
    expect(parseManifest([{ ...entry, family: 'diffusion', guidanceScale: 1.5 }], 'm.json')).toEqual([{ ...entry, family: 'diffusion', guidanceScale: 1.5 }]);
  });

  it('a text-to-image entry names its CLIP folder; its caption classes and attributes default to none', () => {
    const text = { ...entry, family: 'text', textEncoder: 'pretrained/clip-guidance/mnist' };
    expect(parseManifest([{ ...text, classNames: ['0', '1'], attributes: ['weight'] }], 'm.json')).toEqual([{ ...text, classNames: ['0', '1'], attributes: ['weight'] }]);
    expect(parseManifest([text], 'm.json')).toEqual([{ ...text, classNames: [], attributes: [] }]);
    expect(() => parseManifest([{ ...text, textEncoder: undefined }], 'm.json')).toThrow('m.json[0].textEncoder must be the URL of the CLIP folder of a text-to-image checkpoint');
    expect(() => parseManifest([{ ...text, classNames: [0] }], 'm.json')).toThrow('m.json[0].classNames must be a list of strings');
  });

  it('text-to-image offers the shipped text checkpoints only (no untrained model, no browser run)', async () => {
    const manifest = parseManifest(
      [
        { ...entry, id: 'diffusion-mnist-text', family: 'text', textEncoder: 'pretrained/clip-guidance/mnist', classNames: ['7'], attributes: [] },
        { ...entry, id: 'diffusion-mnist', family: 'diffusion' },
      ],
      'm.json',
    );
    const choices = await checkpointChoices('text', manifest);
    expect(choices).toEqual([{ id: 'diffusion-mnist-text', label: entry.name, kind: 'shipped', location: entry.url, text: { encoder: 'pretrained/clip-guidance/mnist', classNames: ['7'], attributes: [] } }]);
    expect((await checkpointChoices('diffusion', manifest)).map((c) => c.id)).toEqual(['untrained', 'diffusion-mnist']);
  });

  const dalle = { ...entry, id: 'transformer-mnist', family: 'dalle', imageTokenizer: 'pretrained/vae/mnist-vq', guidanceScale: 3 };
  const prior = { id: 'unclip-prior-mnist-diffusion', name: 'diffusion prior', kind: 'diffusion', url: 'pretrained/clip-guidance/unclip-prior-mnist-diffusion' };
  const unclip = { ...entry, id: 'clip-guidance-unclip-mnist', family: 'unclip', clip: 'pretrained/clip-guidance/mnist', guidanceScale: 1.5 };

  it('a DALL·E entry names its VQ-VAE and, optionally, the CLIP that re-ranks; an unCLIP entry its CLIP, priors and dataset', () => {
    expect(parseManifest([{ ...dalle, clip: 'pretrained/clip-guidance/mnist', classNames: ['7'] }], 'm.json')).toEqual([{ ...dalle, clip: 'pretrained/clip-guidance/mnist', classNames: ['7'], attributes: [] }]);
    expect(parseManifest([dalle], 'm.json')).toEqual([{ ...dalle, classNames: [], attributes: [] }]);
    const priors = [{ ...prior, guidanceScale: 2, candidates: 2, description: 'd' }, { ...prior, id: 'r', name: 'regression prior', kind: 'regression' }];
    expect(parseManifest([{ ...unclip, priors, dataset: 'mnist' }], 'm.json')).toEqual([{ ...unclip, priors, dataset: 'mnist', classNames: [], attributes: [] }]);
    expect(parseManifest([unclip], 'm.json')).toEqual([{ ...unclip, priors: [], classNames: [], attributes: [] }]);
    expect(() => parseManifest([{ ...dalle, imageTokenizer: undefined }], 'm.json')).toThrow('m.json[0].imageTokenizer must be the URL of the VQ-VAE folder of a DALL·E checkpoint');
    expect(() => parseManifest([{ ...dalle, clip: '' }], 'm.json')).toThrow("m.json[0].clip must be the URL of the CLIP folder that re-ranks a DALL·E checkpoint's candidates");
    expect(() => parseManifest([{ ...unclip, clip: undefined }], 'm.json')).toThrow('m.json[0].clip must be the URL of the CLIP folder of an unCLIP decoder');
    expect(() => parseManifest([{ ...unclip, priors: {} }], 'm.json')).toThrow('m.json[0].priors must be a list of priors');
    expect(() => parseManifest([{ ...unclip, priors: [{ ...prior, url: '' }] }], 'm.json')).toThrow('m.json[0].priors[0].url must be a non-empty string');
    expect(() => parseManifest([{ ...unclip, priors: [{ ...prior, candidates: 1.5 }] }], 'm.json')).toThrow('m.json[0].priors[0].candidates must be a whole number ≥ 1');
    expect(() => parseManifest([{ ...unclip, priors: [{ ...prior, guidanceScale: -1 }] }], 'm.json')).toThrow('m.json[0].priors[0].guidanceScale must be a number ≥ 0');
  });

  it('DALL·E and unCLIP offer their shipped checkpoints only, with their parts and the recorded guidance', async () => {
    const manifest = parseManifest([dalle, { ...unclip, priors: [prior], dataset: 'mnist' }, { ...entry, id: 'diffusion-mnist', family: 'diffusion' }], 'm.json');
    expect(await checkpointChoices('dalle', manifest)).toEqual([
      { id: 'transformer-mnist', label: entry.name, kind: 'shipped', location: entry.url, guidanceScale: 3, dalle: { imageTokenizer: 'pretrained/vae/mnist-vq', clip: null, classNames: [], attributes: [] } },
    ]);
    expect(await checkpointChoices('unclip', manifest)).toEqual([
      { id: 'clip-guidance-unclip-mnist', label: entry.name, kind: 'shipped', location: entry.url, guidanceScale: 1.5, unclip: { clip: 'pretrained/clip-guidance/mnist', priors: [prior], dataset: 'mnist', classNames: [], attributes: [] } },
    ]);
  });

  it('refuses malformed manifests with one-line errors naming the entry', () => {
    expect(() => parseManifest({}, 'm.json')).toThrow('m.json must be a JSON list of checkpoints');
    expect(() => parseManifest([entry, entry], 'm.json')).toThrow('m.json[1].id "vae-mnist" is used twice');
    expect(() => parseManifest([{ ...entry, family: 'flow' }], 'm.json')).toThrow('m.json[0].family must be one of gan, vae, diffusion, text, dalle, unclip');
    expect(() => parseManifest([{ ...entry, id: 'a b' }], 'm.json')).toThrow("m.json[0].id must be a string of letters, digits, '.', '_' or '-'");
    expect(() => parseManifest([{ ...entry, url: '' }], 'm.json')).toThrow("m.json[0].url must be the checkpoint folder's URL");
    expect(() => parseManifest([null], 'm.json')).toThrow('m.json[0] must be an object');
    expect(() => parseManifest([{ ...entry, guidanceScale: '1.5' }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
    expect(() => parseManifest([{ ...entry, guidanceScale: -1 }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
  });
});
