import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageAssetDir } from './package-asset-dir';
import { pretrainedDir } from './pretrained';

describe('packageAssetDir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'gen-asset-'));
  const pkg = path.join(root, 'node_modules', '@gen', 'fake');
  mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  mkdirSync(path.join(pkg, 'pretrained', 'mnist'), { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@gen/fake' }));
  writeFileSync(path.join(pkg, 'pretrained', 'mnist', 'config.json'), '{}');

  test('finds the folder in the package the calling file belongs to', () => {
    const dir = packageAssetDir({ packageName: '@gen/fake', relative: 'pretrained/mnist', fromFile: path.join(pkg, 'dist', 'index.js'), what: 'x' });
    expect(dir).toBe(path.join(pkg, 'pretrained', 'mnist'));
  });

  test('finds it by resolving the package from another file', () => {
    const app = path.join(root, 'app.js');
    writeFileSync(app, '');
    const dir = packageAssetDir({ packageName: '@gen/fake', relative: 'pretrained/mnist', fromFile: app, what: 'x' });
    expect(dir).toBe(path.join(pkg, 'pretrained', 'mnist'));
  });

  test('a missing folder is a one-line error naming what and where', () => {
    const call = () => packageAssetDir({ packageName: '@gen/fake', relative: 'pretrained/cifar', fromFile: path.join(pkg, 'dist', 'index.js'), what: "the pretrained 'cifar' GAN" });
    expect(call).toThrow(new RegExp(`^the pretrained 'cifar' GAN was not found \\(looked in ${path.join(pkg, 'pretrained', 'cifar').replace(/[/\\]/g, '.')}`));
    expect(() => call()).not.toThrow(/\n/);
  });
});

describe('pretrainedDir', () => {
  test('an unknown name is a one-line error listing the shipped ones', () => {
    expect(() => pretrainedDir({ packageName: '@gen/gan', kind: 'GAN', name: 'cifar' as 'mnist', available: ['mnist', 'fashion'], fromFile: __filename })).toThrow(
      "name (\"cifar\") must be a pretrained GAN of @gen/gan: 'mnist', 'fashion'",
    );
  });
});
