import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PRETRAINED_CLIPS,
  PRETRAINED_UNCLIP_DECODERS,
  PRETRAINED_UNCLIP_PRIORS,
  pretrainedClipCard,
  pretrainedClipDir,
  pretrainedUnclipDecoderDir,
  pretrainedUnclipPriorDir,
  loadPretrainedClip,
  type PretrainedClipName,
  type PretrainedUnclipDecoderName,
  type PretrainedUnclipPriorName,
} from './node';

describe('@gen/clip-guidance/node', () => {
  test('ships the names mnist and fashion', () => {
    expect(PRETRAINED_CLIPS).toEqual(['mnist', 'fashion']);
  });

  test('an unknown name is a one-line error naming the argument, the value and the shipped names', async () => {
    const message = "name (\"nope\") must be a pretrained CLIP model of @gen/clip-guidance: 'mnist', 'fashion'";
    expect(() => pretrainedClipDir('nope' as PretrainedClipName)).toThrow(message);
    expect(() => pretrainedClipDir('nope' as PretrainedClipName)).not.toThrow(/\n/);
    expect(() => pretrainedClipCard('nope' as PretrainedClipName)).toThrow(message);
    await expect(loadPretrainedClip('nope' as PretrainedClipName)).rejects.toThrow(message);
  });

  test('ships the unCLIP decoders mnist / fashion and their priors <dataset>-diffusion / <dataset>-regression, each a checkpoint with a model card', () => {
    expect(PRETRAINED_UNCLIP_DECODERS).toEqual(['mnist', 'fashion']);
    expect(PRETRAINED_UNCLIP_PRIORS).toEqual(['mnist-diffusion', 'mnist-regression', 'fashion-diffusion', 'fashion-regression']);
    const folders = [
      ...PRETRAINED_UNCLIP_DECODERS.map((name) => pretrainedUnclipDecoderDir(name)),
      ...PRETRAINED_UNCLIP_PRIORS.map((name) => pretrainedUnclipPriorDir(name)),
    ];
    for (const folder of folders) {
      for (const file of ['config.json', 'weights.bin', 'model-card.json']) expect(fs.existsSync(path.join(folder, file))).toBe(true);
    }
    const decoderConfig = JSON.parse(fs.readFileSync(path.join(folders[0], 'config.json'), 'utf8')).userDefinedMetadata.genCheckpoint.config;
    expect(decoderConfig).toMatchObject({ autoencoder: 'autoencoder', imageEncoder: { kind: 'clip-image-embedding', clip: 'pretrained:mnist' } });
    expect(fs.existsSync(path.join(folders[0], 'autoencoder', 'config.json'))).toBe(true);
    const fashionConfig = JSON.parse(fs.readFileSync(path.join(folders[1], 'config.json'), 'utf8')).userDefinedMetadata.genCheckpoint.config;
    expect(fashionConfig).toMatchObject({ autoencoder: 'autoencoder', imageEncoder: { kind: 'clip-image-embedding', clip: 'pretrained:fashion' } });
    // The Fashion diffusion prior records the guidance measured best (gen sample|eval unclip's default).
    const fashionPrior = JSON.parse(fs.readFileSync(path.join(pretrainedUnclipPriorDir('fashion-diffusion'), 'config.json'), 'utf8')).userDefinedMetadata.genCheckpoint.config;
    expect(fashionPrior).toMatchObject({ clip: 'pretrained:fashion', prior: { kind: 'diffusion' }, sampling: { guidanceScale: 2, candidates: 2 } });
    expect(() => pretrainedUnclipDecoderDir('nope' as PretrainedUnclipDecoderName)).toThrow("name (\"nope\") must be a pretrained unCLIP decoder of @gen/clip-guidance: 'mnist', 'fashion'");
    expect(() => pretrainedUnclipPriorDir('mnist' as PretrainedUnclipPriorName)).toThrow(
      "name (\"mnist\") must be a pretrained unCLIP prior of @gen/clip-guidance: 'mnist-diffusion', 'mnist-regression', 'fashion-diffusion', 'fashion-regression'",
    );
  });
});
