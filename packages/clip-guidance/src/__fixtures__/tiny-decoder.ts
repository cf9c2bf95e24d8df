// An untrained unCLIP decoder for the tiny CLIP (embedDim 16) at the 16×16 of the shape fixtures.
import { Generator } from '@gen/core';
import { UNet2DModel, unet2dConfig, type UNet2DConfig } from '@gen/diffusion';
import { SIZE } from './tiny-clip';
import { TINY_TEXT_UNET } from './tiny-text-unet';

export function tinyDecoder(seed = 2, crossAttentionDim = 16): UNet2DModel {
  const config = unet2dConfig({ ...TINY_TEXT_UNET, height: SIZE, width: SIZE, inChannels: 1, crossAttentionDim } as UNet2DConfig);
  return new UNet2DModel({ ...config, generator: new Generator(seed) });
}
