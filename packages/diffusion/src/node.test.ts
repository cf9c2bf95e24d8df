import { autoencoderDirOf } from './node';

describe('@gen/diffusion/node autoencoderDirOf', () => {
  it('resolves a relative autoencoder against the checkpoint folder, keeps absolute ones, and is null for pixel models', () => {
    expect(autoencoderDirOf({ autoencoder: 'autoencoder', scalingFactor: 0.8 }, '/models/mnist')).toBe('/models/mnist/autoencoder');
    expect(autoencoderDirOf({ autoencoder: '../ae/step-00000100' }, '/runs/ldm/checkpoints/step-00000400')).toBe('/runs/ldm/checkpoints/ae/step-00000100');
    expect(autoencoderDirOf({ autoencoder: '/runs/ae/checkpoints/step-00001500' }, '/elsewhere')).toBe('/runs/ae/checkpoints/step-00001500');
    expect(autoencoderDirOf({ model: {} }, '/models/mnist')).toBeNull();
    expect(() => autoencoderDirOf({ autoencoder: 3 }, '/models/mnist')).toThrow('config.autoencoder (3) must be a folder path');
  });
});
