/**
 * How the agent endpoint (agent-server.ts) writes its JSON answers: every one with no-store and
 * nosniff, never a CORS header; the hot paths' answers with their headers built once.
 */
import type { ServerResponse } from 'node:http';

/** Extra answer headers: none, or the connection closed after the answer. Shared, never changed. */
export type ExtraHeaders = Readonly<Record<string, string>>;
export const NO_EXTRA: ExtraHeaders = Object.freeze({});
export const CLOSE: ExtraHeaders = Object.freeze({ connection: 'close' });

export const BASE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** The headers of a 200 JSON answer as a flat list (Node reads it as it is, never changes it). */
const jsonHead = (contentType: string, body: string): string[] => ['content-type', contentType, 'cache-control', 'no-store', 'x-content-type-options', 'nosniff', 'content-length', String(Buffer.byteLength(body))];

/**
 * A 200 JSON answer already serialized, with headers built once per answer text: nothing is
 * made per request. A string, not a Buffer: Node then writes its head and body as one string, as
 * a bare server does (a Buffer body made it convert and write two chunks).
 */
export function preparedSender(contentType: string): (res: ServerResponse, body: string) => void {
  let lastBody: string | null = null;
  let lastHead: string[] = [];
  return (res, body) => {
    if (body !== lastBody) {
      lastHead = jsonHead(contentType, body);
      lastBody = body;
    }
    res.writeHead(200, lastHead);
    res.end(body);
  };
}

export function send(res: ServerResponse, status: number, body: unknown, extra: ExtraHeaders = NO_EXTRA): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, extra: ExtraHeaders = NO_EXTRA): void {
  send(res, status, { error: { code, message } }, extra);
}
