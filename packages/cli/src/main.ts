import { GenError } from '@gen/core';
import { HELP_OPTION, VERBOSE_OPTION, backendOption, outOption, seedOption } from './common-options';
import { defaultRegistry } from './commands';
import { familyLine, formatCommandHelp, formatMainHelp, formatVerbHelp } from './help';
import { parseOptions, type OptionSpecs } from './options';
import { processIO, type CliIO } from './output';
import { isFamilyVerb, type CommandRegistry, type CommandSpec } from './registry';
import { UsageError } from './usage-error';
import { version } from './version';

export interface MainOptions {
  /** Streams to write to (the process's by default; tests pass `memoryIO()`). */
  io?: CliIO;
  /** Commands to dispatch to (the built-in registry by default). */
  registry?: CommandRegistry;
}

/**
 * Runs `gen` with `argv` (without `node` and the script) and resolves to the exit code:
 * 0 success, 1 runtime error, 2 bad command line (one line on stderr naming the option,
 * the value and what is allowed). Never calls `process.exit`.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const { io = processIO(), registry = defaultRegistry() } = options;
  const verbose = argv.includes('--verbose');
  let path = 'gen';
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      if (first === 'help' && rest[0] !== undefined) return main([...rest, '--help'], options);
      io.stdout.write(formatMainHelp(registry, version));
      return 0;
    }
    if (first === '--version' || first === '-v') {
      io.stdout.write(`${version}\n`);
      return 0;
    }
    if (first.startsWith('-')) {
      throw new UsageError(first, undefined, `is not an option of gen; usage: gen <command> [options] with command one of ${registry.commandNames().join(', ')}`);
    }

    if (isFamilyVerb(first)) {
      path = `gen ${first}`;
      const family = rest[0];
      if (family === undefined || family.startsWith('-')) {
        const parsed = parseOptions(rest, withStandard(familyVerbOptions()), path);
        if (parsed.values.help) {
          io.stdout.write(formatVerbHelp(registry, first, withStandard(familyVerbOptions())));
          return 0;
        }
        throw new UsageError('family', undefined, `is missing: ${path} <family>; families: ${familyLine(registry, first)}`);
      }
      const spec = registry.familyCommand(first, family);
      if (!spec) {
        throw new UsageError('family', family, `has no ${first} command; families: ${familyLine(registry, first)}`);
      }
      path = `gen ${first} ${family}`;
      return await runCommand(spec, rest.slice(1), path, io, verbose);
    }

    const spec = registry.command(first);
    if (!spec) throw new UsageError('command', first, `is not one of ${registry.commandNames().join(', ')}`);
    path = `gen ${first}`;
    return await runCommand(spec, rest, path, io, verbose);
  } catch (error) {
    return reportError(error, path, io, verbose);
  }
}

async function runCommand(spec: CommandSpec, argv: string[], path: string, io: CliIO, verbose: boolean): Promise<number> {
  const specs = withStandard(spec.options);
  const { values, positionals } = parseOptions(argv, specs, path);
  if (values.help) {
    io.stdout.write(formatCommandHelp(path, spec, specs));
    return 0;
  }
  const code = await spec.run({ options: values, positionals, argv, io, commandPath: path, verbose: values.verbose === true });
  return code ?? 0;
}

function withStandard(options: OptionSpecs): OptionSpecs {
  return { ...options, verbose: VERBOSE_OPTION, help: HELP_OPTION };
}

/** The options every family subcommand shares (shown by `gen train --help`). */
export function familyVerbOptions(): OptionSpecs {
  return { backend: backendOption(), seed: seedOption(), out: outOption('./gen-out') };
}

function reportError(error: unknown, path: string, io: CliIO, verbose: boolean): number {
  if (UsageError.isInstance(error)) {
    io.stderr.write(`${path}: ${error.message}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (GenError.isInstance(error)) {
    io.stderr.write(`${path}: ${message}\n`);
  } else {
    io.stderr.write(`${path}: ${(error as Error)?.name ?? 'Error'}: ${message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for the stack trace)'}\n`);
  }
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return 1;
}
