// Public API of the external-CLIP module (explicit named exports only).
export { ExternalClip } from './external-clip';
export type { ExternalClipParts } from './external-clip';
export { loadExternalClip } from './load-external-clip';
export type { ExternalClipSources, ExternalModelSource } from './load-external-clip';
export { resolveExternalClipConfig, EXTERNAL_CLIP_FORMAT, EXTERNAL_CLIP_CONFIG_FILE, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './config';
export type {
  ExternalClipConfig,
  ResolvedExternalClipConfig,
  ExternalImageTowerConfig,
  ExternalTextTowerConfig,
  ExternalTokenizerConfig,
  ExternalModelKind,
  ImageLayout,
} from './config';
export type { GraphModelLike, LayersModelLike, ExternalTowerModel } from './towers';
