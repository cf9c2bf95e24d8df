import { parseManifest } from './checkpoint-sources';

describe('parseManifest', () => {
  const entry = { id: 'vae-mnist', family: 'vae', name: 'VAE on MNIST', url: 'checkpoints/vae-mnist' };

  it('accepts the empty list and valid entries', () => {
    expect(parseManifest([], 'm.json')).toEqual([]);
    expect(parseManifest([{ ...entry, description: 'd', extra: 1 }], 'm.json')).toEqual([{ ...entry, description: 'd' }]);
    expect(parseManifest([{ ...entry, family: 'diffusion', guidanceScale: 1.5 }], 'm.json')).toEqual([{ ...entry, family: 'diffusion', guidanceScale: 1.5 }]);
  });

  it('refuses malformed manifests with one-line errors naming the entry', () => {
    expect(() => parseManifest({}, 'm.json')).toThrow('m.json must be a JSON list of checkpoints');
    expect(() => parseManifest([entry, entry], 'm.json')).toThrow('m.json[1].id "vae-mnist" is used twice');
    expect(() => parseManifest([{ ...entry, family: 'flow' }], 'm.json')).toThrow('m.json[0].family must be one of gan, vae, diffusion');
    expect(() => parseManifest([{ ...entry, id: 'a b' }], 'm.json')).toThrow("m.json[0].id must be a string of letters, digits, '.', '_' or '-'");
    expect(() => parseManifest([{ ...entry, url: '' }], 'm.json')).toThrow("m.json[0].url must be the checkpoint folder's URL");
    expect(() => parseManifest([null], 'm.json')).toThrow('m.json[0] must be an object');
    expect(() => parseManifest([{ ...entry, guidanceScale: '1.5' }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
    expect(() => parseManifest([{ ...entry, guidanceScale: -1 }], 'm.json')).toThrow('m.json[0].guidanceScale must be a number ≥ 0');
  });
});
