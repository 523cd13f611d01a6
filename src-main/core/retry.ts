import { isRetryable } from './errors.js';

/** How often and how long `withRetry` tries again. */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The first backoff's upper bound; each retry doubles it. */
  readonly baseMs?: number;
  /** The longest Retry-After waited for; a failure asking more ends the retries. */
  readonly maxRetryAfterSeconds?: number;
  /** Called before each wait, with the failure, the attempt that failed (0 is the first) and the wait. */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with an error not marked retryable, or the retries are
 * spent; the last failure is thrown as it is. Waits as long as the failure's Retry-After says, or
 * with exponential backoff and full jitter, so many clients failing together do not retry together.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error) || n >= policy.retries) throw error;
      const after = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (after !== undefined && after > (policy.maxRetryAfterSeconds ?? Infinity)) throw error;
      const waitMs = after !== undefined ? after * 1000 : Math.random() * (policy.baseMs ?? 250) * 2 ** n;
      policy.onRetry?.(error, n, waitMs);
      await policy.sleep(waitMs);
    }
  }
}
