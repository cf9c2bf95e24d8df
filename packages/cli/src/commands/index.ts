import { CommandRegistry } from '../registry';
import { FAMILIES } from '../families';
import { benchCommand } from './bench';
import { demoCommand } from './demo';

/**
 * A registry holding every built-in command and every family in `src/families`.
 * `train | sample | eval` are dispatchers over the families; a family adds itself by
 * appearing in `FAMILIES` (see docs/cli.md, "Adding a model family").
 */
export function defaultRegistry(): CommandRegistry {
  const registry = new CommandRegistry();
  for (const family of FAMILIES) registry.registerFamily(family);
  registry.registerCommand(benchCommand);
  registry.registerCommand(demoCommand);
  return registry;
}
