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
  /**
   * Answers a request Node's parser gave up on (the server's `clientError`) with a bare `status`
   * and closes the connection, unless that request already has its answer: a body with a bad
   * `Transfer-Encoding` is found only after the handler refused the request (413), and a second
   * answer on the same connection would be taken for the answer to a next request. One answer per
   * request, then close.
   */
  refuseUnparsable(socket: Socket, status: string): void;
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

  // One shared listener, not a closure per answer: this runs for every request on the hot path.
  function answered(this: ServerResponse) {
    const socket = this.req?.socket;
    const t = socket ? tracked.get(socket) : undefined;
    if (!socket || !t) return;
    t.pending.delete(this);
    t.lastActive = Date.now();
    // Node waits keepAliveTimeout + 1 s after an answer; the same idle limit as everywhere else is enough.
    if (!socket.destroyed && t.pending.size === 0) socket.setTimeout(limits.idleTimeoutMs);
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = tracked.get(req.socket);
    if (!t) return;
    t.lastActive = Date.now();
    t.pending.add(res);
    res.once('close', answered);
  });

  // With a listener here Node leaves the decision to us: a request still being worked on (a token
  // refresh can take a while) keeps its connection; anything else that went quiet is closed.
  server.on('timeout', (socket: Socket) => {
    const t = tracked.get(socket);
    if (t && busy(t)) socket.setTimeout(limits.idleTimeoutMs);
    else socket.destroy();
  });

  return {
    open: () => tracked.size,
    refuseUnparsable(socket, status) {
      const t = tracked.get(socket);
      // An answer written (or being written) for this request: close after it, never a second one.
      if (t && [...t.pending].some((res) => res.headersSent)) {
        closeSocket(socket);
        return;
      }
      endSocket(socket, status);
    },
  };
}

/** Ends a connection after what is already queued on it, and destroys it if the peer never reads. */
function closeSocket(socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end();
  socket.setTimeout(1_000, () => socket.destroy());
}

/** Why a request cannot be trusted as framed, or null. Answer it and close the connection. */
export interface FramingProblem {
  readonly status: 400 | 413 | 417;
  readonly code: 'bad_request' | 'payload_too_large' | 'expectation_failed';
  readonly message: string;
}

/** The headers a loopback server decides on, read in one pass over the raw list (Node's `req.headers` object is never built). */
export interface RequestHead {
  /** Why the request cannot be trusted as framed, or null. Answer it and close the connection. */
  readonly problem: FramingProblem | null;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly authorization: string | undefined;
  /** X-Forwarded-For or Forwarded was sent: the request came through a proxy. */
  readonly proxied: boolean;
  readonly contentLength: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly mcpProtocolVersion: string | undefined;
}

const BAD_TARGET: FramingProblem = { status: 400, code: 'bad_request', message: 'Send a path such as /v1/token, not a full URL.' };
const NO_HOST: FramingProblem = { status: 400, code: 'bad_request', message: 'A Host header is required.' };
const UPGRADE: FramingProblem = { status: 400, code: 'bad_request', message: 'Protocol upgrades are not supported.' };
const EXPECT: FramingProblem = { status: 417, code: 'expectation_failed', message: 'Expect is not supported: send no request body.' };
const BODY: FramingProblem = { status: 413, code: 'payload_too_large', message: 'Request bodies are not accepted here.' };
const twice = (name: string): FramingProblem => ({ status: 400, code: 'bad_request', message: `The ${name} header must appear once.` });

/**
 * Checks what every loopback request must satisfy before anything else looks at it: an
 * origin-form target (`/path`, no foreign absolute URL), exactly one Host, no repeated
 * single-valued header, no protocol upgrade, no body (unless `bodyAllowed`: the caller reads it
 * with a limit) and no `Expect`; and returns the headers the caller decides on. One pass over
 * `rawHeaders`: this runs for every request of the agent endpoint's hot path.
 */
export function readHead(req: IncomingMessage, options: { bodyAllowed?: boolean } = {}): RequestHead {
  let host: string | undefined;
  let origin: string | undefined;
  let authorization: string | undefined;
  let contentLength: string | undefined;
  let transferEncoding = false;
  let contentType: string | undefined;
  let accept: string | undefined;
  let mcpProtocolVersion: string | undefined;
  let proxied = false;
  let upgrade = false;
  let expect = false;
  let problem: FramingProblem | null = null;
  const raw = req.rawHeaders;
  // Host, Authorization, Content-Length, Transfer-Encoding and Origin must appear at most once: a
  // second copy could mean something else to a proxy or to us. @see RFC 9112 §3.2
  for (let i = 0; i < raw.length; i += 2) {
    const value = raw[i + 1]!;
    switch (raw[i]!.toLowerCase()) {
      case 'host':
        if (host !== undefined) problem ??= twice('host');
        host = value;
        break;
      case 'origin':
        if (origin !== undefined) problem ??= twice('origin');
        origin = value;
        break;
      case 'authorization':
        if (authorization !== undefined) problem ??= twice('authorization');
        authorization = value;
        break;
      case 'content-length':
        if (contentLength !== undefined) problem ??= twice('content-length');
        contentLength = value;
        break;
      case 'transfer-encoding':
        if (transferEncoding) problem ??= twice('transfer-encoding');
        transferEncoding = true;
        break;
      case 'content-type':
        contentType ??= value;
        break;
      case 'accept':
        accept = accept === undefined ? value : `${accept}, ${value}`;
        break;
      case 'mcp-protocol-version':
        mcpProtocolVersion ??= value;
        break;
      case 'x-forwarded-for':
      case 'forwarded':
        proxied = true;
        break;
      case 'upgrade':
        upgrade = true;
        break;
      case 'expect':
        expect = true;
        break;
    }
  }
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) problem = BAD_TARGET;
  else if (problem) {
    // a repeated header, found above
  } else if (host === undefined) problem = NO_HOST;
  else if (upgrade) problem = UPGRADE;
  else if (expect) problem = EXPECT;
  else if (!options.bodyAllowed && (transferEncoding || (contentLength !== undefined && contentLength !== '0'))) problem = BODY;
  return { problem, host, origin, authorization, proxied, contentLength, contentType, accept, mcpProtocolVersion };
}

/** Why a request cannot be trusted as framed, or null: `readHead`'s verdict alone. */
export function framingProblem(req: IncomingMessage, options: { bodyAllowed?: boolean } = {}): FramingProblem | null {
  return readHead(req, options).problem;
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
