import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readEventsAtMost, readEventsThen } from '../../../src-common/body-limit.js';
import type { TokenPayload } from '../../../src-common/contract.js';
import { parseQuery, searchParamsInput, tokenQuery } from '../../../src-common/data-query.js';
import { ERROR_SURFACES } from '../../../src-common/error-codes.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from '../../../src-common/json-depth.js';
import { MAX_MIN_VALID_SECONDS } from '../../../src-common/limits.js';
import { describeForeignError, isCompanionError } from '../errors.js';
import { readHead, type ConnectionLimits, type RequestHead } from '../http-hygiene.js';
import type { Logger } from '../ports.js';
import type { McpHttpInput } from '../mcp/mcp-server.js';
import { BASE_HEADERS, CLOSE, NO_EXTRA, preparedSender, send, sendError, type ExtraHeaders } from './agent-answers.js';
import { closeServer, guardedServer, listenOnLoopback, listenOnSocket, type GuardedServer } from './agent-listener.js';
import { connectionGrants } from './bearer-grants.js';
import { PROOF_TARGET } from './endpoint-proof.js';
import type { AuthenticatedGrant } from './grants.js';

/** What the endpoint hands an agent for `GET /v1/token`: the shared contract's shape. */
export type { TokenPayload };

/** The part of the companion the endpoint needs. */
export interface AgentBackend {
  authenticate(secret: string): AuthenticatedGrant | null;
  /** Whether a grant `authenticate` gave is still active (not revoked, its process alive): asked for a connection's next request with the same secret. */
  stillActive?(grant: AuthenticatedGrant): boolean;
  issueToken(grant: AuthenticatedGrant, minValidSeconds: number | undefined): Promise<TokenPayload>;
  /**
   * `GET /v1/token` from memory: the answer's JSON, counted as a hand-out, or null when
   * `issueToken` must decide (a refresh is due, an error). The same string while the answer is
   * the same (its headers are then built once).
   */
  preparedToken?(grant: AuthenticatedGrant, minValidSeconds: number | undefined): string | null;
  status(): unknown;
  recordRefusal(reason: string, detail: { grant?: string; path?: string }): void;
  /** `GET /v1/proof`: the endpoint's HMAC for the grant a client named by its key id, or null for none (see endpoint-proof.ts). */
  proveEndpoint?(keyId: string, nonce: string, port: number): string | null;
  /** Extra read-only GET routes (training data, later), answered for an authenticated grant. */
  route?(grant: AuthenticatedGrant, url: URL): Promise<unknown> | null;
  /** Whether a POST to this path carries a JSON body the endpoint should read (a workout proposal). */
  acceptsPost?(path: string): boolean;
  /** A POST's parsed JSON body for an authenticated grant: the answer, or null (404). */
  post?(grant: AuthenticatedGrant, url: URL, body: unknown): Promise<unknown> | null;
  /** `POST /mcp`: one MCP Streamable HTTP request of an authenticated grant, its body already read within the limit. */
  mcp?(grant: AuthenticatedGrant, request: Request): Promise<Response>;
  /** `POST /mcp` without building a Request: a 200 JSON answer's text for the common calls, or null (then `mcp` answers). */
  mcpDirect?(grant: AuthenticatedGrant, input: McpHttpInput): string | null | Promise<string | null>;
}

/** The most a `POST /mcp` body may hold; a tool call is a few hundred bytes. */
export const MCP_MAX_BODY_BYTES = 1024 * 1024;
/** The most any other POST body may hold (a workout of 100 steps is about 15 KB). */
export const API_MAX_BODY_BYTES = 64 * 1024;

export interface AgentServer {
  readonly url: string;
  readonly port: number;
  /** The Unix socket (a named pipe on Windows) the endpoint also answers on, or null. */
  readonly socketPath: string | null;
  /** Connections open right now (never more than `maxConnections`). */
  openConnections(): number;
  close(): Promise<void>;
}

/** Timeouts and caps of the endpoint's HTTP; tests shorten them. */
export interface AgentHttpLimits extends ConnectionLimits {
  /** A client must have sent all its headers this long after its first byte. */
  readonly headersTimeoutMs: number;
}

export const DEFAULT_AGENT_HTTP_LIMITS: AgentHttpLimits = { idleTimeoutMs: 5_000, headersTimeoutMs: 5_000, maxConnections: 128 };

export { MAX_MIN_VALID_SECONDS };

const LIMITS = {
  urlBytes: 2048,
  headerBytes: 8 * 1024,
} as const;


/** `/v1/token` as agents send it, answered without parsing a URL; anything else goes to tokenQuery (src-common/data-query.ts). */
export const TOKEN_TARGET = /^\/v1\/token(?:\?min_valid=(\d{1,6}))?$/;
/** What TOKEN_TARGET gives for `/v1/token` itself, without running it. */
const PLAIN_TOKEN: readonly (string | undefined)[] = ['/v1/token', undefined];

const UNAUTHORIZED = 'Send Authorization: Bearer <secret> with a secret from agent.json or `r42-companion agents add`.';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'te', 'trailer', 'upgrade']);

/** A body read by src-common/body-limit.ts as a Buffer, without a copy. */
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The request's body within `limit`, as a Buffer; null past it. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const bytes = await readEventsAtMost(req, limit);
  return bytes === null ? null : asBuffer(bytes);
}

/**
 * The local agent endpoint: HTTP on 127.0.0.1 only. Refuses browsers (any Origin), DNS rebinding
 * (a Host that is not our loopback address and port), proxies (X-Forwarded-For), oversized or slow
 * requests, and anyone without a grant's secret. Never sends CORS headers.
 */
export async function startAgentServer(
  backend: AgentBackend,
  options: {
    port: number;
    logger: Logger;
    limits?: Partial<AgentHttpLimits>;
    /**
     * Also answer on this Unix socket (a `\\.\pipe\…` name on Windows): a way in that no other
     * user can squat, for clients that support it. Its folder must be the owner's alone (a stale
     * socket file there is replaced).
     */
    socketPath?: string | null;
  },
): Promise<AgentServer> {
  const limits = { ...DEFAULT_AGENT_HTTP_LIMITS, ...options.limits };
  const sendToken = preparedSender(BASE_HEADERS['content-type']);
  const sendMcp = preparedSender('application/json');
  let port = options.port;
  let tcpHosts = new Set<string>();
  let socketHosts = new Set<string>();

  const refuse = (res: ServerResponse, status: number, code: string, message: string, path: string, extra: ExtraHeaders = NO_EXTRA) => {
    backend.recordRefusal(code, { path });
    sendError(res, status, code, message, status === 401 ? { 'www-authenticate': 'Bearer realm="r42-companion"', ...extra } : extra);
  };

  /**
   * Everything up to the route, synchronously: the token hot path is answered here without a
   * promise; anything that must wait (a refresh, MCP, data) goes on in `handleAsync`.
   */
  const handle = (req: IncomingMessage, res: ServerResponse, allowedHosts: Set<string>): void | Promise<void> => {
    const rawUrl = req.url ?? '/';
    const query = rawUrl.indexOf('?');
    const path = (query < 0 ? rawUrl : rawUrl.slice(0, query)).slice(0, 128);
    // The one route with a body: MCP's Streamable HTTP. It is read (within a limit) only once the
    // grant is known; until then any refusal closes the connection, so the unread body cannot be
    // taken for a next request.
    const mcpPost = req.method === 'POST' && path === '/mcp';
    // The other routes with a body (a workout proposal): read the same way, within their own limit.
    const apiPost = req.method === 'POST' && !mcpPost && backend.acceptsPost?.(path) === true;
    const withBody = mcpPost || apiPost;
    const bodyLimit = mcpPost ? MCP_MAX_BODY_BYTES : API_MAX_BODY_BYTES;
    const close = withBody ? CLOSE : NO_EXTRA;
    // A request whose framing is in doubt (a body, an upgrade, two Hosts, a foreign URL) is answered
    // and its connection closed: whatever follows on it cannot be trusted to be a request.
    const head = readHead(req, { bodyAllowed: withBody });
    if (head.problem) return refuse(res, head.problem.status, head.problem.code, head.problem.message, path, { connection: 'close' });
    if (rawUrl.length > LIMITS.urlBytes) return refuse(res, 414, 'uri_too_long', 'The request URL is too long.', path, close);
    // Browsers always send Origin on cross-origin requests; agents never need it.
    if (head.origin !== undefined) return refuse(res, 403, 'forbidden_origin', 'Requests from web pages are not accepted.', path, close);
    if (!allowedHosts.has(head.host!) && !allowedHosts.has(head.host!.toLowerCase())) {
      return refuse(res, 403, 'forbidden_host', `Use http://127.0.0.1:${port}/ exactly.`, path, close);
    }
    if (head.proxied) return refuse(res, 403, 'forbidden_forwarded', 'Proxied requests are not accepted.', path, close);
    if (path === '/mcp' && !mcpPost) return refuse(res, 405, 'method_not_allowed', 'MCP here is stateless Streamable HTTP: POST only.', path, { allow: 'POST' });
    if (req.method !== 'GET' && !withBody) return refuse(res, 405, 'method_not_allowed', 'Only GET is supported (and POST for /mcp and /v1/workouts).', path);
    if (withBody && Number(head.contentLength ?? 0) > bodyLimit) {
      return refuse(res, 413, 'payload_too_large', `A request body here may hold at most ${bodyLimit} bytes.`, path, close);
    }

    // The hot path: the plain token request, answered from memory when the token needs no refresh.
    const tokenTarget = withBody ? null : rawUrl === '/v1/token' ? PLAIN_TOKEN : TOKEN_TARGET.exec(rawUrl);
    if (tokenTarget) {
      const grant = authenticated(head, req.socket);
      if (!grant) return refuse(res, 401, 'unauthorized', UNAUTHORIZED, path);
      const minValid = tokenTarget[1] === undefined ? undefined : Number(tokenTarget[1]);
      if (minValid !== undefined && minValid > MAX_MIN_VALID_SECONDS) {
        return sendError(res, 400, 'bad_request', `min_valid must be a whole number of seconds from 0 to ${MAX_MIN_VALID_SECONDS}.`);
      }
      const prepared = backend.preparedToken?.(grant, minValid);
      if (prepared) return sendToken(res, prepared);
      return answer(res, path, () => backend.issueToken(grant, minValid)).then(() => undefined);
    }
    if (apiPost) return handlePost(req, res, rawUrl, path, close, head);
    if (mcpPost) return handleMcp(req, res, rawUrl, path, close, head);
    return handleAsync(req, res, rawUrl, path, close, head);
  };

  const targetUrl = (rawUrl: string): URL | null => {
    try {
      return new URL(`http://127.0.0.1:${port}${rawUrl}`);
    } catch {
      return null;
    }
  };

  /**
   * `POST /mcp`: the common calls answered directly (no URL, no Request built), the rest by the
   * SDK's transport. The body is read by its events and answered in its 'end' event: a kept answer
   * is written without a promise; whatever fails on the way goes to `failed`, as a rejected promise
   * of `handle` would.
   */
  const handleMcp = (req: IncomingMessage, res: ServerResponse, rawUrl: string, path: string, close: ExtraHeaders, head: RequestHead): void => {
    const grant = authenticated(head, req.socket);
    if (!grant) return refuse(res, 401, 'unauthorized', UNAUTHORIZED, path, close);
    if (!backend.mcp) return refuse(res, 404, 'not_found', 'MCP is not served here.', path, close);
    readEventsThen(
      req,
      MCP_MAX_BODY_BYTES,
      (bytes) => {
        let pending: void | Promise<void>;
        try {
          pending = answerMcp(req, res, rawUrl, path, head, grant, bytes);
        } catch (error) {
          return failed(req, res, error);
        }
        pending?.catch((error: unknown) => failed(req, res, error));
      },
      (error) => failed(req, res, error),
    );
  };

  /** `POST /mcp` once its body is read (null: past the limit). */
  const answerMcp = (req: IncomingMessage, res: ServerResponse, rawUrl: string, path: string, head: RequestHead, grant: AuthenticatedGrant, bytes: Uint8Array | null): void | Promise<void> => {
    if (bytes === null) return refuse(res, 413, 'payload_too_large', `An MCP request body may hold at most ${MCP_MAX_BODY_BYTES} bytes.`, path, { connection: 'close' });
    const body = asBuffer(bytes);
    // Before anything walks it (the SDK's schemas, the kept answers' key): one scan of the bytes.
    if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) return refuse(res, 400, 'bad_request', tooDeepMessage(MAX_JSON_DEPTH), path);
    // A kept answer comes back as a string, written without waiting a turn.
    const pending = backend.mcpDirect?.(grant, { accept: head.accept, contentType: head.contentType, protocolVersion: head.mcpProtocolVersion, body });
    if (typeof pending === 'string') return sendMcp(res, pending);
    if (pending === undefined || pending === null) return answerMcpBySdk(req, res, rawUrl, path, grant, body, null);
    return pending.then((direct) => answerMcpBySdk(req, res, rawUrl, path, grant, body, direct));
  };

  /** `POST /mcp` answered by the SDK's transport, unless the direct answer came after all. */
  const answerMcpBySdk = async (req: IncomingMessage, res: ServerResponse, rawUrl: string, path: string, grant: AuthenticatedGrant, body: Buffer, direct: string | null): Promise<void> => {
    if (direct) return sendMcp(res, direct);
    if (!backend.mcp) return refuse(res, 404, 'not_found', 'MCP is not served here.', path, { connection: 'close' });
    const url = targetUrl(rawUrl);
    if (!url) return refuse(res, 400, 'bad_request', 'The request URL cannot be read.', path, { connection: 'close' });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      // Hop-by-hop framing stays here: the body is already read in full.
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const answer = await backend.mcp(grant, new Request(url, { method: 'POST', headers, body }));
    const text = await answer.text();
    const extra: Record<string, string> = {};
    answer.headers.forEach((value, name) => (extra[name] = value));
    res.writeHead(answer.status, { ...extra, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** A POST with a JSON body other than MCP's (a workout proposal): read once the grant is known, within its limit, checked for depth before it is parsed. */
  const handlePost = async (req: IncomingMessage, res: ServerResponse, rawUrl: string, path: string, close: ExtraHeaders, head: RequestHead) => {
    const grant = authenticated(head, req.socket);
    if (!grant) return refuse(res, 401, 'unauthorized', UNAUTHORIZED, path, close);
    const url = targetUrl(rawUrl);
    if (!url) return refuse(res, 400, 'bad_request', 'The request URL cannot be read.', path, { connection: 'close' });
    const body = await readBody(req, API_MAX_BODY_BYTES);
    if (body === null) return refuse(res, 413, 'payload_too_large', `A request body here may hold at most ${API_MAX_BODY_BYTES} bytes.`, path, { connection: 'close' });
    if (!/^application\/json\s*(;|$)/i.test(head.contentType ?? '')) return sendError(res, 415, 'bad_request', 'Send the body as JSON, with Content-Type: application/json.');
    if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) return refuse(res, 400, 'bad_request', tooDeepMessage(MAX_JSON_DEPTH), path);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, 400, 'bad_request', 'The body is not JSON.');
    }
    // An agent asking for what only the runner may do is counted in the audit log, like any refusal.
    const counted = (error: unknown) => {
      if (isCompanionError(error, 'runner_only')) backend.recordRefusal('runner_only', { grant: grant.name, path });
      throw error;
    };
    if (
      await answer(res, path, async () => {
        try {
          return await (backend.post?.(grant, url, json) ?? null);
        } catch (error) {
          return counted(error);
        }
      })
    )
      return;
    return sendError(res, 404, 'not_found', 'No such endpoint.');
  };

  const handleAsync = async (req: IncomingMessage, res: ServerResponse, rawUrl: string, path: string, close: ExtraHeaders, head: RequestHead) => {
    // Appended, not resolved against a base: the target is a path (readHead checked), never an authority.
    const url = targetUrl(rawUrl);
    if (!url) return refuse(res, 400, 'bad_request', 'The request URL cannot be read.', path, { connection: 'close' });
    if (url.pathname === '/v1/health') return send(res, 200, { ok: true, service: 'r42-companion' });
    if (url.pathname === '/v1/proof') return prove(res, rawUrl, path);

    const grant = authenticated(head, req.socket);
    if (!grant) return refuse(res, 401, 'unauthorized', UNAUTHORIZED, path, close);

    if (url.pathname === '/v1/token') {
      // Anything the hot path's regex did not take (a second parameter, percent-encoding…): the shared schema decides.
      const input = searchParamsInput(url.searchParams, ['min_valid']);
      const query = input.ok ? parseQuery(tokenQuery, input.value) : input;
      if (!query.ok) return sendError(res, 400, 'bad_request', query.message);
      const minValid = query.value.min_valid;
      await answer(res, path, () => backend.issueToken(grant, minValid));
      return;
    }
    if (url.pathname === '/v1/status') {
      await answer(res, path, () => backend.status());
      return;
    }
    if (await answer(res, path, () => backend.route?.(grant, url) ?? null)) return;
    return sendError(res, 404, 'not_found', 'No such endpoint. See /v1/token, /v1/status, /v1/health.');
  };

  /** The endpoint proves itself to a TCP client before it sends its secret (see endpoint-proof.ts); nothing secret is read here. */
  const prove = (res: ServerResponse, rawUrl: string, path: string) => {
    const target = PROOF_TARGET.exec(rawUrl);
    if (!target) return sendError(res, 400, 'bad_request', 'Send /v1/proof?grant=<key id>&nonce=<22–86 base64url characters>.');
    const proof = backend.proveEndpoint?.(target[1]!, target[2]!, port) ?? null;
    if (proof === null) return refuse(res, 401, 'unauthorized', 'No grant has that key id.', path);
    send(res, 200, { proof });
  };

  /** The grant of a request's bearer secret, kept with its connection (bearer-grants.ts). */
  const authenticated = connectionGrants(backend);

  /** Sends what `compute` gives, or the error's code and status; false when it gave null (not this route: nothing sent). */
  const answer = async (res: ServerResponse, path: string, compute: () => unknown): Promise<boolean> => {
    try {
      const value = await compute();
      if (value === null) return false;
      send(res, 200, value);
    } catch (error) {
      if (isCompanionError(error)) {
        const status = ERROR_SURFACES[error.code].http;
        sendError(res, status, error.code, error.message);
      } else {
        options.logger.log('error', 'agent.internal_error', { path, ...describeForeignError(error) });
        sendError(res, 500, 'internal_error', 'Something went wrong inside R42 Companion. See its log.');
      }
    }
    return true;
  };

  /** Whatever escaped the handler: logged (its name and code, never its message), then a 500 if nothing was sent yet. */
  const failed = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    options.logger.log('error', 'agent.internal_error', { path: (req.url ?? '').split('?')[0]!.slice(0, 128), ...describeForeignError(error) });
    if (!res.headersSent) sendError(res, 500, 'internal_error', 'Something went wrong inside R42 Companion. See its log.');
    else res.destroy();
  };
  /** One HTTP server with every rule above; the endpoint runs one on 127.0.0.1 and one on its socket. */
  const httpServer = (hosts: () => Set<string>): GuardedServer =>
    guardedServer(
      (req, res) => {
        let pending: void | Promise<void>;
        try {
          pending = handle(req, res, hosts());
        } catch (error) {
          return failed(req, res, error);
        }
        pending?.catch((error: unknown) => failed(req, res, error));
      },
      { ...limits, headerBytes: LIMITS.headerBytes },
      (reason, detail) => backend.recordRefusal(reason, detail),
    );

  const tcp = httpServer(() => tcpHosts);
  await listenOnLoopback(tcp.server, port);
  port = (tcp.server.address() as AddressInfo).port;
  tcpHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  // Over the socket no web page can reach us (browsers cannot), so Host is only sanity: what HTTP
  // clients send for a socket (curl: `localhost`) or for the TCP address.
  socketHosts = new Set(['localhost', ...tcpHosts]);

  const socketPath = options.socketPath ?? null;
  let local = socketPath === null ? null : httpServer(() => socketHosts);
  if (local && socketPath) {
    try {
      await listenOnSocket(local.server, socketPath);
    } catch (error) {
      // Agents still have TCP, where the endpoint proves itself before they send a secret.
      options.logger.log('warn', 'agent.socket_unavailable', { code: (error as NodeJS.ErrnoException).code ?? 'unknown' });
      local = null;
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    socketPath: local ? socketPath : null,
    openConnections: () => tcp.guard.open() + (local?.guard.open() ?? 0),
    close: async () => {
      await Promise.all([closeServer(tcp.server), local ? closeServer(local.server) : undefined]);
    },
  };
}
