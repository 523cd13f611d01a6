import { readStreamAtMost } from '../src-common/body-limit.js';
import type { Context } from 'hono';

/** Per-request values: the request id, and the fields its one log line carries. */
export type Vars = { requestId: string; log: Record<string, string | number | null> };
export type AppContext = Context<{ Variables: Vars }>;

/** A JSON answer that no cache keeps and no browser may read across origins (no CORS, ever). */
export function answer(c: Context, status: number, body: string, extra: Record<string, string> = {}): Response {
  return c.body(body, status as 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
}

/** An error answer `{ error, error_description }` (RFC 6749 §5.2's shape), its code logged as the outcome. */
export function refuse(c: AppContext, status: number, error: string, description: string, extra: Record<string, string> = {}): Response {
  c.get('log').outcome = error;
  return answer(c, status, JSON.stringify({ error, error_description: description }), extra);
}

/**
 * The body could not be read to its end (the connection broke, or its framing was bad): nobody is
 * left to answer, and Node's parser answers a bad framing itself. The app answers it 400, never as
 * a failure of the server's own.
 */
export class UnreadableBodyError extends Error {
  override readonly name = 'UnreadableBodyError';
}

/**
 * Reads at most `max` bytes of the body; null when there is more (declared or streamed). A body
 * with a Content-Length (the parser holds it to exactly that many bytes) is read whole in one go,
 * which on Node skips the web stream the request's body otherwise goes through; one without is
 * counted as it streams in.
 */
export async function readBytesLimited(request: Request, max: number): Promise<Uint8Array | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > max) return null;
  try {
    if (declared !== null && /^\d{1,16}$/.test(declared)) return new Uint8Array(await request.arrayBuffer());
    return await readStreamAtMost(request.body, max);
  } catch {
    throw new UnreadableBodyError('The body could not be read.');
  }
}

/** The body's text as sent, a leading BOM kept (as Buffer#toString kept it). */
export function bodyText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** Reads at most `max` bytes of the body as text; null when there is more. */
export async function readLimited(request: Request, max: number): Promise<string | null> {
  const bytes = await readBytesLimited(request, max);
  return bytes === null ? null : bodyText(bytes);
}

/** The media type of a request, without parameters, lower-cased. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
