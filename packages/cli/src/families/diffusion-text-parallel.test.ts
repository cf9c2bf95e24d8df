// gen train diffusion --text-encoder with --workers 2: every worker thread loads the CLIP from its
// folder and captions the training set itself (textEncoderRecipe of @gen/clip-guidance/node).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gen } from './test-utils';

describe('gen train diffusion --text-encoder --workers 2', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-diffusion-text-parallel-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('trains data-parallel on 2 worker threads', async () => {
    const clip = await gen(['train', 'clip', '--backend', 'wasm', '--batch-size', '8', '--limit-data', '32', '--vocab-size', '600', '--max-length', '16', '--steps', '1', '--config', '{"embedDim":8,"text":{"width":8,"layers":1,"heads":2},"image":{"widths":[4,4,4],"outFeatures":8}}', '--out', join(dir, 'clip')]);
    expect(clip.code).toBe(0);
    const unet = '{"blockOutChannels":[4,8],"layersPerBlock":1,"attentionLevels":[false,false],"midBlockAttention":true,"attentionHeadDim":8,"normNumGroups":2,"timeEmbeddingDim":8}';
    const { code, out, err } = await gen(['train', 'diffusion', '--backend', 'wasm', '--batch-size', '16', '--limit-data', '32', '--config', unet, '--text-encoder', join(dir, 'clip'), '--workers', '2', '--steps', '2', '--every', '0', '--out', join(dir, 't')]);
    expect(err).toMatch(/step 2\/2/);
    expect(code).toBe(0);
    expect(out).toContain('trained data-parallel on 2 worker threads');
  }, 300_000);
});
