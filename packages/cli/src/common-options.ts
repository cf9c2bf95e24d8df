import { integerOption, nonEmptyOption, type OptionSpec } from './options';
import { UsageError } from './usage-error';

/** `--backend <name>`: a tfjs backend registered in this process. */
export function backendOption(): OptionSpec<string | undefined> {
  return {
    type: 'string',
    valueName: 'name',
    description: 'tfjs backend: tensorflow (tfjs-node), wasm or cpu; the fastest registered one when omitted',
    defaultLabel: 'auto',
    parse: (raw, flag) => {
      if (!/^[a-z][a-z0-9-]*$/.test(raw)) throw new UsageError(flag, raw, 'must be a backend name such as tensorflow, wasm or cpu');
      return raw;
    },
  };
}

/** `--seed <n>`: the seed of every random draw. */
export function seedOption(defaultSeed = 0): OptionSpec<number> {
  return {
    type: 'string',
    valueName: 'n',
    description: 'seed of every random draw (same seed, same result)',
    default: defaultSeed,
    parse: integerOption(0, 2 ** 32 - 1),
  };
}

/** `--out <dir>`: where outputs go. */
export function outOption(defaultDir: string): OptionSpec<string> {
  return {
    type: 'string',
    valueName: 'dir',
    description: 'output directory (created if missing)',
    default: defaultDir,
    parse: nonEmptyOption,
  };
}

/** Added to every command by `main`. */
export const HELP_OPTION: OptionSpec<boolean> = { type: 'boolean', short: 'h', description: "show this command's options", default: false };
export const VERBOSE_OPTION: OptionSpec<boolean> = {
  type: 'boolean',
  description: 'print stack traces and backend details',
  default: false,
};
