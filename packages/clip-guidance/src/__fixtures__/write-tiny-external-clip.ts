// Writes the tiny external CLIP of ./tiny-external-clip.ts to a folder (Node only): the layout a
// user's conversion produces on disk, for the folder loader's tests and the committed fixture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tinyExternalClipFiles, type TinyExternalClipOptions } from './tiny-external-clip';

/** Writes a tiny external CLIP into `dir` (created): external-clip.json, image/, text/, vocab.json, merges.txt. */
export async function writeTinyExternalClip(dir: string, options: TinyExternalClipOptions = {}): Promise<void> {
  for (const [file, bytes] of Object.entries(await tinyExternalClipFiles(options))) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), bytes);
  }
}
