import type { CliIO } from './output';
import type { OptionSpecs } from './options';

/** What a command's `run` receives. */
export interface CommandContext {
  /** Option values by name, defaults filled in and parsed (`seed` is a number). */
  options: Record<string, unknown>;
  /** Arguments after the command (after the family for `train | sample | eval`). */
  positionals: string[];
  /** The raw arguments after the command, as typed (recorded by `gen bench` in its report). */
  argv: string[];
  /** Where to write: stdout for results, stderr for progress. */
  io: CliIO;
  /** `gen bench`, `gen train diffusion`: the prefix for messages. */
  commandPath: string;
  /** `--verbose` was given. */
  verbose: boolean;
}

/** One command (`gen bench`) or one family subcommand (`gen train diffusion`). */
export interface CommandSpec {
  /** The word that selects it (`bench`, or the family name `diffusion`). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for `--help`. */
  description?: string;
  /** Positional arguments, as shown after the name in usage (`<prompt>`). */
  usage?: string;
  /** Options; `--help` and `--verbose` are added to every command. */
  options: OptionSpecs;
  /** Example command lines for `--help`. */
  examples?: string[];
  /** Does the work; returns the exit code (0 when omitted). Throw `UsageError` for bad input. */
  run(context: CommandContext): Promise<number | void>;
}

/** The verbs whose second word is a model family: `gen train diffusion`, `gen sample gan`. */
export const FAMILY_VERBS = ['train', 'sample', 'eval'] as const;
export type FamilyVerb = (typeof FAMILY_VERBS)[number];

/** Families the architecture plans; shown until they register (`gen train gan` says so). */
export const PLANNED_FAMILIES = ['diffusion', 'gan', 'vae', 'clip-guidance'] as const;

/** A model family's CLI: any of train / sample / eval, each a full command spec. */
export interface FamilyCommands {
  /** The family word (`diffusion`). */
  family: string;
  /** One line for `gen train --help`. */
  summary: string;
  train?: Omit<CommandSpec, 'name'>;
  sample?: Omit<CommandSpec, 'name'>;
  eval?: Omit<CommandSpec, 'name'>;
}

const VERB_SUMMARIES: Record<FamilyVerb, string> = {
  train: 'Train a model: gen train <family> [options]',
  sample: 'Sample images from a checkpoint: gen sample <family> [options]',
  eval: 'Evaluate a checkpoint (FID/KID, NLL, accuracy): gen eval <family> [options]',
};

/**
 * The commands `gen` knows. Top-level commands (`bench`, `demo`) register with
 * `registerCommand`; model families plug into `train | sample | eval` with
 * `registerFamily` (or one verb at a time with `registerFamilyCommand`).
 */
export class CommandRegistry {
  private readonly commands = new Map<string, CommandSpec>();
  private readonly families = new Map<FamilyVerb, Map<string, CommandSpec>>(FAMILY_VERBS.map((verb) => [verb, new Map()]));
  private readonly familySummaries = new Map<string, string>();

  /** Adds a top-level command. Names must be unique (and not a family verb). */
  registerCommand(spec: CommandSpec): this {
    if (this.commands.has(spec.name) || (FAMILY_VERBS as readonly string[]).includes(spec.name)) {
      throw new Error(`gen command "${spec.name}" is already registered`);
    }
    this.commands.set(spec.name, spec);
    return this;
  }

  /** Adds `gen <verb> <family>`. */
  registerFamilyCommand(verb: FamilyVerb, family: string, spec: Omit<CommandSpec, 'name'>, summary?: string): this {
    const table = this.families.get(verb);
    if (!table) throw new Error(`"${verb}" is not one of ${FAMILY_VERBS.join(', ')}`);
    if (table.has(family)) throw new Error(`gen ${verb} ${family} is already registered`);
    table.set(family, { ...spec, name: family });
    if (summary !== undefined || !this.familySummaries.has(family)) this.familySummaries.set(family, summary ?? spec.summary);
    return this;
  }

  /** Adds every verb a family provides. */
  registerFamily(commands: FamilyCommands): this {
    for (const verb of FAMILY_VERBS) {
      const spec = commands[verb];
      if (spec) this.registerFamilyCommand(verb, commands.family, spec, commands.summary);
    }
    return this;
  }

  /** Command names in help order: family verbs first, then the others as registered. */
  commandNames(): string[] {
    return [...FAMILY_VERBS, ...this.commands.keys()];
  }

  command(name: string): CommandSpec | undefined {
    return this.commands.get(name);
  }

  /** One line per command for the top-level help. */
  commandSummaries(): Array<{ name: string; summary: string }> {
    return [
      ...FAMILY_VERBS.map((verb) => ({ name: verb, summary: VERB_SUMMARIES[verb] })),
      ...[...this.commands.values()].map((spec) => ({ name: spec.name, summary: spec.summary })),
    ];
  }

  /** Families registered for a verb, sorted. */
  familiesFor(verb: FamilyVerb): string[] {
    return [...(this.families.get(verb)?.keys() ?? [])].sort();
  }

  familyCommand(verb: FamilyVerb, family: string): CommandSpec | undefined {
    return this.families.get(verb)?.get(family);
  }

  familySummary(family: string): string {
    return this.familySummaries.get(family) ?? '';
  }
}

export function isFamilyVerb(name: string): name is FamilyVerb {
  return (FAMILY_VERBS as readonly string[]).includes(name);
}
