import { InvalidArgumentError } from '@gen/core';

const marker: unique symbol = Symbol.for('@gen/cli.UsageError') as never;

/**
 * The command line itself is wrong (unknown command or option, a bad or missing value).
 * `gen` prints its one-line message and exits with code 2; every other error exits with 1.
 * The message follows @gen/core's `argument (value) what is allowed` form with the option
 * as the argument (`--seed ("abc") must be an integer from 0 to 4294967295`); without a
 * value it reads `argument what is allowed` (`--seed needs a value: --seed <n>`).
 */
export class UsageError extends InvalidArgumentError {
  private readonly [marker] = true;

  constructor(argument: string, value: unknown, allowed: string) {
    super(argument, value, allowed);
    this.name = 'UsageError';
    if (value === undefined) this.message = `${argument} ${allowed}`;
  }

  static override isInstance(error: unknown): error is UsageError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
