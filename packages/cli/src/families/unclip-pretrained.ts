// `pretrained:<name>` for the unCLIP commands: the shipped decoders (--checkpoint) and priors
// (--prior) of @gen/clip-guidance.
import {
  PRETRAINED_UNCLIP_DECODERS,
  PRETRAINED_UNCLIP_PRIORS,
  pretrainedUnclipDecoderDir,
  pretrainedUnclipPriorDir,
  type PretrainedUnclipDecoderName,
  type PretrainedUnclipPriorName,
} from '@gen/clip-guidance/node';
import type { PretrainedLookup } from './shared';

export const PRETRAINED_UNCLIP_DECODER_CHECKPOINTS: PretrainedLookup = {
  names: PRETRAINED_UNCLIP_DECODERS,
  dir: (name) => pretrainedUnclipDecoderDir(name as PretrainedUnclipDecoderName),
};

export const PRETRAINED_UNCLIP_PRIOR_CHECKPOINTS: PretrainedLookup = {
  names: PRETRAINED_UNCLIP_PRIORS,
  dir: (name) => pretrainedUnclipPriorDir(name as PretrainedUnclipPriorName),
};
