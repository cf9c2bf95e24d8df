const marker: unique symbol = Symbol.for('@gen/core.GenError') as never;
const invalidArgumentMarker: unique symbol = Symbol.for('@gen/core.InvalidArgumentError') as never;

/**
 * Base class of every error @gen/* throws on purpose. Carries a `Symbol.for` marker so
 * `GenError.isInstance(e)` works even when two copies of @gen/core are installed
 * (where `instanceof` silently fails).
 */
export class GenError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GenError';
  }

  static isInstance(error: unknown): error is GenError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** A caller passed an argument outside what is allowed. The message names argument, value and the allowed set. */
export class InvalidArgumentError extends GenError {
  private readonly [invalidArgumentMarker] = true;
  readonly argument: string;

  constructor(argument: string, value: unknown, allowed: string) {
    super(`${argument} (${describeValue(value)}) ${allowed}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[invalidArgumentMarker] === true
    );
  }
}

/** Short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describeValue).join(', ');
    return `[${shown}${value.length > 8 ? `, … ${value.length} items` : ''}]`;
  }
  if (typeof value === 'object' && value !== null && 'shape' in value && 'dtype' in value) {
    const t = value as { shape: number[]; dtype: string };
    return `Tensor<${t.dtype}>[${t.shape.join(', ')}]`;
  }
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
