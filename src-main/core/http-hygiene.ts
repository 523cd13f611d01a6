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
  /** Order of last use (accepted, a request started or answered): the lowest is the idlest. */
  lastActive: number;
  /** Answers not finished yet (each emits 'close' once), and the latest request's. */
  pending: number;
  latest: ServerResponse | null;
  /** Bytes read and written as of the last sweep, and since when they have not moved. */
  io: number;
  quietSince: number;
}

/**
 * Bounds a server's connections. Node's own header timeout only starts at a connection's first
 * byte, so a local process could hold sockets open for free until the process ran out of file
 * descriptors and nobody could reach the endpoint; this closes silent connections from the start,
 * caps how many are open, and makes room for a newcomer by closing the longest-idle one, so a real
 * client still gets through while an attacker holds sockets.
 *
 * Idleness is judged by one sweep over the connections every quarter of the idle limit (at most a
 * second), not by a timer per connection: Node's socket timeouts (`server.timeout`,
 * `keepAliveTimeout`) re-armed a timer three times per request, each a new Timeout and a bound
 * function, which showed as a tenth of the endpoint's CPU per request. A connection is closed
 * once no byte has moved on it for the idle limit and no answer is pending: never sooner than
 * the limit after its last traffic, at most a limit and a half.
 */
export function guardConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const tracked = new Map<Socket, Tracked>();
  let order = 0;
  const sweepMs = Math.max(10, Math.min(1_000, Math.floor(limits.idleTimeoutMs / 4)));
  let sweeper: NodeJS.Timeout | null = null;
  // An answer being worked on (a token refresh can take a while) or still being written.
  const busy = (t: Tracked) => t.pending > 0;

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

  const sweep = () => {
    const now = Date.now();
    for (const [socket, t] of tracked) {
      const io = socket.bytesRead + socket.bytesWritten;
      // Traffic since the last sweep, or an answer pending: not idle.
      if (io !== t.io || busy(t)) {
        t.io = io;
        t.quietSince = now;
      } else if (now - t.quietSince >= limits.idleTimeoutMs) {
        tracked.delete(socket);
        socket.destroy();
      }
    }
    if (tracked.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };

  // No socket timeouts of Node's: the sweep closes what went quiet (keep-alive ones included).
  server.timeout = 0;
  server.keepAliveTimeout = 0;

  server.on('connection', (socket: Socket) => {
    if (tracked.size >= limits.maxConnections && !evictIdlest()) {
      socket.destroy();
      return;
    }
    tracked.set(socket, { lastActive: ++order, pending: 0, latest: null, io: 0, quietSince: Date.now() });
    socket.once('close', () => tracked.delete(socket));
    sweeper ??= setInterval(sweep, sweepMs).unref();
  });

  // One shared listener, not a closure per answer: this runs for every request on the hot path.
  function answered(this: ServerResponse) {
    const t = tracked.get(this.req.socket);
    if (!t) return;
    t.pending--;
    if (t.latest === this) t.latest = null;
    t.lastActive = ++order;
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = tracked.get(req.socket);
    if (!t) return;
    t.lastActive = ++order;
    t.pending++;
    t.latest = res;
    // Emitted once per answer, finished or not (a client gone mid-answer too).
    res.on('close', answered);
  });

  return {
    open: () => tracked.size,
    refuseUnparsable(socket, status) {
      // An answer written (or being written) for this request: close after it, never a second one.
      // (Node gives up on the bytes after the latest request, so it is the latest request's answer that counts.)
      if (tracked.get(socket)?.latest?.headersSent) {
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

/** The lengths of the header names readHead decides on (an index: true where a name has that length). */
const DECIDING_LENGTHS: readonly boolean[] = (() => {
  const names = ['host', 'origin', 'authorization', 'content-length', 'transfer-encoding', 'content-type', 'accept', 'mcp-protocol-version', 'x-forwarded-for', 'forwarded', 'upgrade', 'expect'];
  const lengths: boolean[] = [];
  for (const name of names) lengths[name.length] = true;
  return Array.from(lengths, (yes) => yes === true);
})();

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
    const name = raw[i]!;
    // Only names as long as one below are lower-cased and compared (user-agent, connection… are not).
    if (!DECIDING_LENGTHS[name.length]) continue;
    const value = raw[i + 1]!;
    switch (name.toLowerCase()) {
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
