import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How many connections a loopback server keeps, and for how long when they do nothing. */
export interface ConnectionLimits {
  /**
   * A connection with no request being answered is closed after this long without traffic: from
   * the moment it is accepted (not from its first byte), and again after each answer.
   */
  readonly idleTimeoutMs: number;
  /** Open connections at most; one more closes the longest-idle one (or itself, when all are busy). */
  readonly maxConnections: number;
}

/** What a running guard can tell. */
export interface ConnectionGuard {
  /** Connections open right now. */
  open(): number;
}

interface Tracked {
  /** When this connection last started or finished a request (or was accepted). */
  lastActive: number;
  /** Answers this server has not finished writing yet. */
  readonly pending: Set<ServerResponse>;
}

/**
 * Bounds a server's connections. Node's own header timeout only starts at a connection's first
 * byte, so a local process could hold sockets open for free until the process ran out of file
 * descriptors and nobody could reach the endpoint; this closes silent connections from the start,
 * caps how many are open, and makes room for a newcomer by closing the longest-idle one, so a real
 * client still gets through while an attacker holds sockets.
 */
export function guardConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const tracked = new Map<Socket, Tracked>();
  const busy = (t: Tracked) => [...t.pending].some((res) => !res.writableEnded);

  const evictIdlest = (): boolean => {
    let victim: Socket | null = null;
    let oldest = Infinity;
    for (const [socket, t] of tracked) {
      if (t.lastActive < oldest && !busy(t)) {
        oldest = t.lastActive;
        victim = socket;
      }
    }
    if (!victim) return false;
    tracked.delete(victim);
    victim.destroy();
    return true;
  };

  // Node arms this on every accepted socket and re-arms it between keep-alive requests.
  server.timeout = limits.idleTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;

  server.on('connection', (socket: Socket) => {
    if (tracked.size >= limits.maxConnections && !evictIdlest()) {
      socket.destroy();
      return;
    }
    tracked.set(socket, { lastActive: Date.now(), pending: new Set() });
    socket.once('close', () => tracked.delete(socket));
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = tracked.get(req.socket);
    if (!t) return;
    t.lastActive = Date.now();
    t.pending.add(res);
    res.once('close', () => {
      t.pending.delete(res);
      t.lastActive = Date.now();
      // Node waits keepAliveTimeout + 1 s after an answer; the same idle limit as everywhere else is enough.
      if (!req.socket.destroyed && t.pending.size === 0) req.socket.setTimeout(limits.idleTimeoutMs);
    });
  });

  // With a listener here Node leaves the decision to us: a request still being worked on (a token
  // refresh can take a while) keeps its connection; anything else that went quiet is closed.
  server.on('timeout', (socket: Socket) => {
    const t = tracked.get(socket);
    if (t && busy(t)) socket.setTimeout(limits.idleTimeoutMs);
    else socket.destroy();
  });

  return { open: () => tracked.size };
}

/** Why a request cannot be trusted as framed, or null. Answer it and close the connection. */
export interface FramingProblem {
  readonly status: 400 | 413 | 417;
  readonly code: 'bad_request' | 'payload_too_large' | 'expectation_failed';
  readonly message: string;
}

/** Headers that must appear at most once: a second copy could mean something else to a proxy or to us. @see RFC 9112 §3.2 */
const SINGLE = new Set(['host', 'authorization', 'content-length', 'transfer-encoding', 'origin']);

/**
 * Checks what every loopback request must satisfy before anything else looks at it: an
 * origin-form target (`/path`, no foreign absolute URL), exactly one Host, no repeated
 * single-valued header, no protocol upgrade, no body (unless `bodyAllowed`: the caller reads it
 * with a limit) and no `Expect`.
 */
export function framingProblem(req: IncomingMessage, options: { bodyAllowed?: boolean } = {}): FramingProblem | null {
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) {
    return { status: 400, code: 'bad_request', message: 'Send a path such as /v1/token, not a full URL.' };
  }
  const seen = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (SINGLE.has(name)) {
      if (seen.has(name)) return { status: 400, code: 'bad_request', message: `The ${name} header must appear once.` };
      seen.add(name);
    }
  }
  if (!seen.has('host')) return { status: 400, code: 'bad_request', message: 'A Host header is required.' };
  if (req.headers.upgrade !== undefined) return { status: 400, code: 'bad_request', message: 'Protocol upgrades are not supported.' };
  if (req.headers.expect !== undefined) return { status: 417, code: 'expectation_failed', message: 'Expect is not supported: send no request body.' };
  const length = req.headers['content-length'];
  if (options.bodyAllowed) return null;
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    return { status: 413, code: 'payload_too_large', message: 'Request bodies are not accepted here.' };
  }
  return null;
}

/** A bare HTTP answer written straight to a socket that no longer has a parser (upgrade, CONNECT, parse errors), then closed. */
export function endSocket(socket: Socket, status: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  // A peer that never reads must not keep the socket half-open.
  socket.setTimeout(1_000, () => socket.destroy());
}
