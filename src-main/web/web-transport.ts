import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readEventsAtMost } from '../../src-common/body-limit.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from '../../src-common/json-depth.js';
import { IMPORT_FILE_BASE64_MAX, type Envelope, type ViewState } from '../../src-common/ipc-contract.js';
import { describeForeignError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import { RENDERER_CSP } from '../core/ui/csp.js';

/**
 * The IPC contract over loopback HTTP, for development (`npm run dev:web`, `npm run demo`) and for
 * browser tests: serves the built renderer with the web bridge injected in place of the preload,
 * `POST /api/invoke/<channel>` for calls and Server-Sent Events for state changes. Bound to
 * 127.0.0.1, checks Host and Origin, and requires the per-run session secret that only the served
 * page knows.
 */
export interface WebTransportOptions {
  readonly dispatch: (channel: string, args: unknown) => Promise<Envelope<unknown>>;
  readonly subscribe: (listener: (state: ViewState) => void) => () => void;
  readonly state: () => ViewState;
  readonly rendererDir: string;
  readonly bridgeFile: string;
  readonly port?: number;
  readonly logger: Logger;
}


/** An IPC call's JSON: its arguments are a few small fields. */
const INVOKE_MAX_BODY_BYTES = 64 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export async function startWebTransport(options: WebTransportOptions): Promise<{ url: string; close(): Promise<void> }> {
  const session = randomBytes(32).toString('base64url');
  const sessionBytes = Buffer.from(session);
  let origin = '';
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': RENDERER_CSP, 'referrer-policy': 'no-referrer' };

  const validSession = (given: string | null | undefined) => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === sessionBytes.length && timingSafeEqual(bytes, sessionBytes);
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** The request's body as text within its bound (src-common/body-limit.ts); null past it. */
  const readBody = async (req: IncomingMessage, limit = INVOKE_MAX_BODY_BYTES): Promise<string | null> => {
    const bytes = await readEventsAtMost(req, limit);
    return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  };

  const serveFile = async (res: ServerResponse, file: string, transform?: (text: string) => string) => {
    try {
      const body = await readFile(file);
      const out = transform ? Buffer.from(transform(body.toString('utf8'))) : body;
      res.writeHead(200, { ...headers, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': out.length });
      res.end(out);
    } catch {
      sendJson(res, 404, { error: 'not_found' });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.host !== origin.slice('http://'.length)) return sendJson(res, 403, { error: 'forbidden_host' });
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return sendJson(res, 403, { error: 'forbidden_origin' });
    const url = new URL(req.url ?? '/', origin);

    if (url.pathname.startsWith('/api/invoke/') && req.method === 'POST') {
      if (!validSession(req.headers['x-r42-session'] as string | undefined)) return sendJson(res, 401, { error: 'unauthorized' });
      // A dropped FIT file travels as base64 (32 MB at most); every other call is small.
      const imported = url.pathname === '/api/invoke/companion%3Aimport.file' || url.pathname === '/api/invoke/companion:import.file';
      const text = await readBody(req, imported ? IMPORT_FILE_BASE64_MAX + 1024 : INVOKE_MAX_BODY_BYTES);
      if (text === null) {
        // The rest of the body stays unread: the connection closes after the answer.
        res.setHeader('connection', 'close');
        return sendJson(res, 413, { error: 'payload_too_large' });
      }
      if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return sendJson(res, 400, { error: 'too_deep', message: tooDeepMessage(MAX_JSON_DEPTH) });
      let body: { args?: unknown };
      try {
        body = text ? (JSON.parse(text) as { args?: unknown }) : {};
      } catch {
        return sendJson(res, 400, { error: 'bad_json' });
      }
      return sendJson(res, 200, await options.dispatch(decodeURIComponent(url.pathname.slice('/api/invoke/'.length)), body.args));
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      if (!validSession(url.searchParams.get('session'))) return sendJson(res, 401, { error: 'unauthorized' });
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      const push = (state: ViewState) => res.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
      push(options.state());
      const unsubscribe = options.subscribe(push);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
      return;
    }
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'method_not_allowed' });
    if (url.pathname === '/r42-web-bridge.js') return serveFile(res, options.bridgeFile);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return serveFile(res, path.join(options.rendererDir, 'index.html'), (html) =>
        html.replace('<head>', `<head>\n    <meta name="r42-session" content="${session}">\n    <script src="/r42-web-bridge.js"></script>`),
      );
    }
    const file = path.resolve(options.rendererDir, `.${decodeURIComponent(url.pathname)}`);
    if (!file.startsWith(path.resolve(options.rendererDir) + path.sep)) return sendJson(res, 404, { error: 'not_found' });
    return serveFile(res, file);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.log('error', 'web_transport.internal_error', { path: (req.url ?? '').split('?')[0]!.slice(0, 128), ...describeForeignError(error) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  options.logger.log('info', 'web_transport.started', { url: origin });
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
