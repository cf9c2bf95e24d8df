import { PRETRAINED_CLIPS, pretrainedClipCard, pretrainedClipDir, loadPretrainedClip, type PretrainedClipName } from './node';

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
});
