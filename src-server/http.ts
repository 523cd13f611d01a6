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

/** Reads at most `max` bytes of the body; null when there is more. */
export async function readLimited(request: Request, max: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > max) return null;
  const bytes = await readStreamAtMost(request.body, max);
  // ignoreBOM: the body's text as sent, a leading BOM kept (as Buffer#toString kept it).
  return bytes === null ? null : new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** The media type of a request, without parameters, lower-cased. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
