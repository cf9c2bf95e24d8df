// Builds or loads the model a (family, checkpoint) choice names, keeping one loaded model per
// tab and disposing the previous one.
import { folderHandler, sourceOf, type CheckpointChoice } from '../io/checkpoint-sources';
import { DalleStudioModel } from './dalle-model';
import { DiffusionStudioModel } from './diffusion-model';
import type { FamilyName, StudioModel } from './family';
import { GanStudioModel } from './gan-model';
import { TextToImageStudioModel } from './text-model';
import { UnclipStudioModel } from './unclip-model';
import { VaeStudioModel } from './vae-model';

/** Seed of the untrained models' initial weights (fixed, so "untrained" is one model). */
export const UNTRAINED_WEIGHTS_SEED = 1;

export async function openModel(family: FamilyName, choice: CheckpointChoice): Promise<StudioModel> {
  if (family === 'text' && (choice.kind !== 'shipped' || !choice.text)) throw new Error(`${choice.label} is not a text-to-image checkpoint (one the studio serves with its CLIP)`);
  if (family === 'dalle' && (choice.kind !== 'shipped' || !choice.dalle)) throw new Error(`${choice.label} is not a DALL·E checkpoint (one the studio serves with its VQ-VAE)`);
  if (family === 'unclip' && (choice.kind !== 'shipped' || !choice.unclip)) throw new Error(`${choice.label} is not an unCLIP decoder (one the studio serves with its CLIP)`);
  if (choice.kind === 'untrained') {
    if (family === 'gan') return GanStudioModel.untrained(UNTRAINED_WEIGHTS_SEED);
    if (family === 'vae') return VaeStudioModel.untrained(UNTRAINED_WEIGHTS_SEED);
    return DiffusionStudioModel.untrained(UNTRAINED_WEIGHTS_SEED);
  }
  const source = sourceOf(choice);
  if (family === 'gan') return GanStudioModel.load(source, choice.label);
  if (family === 'vae') return VaeStudioModel.load(source, choice.label);
  // A shipped latent diffusion model keeps its autoencoder in a folder beside the UNet's files.
  const autoencoderSource = choice.kind === 'shipped' ? (relative: string) => folderHandler(`${choice.location.replace(/\/+$/, '')}/${relative}`) : undefined;
  if (family === 'text') return TextToImageStudioModel.load(source, choice.label, autoencoderSource, folderHandler(choice.text!.encoder), choice.text!.encoder);
  if (family === 'dalle') {
    const { imageTokenizer, clip } = choice.dalle!;
    return DalleStudioModel.load(source, choice.label, folderHandler(imageTokenizer), clip === null ? null : folderHandler(clip));
  }
  if (family === 'unclip') return UnclipStudioModel.load(source, choice.label, autoencoderSource, folderHandler(choice.unclip!.clip), choice.unclip!.clip, folderHandler);
  return DiffusionStudioModel.load(source, choice.label, autoencoderSource);
}

export class ModelSlot {
  private key: string | null = null;
  private current: StudioModel | null = null;

  /** The model for (family, choice), loading it unless it is the one already held. */
  async get(family: FamilyName, choice: CheckpointChoice): Promise<StudioModel> {
    const key = `${family}\u0000${choice.kind}\u0000${choice.location}`;
    if (this.current && this.key === key) return this.current;
    this.release();
    this.current = await openModel(family, choice);
    this.key = key;
    return this.current;
  }

  /** Forgets the held model (e.g. after the Train tab rewrote the checkpoint it came from). */
  release(): void {
    this.current?.dispose();
    this.current = null;
    this.key = null;
  }
}
