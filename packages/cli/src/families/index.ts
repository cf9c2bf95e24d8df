import type { FamilyCommands } from '../registry';
import { clipCommands } from './clip';
import { dalleCommands } from './dalle';
import { diffusionCommands } from './diffusion';
import { ganCommands } from './gan';
import { unclipCommands, unclipPriorCommands } from './unclip';
import { vaeCommands } from './vae';

/**
 * The model families `gen train | sample | eval` dispatch to. A family adds a file here
 * (`diffusion.ts` exporting a `FamilyCommands`, built on its package's public API) and
 * lists it below; `gen train <family>` then dispatches to it.
 */
export const FAMILIES: FamilyCommands[] = [clipCommands, dalleCommands, diffusionCommands, ganCommands, unclipCommands, unclipPriorCommands, vaeCommands];
