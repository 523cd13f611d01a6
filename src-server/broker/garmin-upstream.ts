/** What Garmin's token endpoint answered: its status and JSON body, passed on unchanged. */
export interface UpstreamAnswer {
  readonly status: number;
  /** The JSON text as Garmin sent it; null when there is nothing to pass on (504 from waiting). */
  readonly body: string | null;
  readonly retryAfter: string | null;
}

/** Garmin could not be reached, did not answer in time, or answered something that is not JSON. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly kind: 'timeout' | 'network' | 'not_json',
    readonly upstreamStatus: number | null = null,
  ) {
    super(kind === 'timeout' ? 'Garmin did not answer in time.' : kind === 'network' ? 'Garmin could not be reached.' : 'Garmin answered something that is not JSON.');
  }
}

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs a form to Garmin's token endpoint with a deadline. The form holds the client secret: it
 * is never logged, and neither is the answer.
 * @see RFC 6749 §2.3.1 (client_secret_post)
 */
export async function postToGarmin(fetchImpl: typeof fetch, tokenUrl: URL, form: URLSearchParams, timeoutMs: number): Promise<UpstreamAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetchImpl(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
        body: form.toString(),
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch {
      throw new UpstreamError(controller.signal.aborted ? 'timeout' : 'network');
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new UpstreamError(controller.signal.aborted ? 'timeout' : 'network', response.status);
    }
    if (text.length > MAX_ANSWER_BYTES) throw new UpstreamError('not_json', response.status);
    try {
      JSON.parse(text);
    } catch {
      throw new UpstreamError('not_json', response.status);
    }
    return { status: response.status, body: text, retryAfter: response.headers.get('retry-after') };
  } finally {
    clearTimeout(timer);
  }
}
