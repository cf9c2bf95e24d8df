import { readFileSync } from 'node:fs';
import path from 'node:path';
import { version } from '@gen/transformer';

describe('@gen/transformer version', () => {
  it('is the semver of package.json, so changesets bumps reach the code', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(version).toBe(manifest.version);
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
  });
});
