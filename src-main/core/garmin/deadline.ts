/**
 * Runs `run` with a signal that aborts after `timeoutMs` or when `signal` aborts, whichever comes
 * first, and clears the timer afterwards. A plain controller and timer, not AbortSignal.any(): on
 * Node 20 a composed signal can be garbage-collected mid-request, and then the timeout silently
 * never fires.
 */
export async function withDeadline<T>(timeoutMs: number, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('Garmin did not answer in time.', 'TimeoutError')), timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
