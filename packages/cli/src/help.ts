import type { OptionSpec, OptionSpecs } from './options';
import { PLANNED_FAMILIES, type CommandRegistry, type CommandSpec, type FamilyVerb } from './registry';

const INDENT = '  ';

/** `gen --help`. */
export function formatMainHelp(registry: CommandRegistry, version: string): string {
  const rows = registry.commandSummaries().map(({ name, summary }) => [name, summary] as [string, string]);
  return [
    `gen ${version} — train, sample, evaluate and benchmark generative image models on TensorFlow.js`,
    '',
    'Usage: gen <command> [options]',
    '',
    'Commands:',
    ...table(rows),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'show this help; gen <command> --help lists a command\'s options'],
      ['--version', 'print the version'],
    ]),
    '',
    `Model families: ${familyLine(registry, 'train')}`,
    'Exit codes: 0 success, 1 runtime error, 2 bad command line.',
    '',
  ].join('\n');
}

/** `gen <command> --help` for a top-level command or a family subcommand. */
export function formatCommandHelp(path: string, spec: CommandSpec, options: OptionSpecs): string {
  const lines = [`Usage: ${path}${spec.usage ? ` ${spec.usage}` : ''} [options]`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  lines.push('', 'Options:', ...table(optionRows(options)));
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((example) => `${INDENT}${example}`));
  lines.push('');
  return lines.join('\n');
}

/** `gen train --help`: the families that can be trained and the common options. */
export function formatVerbHelp(registry: CommandRegistry, verb: FamilyVerb, options: OptionSpecs): string {
  const families = registry.familiesFor(verb);
  const lines = [`Usage: gen ${verb} <family> [options]`, ''];
  if (families.length === 0) {
    lines.push(`Families: ${familyLine(registry, verb)}`);
  } else {
    lines.push('Families:', ...table(families.map((family) => [family, registry.familySummary(family)])));
    lines.push('', `gen ${verb} <family> --help lists that family's options.`);
  }
  lines.push('', 'Options (every family):', ...table(optionRows(options)), '');
  return lines.join('\n');
}

/** `diffusion, gan` or `none registered yet (planned: …)`. */
export function familyLine(registry: CommandRegistry, verb: FamilyVerb): string {
  const families = registry.familiesFor(verb);
  if (families.length > 0) return families.join(', ');
  return `none registered yet (planned: ${PLANNED_FAMILIES.join(', ')}; each plugs in when its package ships)`;
}

function optionRows(options: OptionSpecs): Array<[string, string]> {
  return Object.entries(options).map(([name, spec]) => [optionSignature(name, spec), optionDescription(spec)]);
}

function optionSignature(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '';
  const value = spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : '';
  return `${short}--${name}${value}`;
}

function optionDescription(spec: OptionSpec): string {
  if (spec.type === 'boolean') return spec.description;
  const shown = spec.defaultLabel ?? (spec.default === undefined ? undefined : Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default));
  return shown === undefined ? spec.description : `${spec.description} (default: ${shown})`;
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${INDENT}${left.padEnd(width)}  ${right}`.trimEnd());
}
