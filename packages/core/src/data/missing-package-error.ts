import { GenError } from '../errors';

const marker: unique symbol = Symbol.for('@gen/core.MissingPackageError') as never;

/** An optional peer dependency (a dataset package such as `mnist`) is not installed. One line, with the install command. */
export class MissingPackageError extends GenError {
  private readonly [marker] = true;
  readonly packageName: string;

  constructor(packageName: string, neededBy: string) {
    super(`${neededBy} needs the optional package '${packageName}', which is not installed; install it with: npm i ${packageName}`);
    this.name = 'MissingPackageError';
    this.packageName = packageName;
  }

  static override isInstance(error: unknown): error is MissingPackageError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
