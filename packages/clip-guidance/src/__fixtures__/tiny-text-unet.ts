// A text-conditioned UNet small enough for every test: a few thousand weights at the 16×16 of the
// shape fixtures, cross-attention at 8×8 and in the middle block.
import type { UNet2DConfigInput } from '@gen/diffusion';

export const TINY_TEXT_UNET: Partial<UNet2DConfigInput> = {
  blockOutChannels: [8, 16],
  layersPerBlock: 1,
  attentionLevels: [false, true],
  attentionHeadDim: 8,
  normNumGroups: 4,
  timeEmbeddingDim: 32,
};
