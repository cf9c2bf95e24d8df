import { main } from './main';
import { memoryIO } from './output';
import { CommandRegistry } from './registry';
import { defaultRegistry } from './commands';
import { benchCommand } from './commands/bench';
import { demoCommand } from './commands/demo';

/** The built-in commands without any model family: how train | sample | eval read before one registers. */
function withoutFamilies(): CommandRegistry {
  return new CommandRegistry().registerCommand(benchCommand).registerCommand(demoCommand);
}

async function run(argv: string[], registry?: CommandRegistry) {
  const io = memoryIO();
  const code = await main(argv, { io, registry });
  return { code, out: io.out(), err: io.err() };
}

describe('gen --help', () => {
  test('lists every command and exits 0', async () => {
    const { code, out, err } = await run(['--help'], withoutFamilies());
    expect(code).toBe(0);
    expect(err).toBe('');
    for (const command of ['train', 'sample', 'eval', 'bench', 'demo']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(out).toContain('Model families: none registered yet');
  });

  test('no arguments prints the same help', async () => {
    expect((await run([])).out).toBe((await run(['--help'])).out);
  });

  test.each(['bench', 'demo'])('gen %s --help lists its options with defaults', async (command) => {
    const { code, out } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(out).toContain(`Usage: gen ${command} [options]`);
    expect(out).toContain('--out <dir>');
    expect(out).toContain('--seed <n>');
    expect(out).toContain('(default: 0)');
    expect(out).toContain('-h, --help');
  });

  test('gen demo --help shows its default out dir and --backend', async () => {
    const { out } = await run(['demo', '--help']);
    expect(out).toContain('(default: ./gen-demo)');
    expect(out).toMatch(/--backend <name> .*\(default: auto\)/);
  });

  test('gen bench --help shows its columns and default', async () => {
    const { out } = await run(['bench', '-h']);
    expect(out).toMatch(/--backends <list> .*\(default: cpu,wasm,webgl,torch\)/);
    expect(out).toContain('--quick');
  });

  test('gen help <command> is gen <command> --help', async () => {
    expect((await run(['help', 'bench'])).out).toBe((await run(['bench', '--help'])).out);
  });

  test('gen train --help names the families and the shared options', async () => {
    const { code, out } = await run(['train', '--help'], withoutFamilies());
    expect(code).toBe(0);
    expect(out).toContain('Usage: gen train <family> [options]');
    expect(out).toContain('Families: none registered yet (planned: diffusion, gan, vae, clip-guidance');
    expect(out).toContain('--backend <name>');
  });

  test('--version', async () => {
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bad command lines: one line on stderr, exit code 2', () => {
  test.each([
    [['trian'], 'gen: command ("trian") is not one of train, sample, eval, bench, demo'],
    [['--frobnicate'], 'gen: --frobnicate is not an option of gen; usage: gen <command> [options] with command one of train, sample, eval, bench, demo'],
    [['train'], 'gen train: family is missing: gen train <family>; families: none registered yet (planned: diffusion, gan, vae, clip-guidance; each plugs in when its package ships)'],
    [['train', 'gan'], 'gen train: family ("gan") has no train command; families: none registered yet (planned: diffusion, gan, vae, clip-guidance; each plugs in when its package ships)'],
    [['sample', 'diffusion', '--steps', '4'], 'gen sample: family ("diffusion") has no sample command; families: none registered yet (planned: diffusion, gan, vae, clip-guidance; each plugs in when its package ships)'],
    [['bench', '--backends', 'cpu,metal'], 'gen bench: --backends ("cpu,metal") must be a comma-separated list of cpu, wasm, webgl, torch ("metal" is not one)'],
    [['bench', '--backends=cpu,cpu'], 'gen bench: --backends ("cpu,cpu") names "cpu" twice'],
    [['bench', '--quick=yes'], 'gen bench: --quick ("yes") is a flag and takes no value'],
    [['bench', '--repeats', '0'], 'gen bench: --repeats ("0") must be an integer from 1 to 1000'],
    [['bench', '--limit', '1.5'], 'gen bench: --limit ("1.5") must be an integer from 1 to 86400'],
    [['bench', '--docs', 'notes.txt'], 'gen bench: --docs ("notes.txt") must be a .md file, \'auto\' or \'none\''],
    [['bench', '--fast'], 'gen bench: --fast is not an option of gen bench; options: --backends, --quick, --repeats, --batch, --limit, --out, --docs, --config, --python, --seed, --verbose, --help'],
    [['demo', '--seed', 'abc'], 'gen demo: --seed ("abc") must be an integer from 0 to 4294967295'],
    [['demo', '--seed', '-1'], 'gen demo: --seed ("-1") must be an integer from 0 to 4294967295'],
    [['demo', '--seed'], 'gen demo: --seed needs a value: --seed <n>'],
    [['demo', '--seed', '--out', 'x'], 'gen demo: --seed needs a value: --seed <n>'],
    [['demo', '--out='], 'gen demo: --out ("") must not be empty'],
    [['demo', '--backend', 'Metal!'], 'gen demo: --backend ("Metal!") must be a backend name such as tensorflow, wasm or cpu'],
  ])('gen %j', async (argv, message) => {
    const { code, out, err } = await run(argv as string[], withoutFamilies());
    expect(err).toBe(`${message}\n`);
    expect(code).toBe(2);
    expect(out).toBe('');
  });

  test('a backend that is not registered names the registered ones', async () => {
    const { code, err } = await run(['demo', '--backend', 'webgl', '--out', '/nonexistent/never-written']);
    expect(code).toBe(2);
    expect(err.split('\n')).toHaveLength(2);
    expect(err).toMatch(/^gen demo: --backend \("webgl"\) is not registered here; registered backends: .*wasm.*cpu|^gen demo: --backend \("webgl"\) is not registered here; registered backends: /);
  });
});

describe('runtime errors exit 1', () => {
  function registryWith(run: () => Promise<number | void>): CommandRegistry {
    return defaultRegistry().registerCommand({ name: 'boom', summary: 'fails', options: {}, run });
  }

  test('a GenError prints its message only', async () => {
    const { GenError } = await import('@gen/core');
    const { code, err } = await run(['boom'], registryWith(async () => {
      throw new GenError('checkpoint ./ckpt is corrupt: config.json is not JSON');
    }));
    expect(code).toBe(1);
    expect(err).toBe('gen boom: checkpoint ./ckpt is corrupt: config.json is not JSON\n');
  });

  test('other errors print one line and point to --verbose; --verbose adds the stack', async () => {
    const registry = registryWith(async () => {
      throw new TypeError('x is not a function');
    });
    const plain = await run(['boom'], registry);
    expect(plain.code).toBe(1);
    expect(plain.err).toBe('gen boom: TypeError: x is not a function (run with --verbose for the stack trace)\n');
    const verbose = await run(['boom', '--verbose'], registry);
    expect(verbose.code).toBe(1);
    expect(verbose.err).toMatch(/^gen boom: TypeError: x is not a function\nTypeError: x is not a function\n\s+at /);
  });

  test('a command returns its own exit code', async () => {
    expect((await run(['boom'], registryWith(async () => 3))).code).toBe(3);
  });
});
