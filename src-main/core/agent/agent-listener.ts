/**
 * How the agent endpoint listens (agent-server.ts holds what it answers): a node:http server with
 * the connection guard and strict timeouts, one that answers `Expect: 100-continue`, an Upgrade or
 * a CONNECT itself, and a request it cannot parse, with a status and a closed connection; on
 * 127.0.0.1, and on a Unix socket (a named pipe on Windows) in the owner-only data folder.
 */
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CompanionError } from '../errors.js';
import { endSocket, guardConnections, type ConnectionGuard, type ConnectionLimits } from '../http-hygiene.js';

export interface GuardedServer {
  readonly server: Server;
  readonly guard: ConnectionGuard;
}

/** The endpoint's HTTP server around `onRequest`: every request, a 100-continue too, reaches it; nothing else is answered by Node alone. */
export function guardedServer(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ConnectionLimits & { readonly headersTimeoutMs: number; readonly headerBytes: number },
  recordRefusal: (reason: string, detail: Record<string, string>) => void,
): GuardedServer {
  const server = createServer(
    {
      maxHeaderSize: limits.headerBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs * 2,
      // Check for slow clients at least every second, not every 30 s (Node's default).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    onRequest,
  );
  const guard = guardConnections(server, limits);
  // Without these Node answers `Expect: 100-continue` itself, before any check has run.
  server.on('checkContinue', onRequest);
  server.on('checkExpectation', onRequest);
  // Node stops parsing a connection after an Upgrade or a CONNECT: answer and close, or the rest of a pipeline hangs.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    recordRefusal('bad_request', { path: (req.url ?? '').split('?')[0]!.slice(0, 128) });
    endSocket(socket, '400 Bad Request');
  });
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    recordRefusal('method_not_allowed', { path: 'CONNECT' });
    endSocket(socket, '405 Method Not Allowed');
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', 'headers_too_large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'request_timeout']
          : ['400 Bad Request', 'bad_request'];
    // A peer that connected and left without a byte (or reset) is not worth an audit count.
    if (error.code !== 'ECONNRESET' && socket.bytesRead > 0) recordRefusal(reason, {});
    guard.refuseUnparsable(socket, status);
  });
  return { server, guard };
}

/** Listens on 127.0.0.1:`port` (0: any free port), exclusively; a port taken is `port_in_use` in words. */
export async function listenOnLoopback(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CompanionError('port_in_use', `Port ${port} on 127.0.0.1 is already used by another program. Set R42_AGENT_PORT to another port, or leave it unset for a free one.`)
          : new CompanionError('port_in_use', `Cannot listen on 127.0.0.1:${port} (${error.code ?? 'unknown error'}).`),
      ),
    );
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
  });
}

/** Stops listening and ends every connection, idle or not. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Listens on a Unix socket (or a Windows named pipe). A socket file left by a crashed endpoint is
 * removed first: the caller holds the data folder's serve lock, so no live endpoint owns it, and
 * the folder is the owner's alone, so no one else can have put it there. Anything that is not a
 * socket is left alone (and the listen fails). The socket itself is owner-only (0600).
 */
export async function listenOnSocket(server: Server, socketPath: string): Promise<void> {
  const pipe = socketPath.startsWith('\\\\.\\pipe\\');
  if (!pipe) {
    try {
      if (lstatSync(socketPath).isSocket()) rmSync(socketPath, { force: true });
    } catch {
      // Nothing there.
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: socketPath, exclusive: true, readableAll: false, writableAll: false }, () => resolve());
  });
  if (!pipe) chmodSync(socketPath, 0o600);
}
