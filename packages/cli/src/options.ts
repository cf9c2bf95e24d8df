import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

/** One `--name` option of a command: how it is parsed, its default and its help line. */
export interface OptionSpec<T = unknown> {
  /** `string` options take a value (`--seed 3` or `--seed=3`); `boolean` ones are flags. */
  type: 'string' | 'boolean';
  /** One-letter alias (`-h`). */
  short?: string;
  /** Placeholder shown in help (`--seed <n>`). */
  valueName?: string;
  /** One line for `--help`. */
  description: string;
  /** Value when the option is absent (already parsed). */
  default?: T;
  /** How the default reads in help when it is not simply `String(default)` (e.g. `auto`). */
  defaultLabel?: string;
  /**
   * Turns the raw string into the value; throws `UsageError` for a bad one. The `flag` is
   * the spelling to use in messages (`--seed`). Without it the raw string is kept.
   */
  parse?: (raw: string, flag: string) => T;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface ParsedArgs {
  /** Option values by name, defaults filled in. */
  values: Record<string, unknown>;
  /** Arguments that are not options, in order. */
  positionals: string[];
}

/**
 * Parses `argv` against `specs` with `node:util` parseArgs (in token mode, so every
 * mistake gets our own one-line message naming the option, the value and what is allowed).
 * Positionals are returned untouched; `commandName` only appears in messages.
 */
export function parseOptions(argv: string[], specs: OptionSpecs, commandName: string): ParsedArgs {
  const parseArgsOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    parseArgsOptions[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  const { tokens } = parseArgs({
    args: argv,
    options: parseArgsOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const spec = specs[token.name];
    if (!spec) {
      const known = Object.keys(specs).map((name) => `--${name}`).join(', ');
      throw new UsageError(token.rawName, undefined, `is not an option of ${commandName}; options: ${known}`);
    }
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) {
        throw new UsageError(flag, token.value, 'is a flag and takes no value');
      }
      raw[token.name] = true;
      continue;
    }
    // A string option swallowed the next option (`--seed --quick`): its value is missing.
    const value = token.value;
    if (value === undefined || (!token.inlineValue && /^--?[a-zA-Z]/.test(value) && !/^-\d/.test(value))) {
      throw new UsageError(flag, undefined, `needs a value: ${flag} <${spec.valueName ?? 'value'}>`);
    }
    raw[token.name] = value;
  }

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = raw[name];
    if (given === undefined) values[name] = spec.default;
    else if (typeof given === 'string' && spec.parse) values[name] = spec.parse(given, `--${name}`);
    else values[name] = given;
  }
  return { values, positionals };
}

// ---- value parsers shared by the commands ----

/** An integer in [min, max]. */
export function integerOption(min: number, max: number): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const value = Number(raw);
    if (!/^[-+]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new UsageError(flag, raw, `must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(choices: readonly T[]): (raw: string, flag: string) => T {
  return (raw, flag) => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new UsageError(flag, raw, `must be one of ${choices.join(', ')}`);
    }
    return raw as T;
  };
}

/** A comma-separated list of words from a fixed set, without repeats. */
export function listOption<T extends string>(choices: readonly T[]): (raw: string, flag: string) => T[] {
  return (raw, flag) => {
    const items = raw.split(',').map((item) => item.trim());
    const bad = items.find((item) => !(choices as readonly string[]).includes(item));
    if (items.length === 0 || bad !== undefined) {
      throw new UsageError(flag, raw, `must be a comma-separated list of ${choices.join(', ')}${bad ? ` ("${bad}" is not one)` : ''}`);
    }
    const repeated = items.find((item, index) => items.indexOf(item) !== index);
    if (repeated !== undefined) throw new UsageError(flag, raw, `names "${repeated}" twice`);
    return items as T[];
  };
}

/** A non-empty string (paths). */
export function nonEmptyOption(raw: string, flag: string): string {
  if (raw.trim() === '') throw new UsageError(flag, raw, 'must not be empty');
  return raw;
}
