/**
 * Stable error codes. Agents, the CLI and the UI switch on these; never rename one.
 * The message is for a runner: what happened and what to do next. It never holds a secret.
 */
import { ERROR_CODES, type ErrorCode } from '../../src-common/error-codes.js';

// The codes, and what each surface does with them, are declared once in src-common/error-codes.ts.
export { ERROR_CODES, type ErrorCode };

/** An error a runner or an agent can act on: a stable code and plain words. */
export class CompanionError extends Error {
  override readonly name = 'CompanionError';
  readonly code: ErrorCode;
  /**
   * Set where the failure is created: the same request may well succeed if made again soon (a
   * 5xx, a timeout, a 429). Retry helpers read this, never the message.
   */
  readonly retryable: boolean;
  /** How long the other side asked us to wait first (a 429's Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options?.retryable === true;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** The plain-data form that crosses IPC and HTTP. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * True when `error` is a CompanionError, optionally with the given code. Checked by shape, not
 * only by class: a bundle or a test loader can hold two copies of this module.
 */
export function isCompanionError(error: unknown, code?: ErrorCode): error is CompanionError {
  const shaped =
    error instanceof CompanionError ||
    (error instanceof Error && error.name === 'CompanionError' && (ERROR_CODES as readonly unknown[]).includes((error as { code?: unknown }).code));
  return shaped && (code === undefined || (error as CompanionError).code === code);
}

/** True when `error` is a CompanionError marked retryable where it was created. */
export function isRetryable(error: unknown): boolean {
  return isCompanionError(error) && error.retryable === true;
}

/**
 * The name and code of an unexpected error, for logs. Messages of foreign errors are left out:
 * a library may echo a request body or URL, and those can hold secrets.
 */
export function describeForeignError(error: unknown): { name: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { name: error.name, code } : { name: error.name };
  }
  return { name: typeof error };
}
