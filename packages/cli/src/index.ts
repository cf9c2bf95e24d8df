// @gen/cli: the `gen` command. The programmatic API is for embedding `gen` and for model
// families plugging in their subcommands (see docs/cli.md).
export { version } from './version';
export { main } from './main';
export type { MainOptions } from './main';
export { CommandRegistry, FAMILY_VERBS, PLANNED_FAMILIES, isFamilyVerb } from './registry';
export type { CommandContext, CommandSpec, FamilyCommands, FamilyVerb } from './registry';
export { defaultRegistry } from './commands';
export { parseOptions, integerOption, choiceOption, listOption, nonEmptyOption } from './options';
export type { OptionSpec, OptionSpecs, ParsedArgs } from './options';
export { backendOption, seedOption, outOption } from './common-options';
export { UsageError } from './usage-error';
export { ProgressBar } from './progress-bar';
export type { ProgressBarOptions } from './progress-bar';
export { processIO, memoryIO } from './output';
export type { CliIO, OutputStream } from './output';
export { setupBackend, silenceTfjsNodeBanner } from './setup-backend';
export type { SetupBackendOptions } from './setup-backend';
export { runBench, benchSize, BENCH_BACKENDS, TORCH_THREADS } from './bench/run-bench';
export type { BenchBackend, RunBenchOptions } from './bench/run-bench';
export { FULL_CONFIG, QUICK_CONFIG } from './bench/config';
export type { BenchConfig } from './bench/config';
export type { BenchReport, BackendResult, BenchRatio } from './bench/report';
export type { Measurement } from './bench/suite';
