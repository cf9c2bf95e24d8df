import type { FamilyCommands } from '../registry';
import { ganCommands } from './gan';
import { vaeCommands } from './vae';

/**
 * The model families `gen train | sample | eval` dispatch to. A family adds a file here
 * (`diffusion.ts` exporting a `FamilyCommands`, built on its package's public API) and
 * lists it below. Until then `gen train diffusion` says that no family is registered.
 */
export const FAMILIES: FamilyCommands[] = [ganCommands, vaeCommands];
