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

  it('refuses malformed manifests with one-line errors naming the entry', () => {
    expect(() => parseManifest({}, 'm.json')).toThrow('m.json must be a JSON list of checkpoints');
    expect(() => parseManifest([entry, entry], 'm.json')).toThrow('m.json[1].id "vae-mnist" is used twice');
    expect(() => parseManifest([{ ...entry, family: 'flow' }], 'm.json')).toThrow('m.json[0].family must be one of gan, vae, diffusion, text');
    expect(() => parseManifest([{ ...entry, id: 'a b' }], 'm.json')).toThrow("m.json[0].id must be a string of letters, digits, '.', '_' or '-'");
    expect(() => parseManifest([{ ...entry, url: '' }], 'm.json')).toThrow("m.json[0].url must be the checkpoint folder's URL");
    expect(() => parseManifest([null], 'm.json')).toThrow('m.json[0] must be an object');
    expect(() => parseManifest([{ ...entry, guidanceScale: '1.5' }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
    expect(() => parseManifest([{ ...entry, guidanceScale: -1 }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
  });
});
