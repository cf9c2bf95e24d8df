import { main } from './main';
import { memoryIO } from './output';
import { CommandRegistry, type FamilyCommands } from './registry';
import { defaultRegistry } from './commands';
import { integerOption } from './options';

const toyFamily: FamilyCommands = {
  family: 'toy',
  summary: 'a test family',
  train: {
    summary: 'train the toy model',
    options: { steps: { type: 'string', valueName: 'n', description: 'training steps', default: 10, parse: integerOption(1, 100) } },
    run: async ({ options, io, positionals, commandPath }) => {
      io.stdout.write(`${commandPath} steps=${String(options.steps)} rest=${positionals.join(',')}\n`);
    },
  },
};

describe('CommandRegistry', () => {
  test('a registered family runs under its verb with its own options', async () => {
    const registry = defaultRegistry().registerFamily(toyFamily);
    const io = memoryIO();
    expect(await main(['train', 'toy', '--steps', '7', 'extra'], { io, registry })).toBe(0);
    expect(io.out()).toBe('gen train toy steps=7 rest=extra\n');
  });

  test('help and errors name the registered families', async () => {
    const registry = new CommandRegistry().registerFamily(toyFamily);
    const help = memoryIO();
    await main(['train', '--help'], { io: help, registry });
    expect(help.out()).toMatch(/Families:\n  toy  a test family/);
    const familyHelp = memoryIO();
    await main(['train', 'toy', '--help'], { io: familyHelp, registry });
    expect(familyHelp.out()).toContain('Usage: gen train toy [options]');
    expect(familyHelp.out()).toContain('--steps <n>  training steps (default: 10)');
    const bad = memoryIO();
    expect(await main(['train', 'gan'], { io: bad, registry })).toBe(2);
    expect(bad.err()).toBe('gen train: family ("gan") has no train command; families: toy\n');
    const badValue = memoryIO();
    expect(await main(['train', 'toy', '--steps', '500'], { io: badValue, registry })).toBe(2);
    expect(badValue.err()).toBe('gen train toy: --steps ("500") must be an integer from 1 to 100\n');
    // A family without a sample command is not listed for sample.
    const sample = memoryIO();
    expect(await main(['sample', 'toy'], { io: sample, registry })).toBe(2);
    expect(sample.err()).toContain('families: none registered yet');
  });

  test('duplicate names are refused', () => {
    const registry = new CommandRegistry().registerFamily(toyFamily);
    expect(() => registry.registerFamily(toyFamily)).toThrow('gen train toy is already registered');
    expect(() => registry.registerCommand({ name: 'train', summary: '', options: {}, run: async () => {} })).toThrow(
      'gen command "train" is already registered',
    );
  });
});
