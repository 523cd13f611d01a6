import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CompanionError } from '../errors.js';
import { endSocket, framingProblem, guardConnections, type ConnectionLimits } from '../http-hygiene.js';
import type { RedirectTarget } from '../config.js';
import { PAGE_SECURITY_HEADERS, renderPage, type PageKind } from './pages.js';

/** What the callback handler wants the browser to get. */
export type CallbackReply = { readonly page: PageKind; readonly failureCode?: string } | { readonly redirectTo: PageKind; readonly failureCode?: string };

export interface LoopbackListener {
  /** The exact redirect URI, port filled in when an ephemeral one was asked for. */
  readonly redirectUri: string;
  /**
   * Resolves once the browser that brought a callback fetched its result page (or `graceMs`
   * passed), then stops listening. Nobody else can end the wait early.
   */
  closeAfterResult(graceMs: number): Promise<void>;
  /** Stops listening and drops open connections at once. */
  closeNow(): Promise<void>;
}

/** The address to bind for a loopback host name: never a wildcard. @see RFC 8252 §7.3, §8.3 */
function bindAddress(host: string): string {
  if (host === '[::1]') return '::1';
  return '127.0.0.1'; // 127.0.0.1 itself, and 'localhost' pinned to IPv4 loopback
}

const RESULT_SUFFIX = '/r42-result';

/** A browser keeps a few connections open and reconnects when one is closed; nothing else should be here. */
const LISTENER_LIMITS: ConnectionLimits = { idleTimeoutMs: 10_000, maxConnections: 32 };

/**
 * Starts the one-shot HTTP listener that receives Garmin's redirect. It answers only GET requests
 * to the redirect path with the expected Host header; anything else gets a page and changes nothing.
 * A callback's result page sits behind a one-time random path given only in that callback's 303,
 * so a stray request cannot take it or make the listener close before the runner's browser has it.
 */
export async function startLoopbackListener(
  target: RedirectTarget,
  onCallback: (url: URL) => Promise<CallbackReply>,
  limits: Partial<ConnectionLimits> = {},
): Promise<LoopbackListener> {
  let resultServed: () => void = () => undefined;
  const resultSeen = new Promise<void>((resolve) => (resultServed = resolve));
  let actualPort = target.port;
  const resultPrefix = `${target.path.replace(/\/$/, '')}${RESULT_SUFFIX}/`;
  /** Result pages issued in a 303 and not fetched yet, by their one-time nonce. */
  const results = new Map<string, { readonly page: PageKind; readonly failureCode?: string }>();

  const send = (res: ServerResponse, kind: PageKind, failureCode?: string) => {
    const { status, html } = renderPage(kind, failureCode);
    res.writeHead(status, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  };

  const allowedHosts = () => {
    const hosts = [`${target.host}:${actualPort}`];
    if (actualPort === 80) hosts.push(target.host);
    return hosts;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Same HTTP hygiene as the agent endpoint: a request framed in a way we cannot trust (a body,
    // two Hosts, a foreign absolute URL, an upgrade) is answered and its connection closed.
    const problem = framingProblem(req);
    if (problem) {
      res.writeHead(problem.status, { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(problem.message);
      return;
    }
    // Defence against DNS rebinding and stray local requests: the Host must be exactly ours.
    if (!allowedHosts().includes((req.headers.host ?? '').toLowerCase())) return send(res, 'wrong_host');
    if (req.method !== 'GET') return send(res, 'not_found');
    // Appended, not resolved against a base: framingProblem made sure the target is a path.
    let url: URL;
    try {
      url = new URL(`http://${target.host}:${actualPort}${req.url ?? '/'}`);
    } catch {
      return send(res, 'not_found');
    }
    if (url.pathname.startsWith(resultPrefix)) {
      const nonce = url.pathname.slice(resultPrefix.length);
      const result = results.get(nonce);
      if (!result) return send(res, 'not_found');
      results.delete(nonce);
      res.on('finish', resultServed);
      return send(res, result.page, result.failureCode);
    }
    if (url.pathname !== target.path) return send(res, 'not_found');
    const reply = await onCallback(url);
    if ('page' in reply) return send(res, reply.page, reply.failureCode);
    // 303 to a page without the code, so it does not stay in the browser's history.
    const nonce = randomBytes(16).toString('base64url');
    results.set(nonce, { page: reply.redirectTo, ...(reply.failureCode ? { failureCode: reply.failureCode } : {}) });
    res.writeHead(303, { ...PAGE_SECURITY_HEADERS, location: `${resultPrefix}${nonce}`, 'content-length': 0 });
    res.end();
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 'failed');
      else res.destroy();
    });
  };
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 1_000 }, onRequest);
  const guard = guardConnections(server, { ...LISTENER_LIMITS, ...limits });
  // Without these Node answers `Expect: 100-continue` itself; with them it reaches the checks above.
  server.on('checkContinue', onRequest);
  server.on('checkExpectation', onRequest);
  // Node stops parsing a connection after an Upgrade or a CONNECT: answer and close it.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => endSocket(socket, '400 Bad Request'));
  server.on('connect', (_req: IncomingMessage, socket: Socket) => endSocket(socket, '405 Method Not Allowed'));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    guard.refuseUnparsable(socket, error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new CompanionError(
            'port_in_use',
            `Port ${target.port} on ${target.host} is already used by another program, so R42 Companion cannot receive Garmin's answer. ` +
              'Close that program (or a sign-in still running elsewhere), or set GARMIN_REDIRECT_URI to another port that is registered for your Garmin app.',
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(new CompanionError('port_in_use', `Port ${target.port} on ${target.host} cannot be used by this user. Pick a port above 1024 in GARMIN_REDIRECT_URI.`));
      } else {
        reject(new CompanionError('port_in_use', `Cannot listen on ${target.host}:${target.port} (${error.code ?? 'unknown error'}).`));
      }
    });
    server.listen({ host: bindAddress(target.host), port: target.port, exclusive: true }, () => resolve());
  });
  actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const closeNow = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    redirectUri: `http://${target.host}:${actualPort}${target.path}`,
    closeNow,
    async closeAfterResult(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([resultSeen, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      await closeNow();
    },
  };
}
