/**
 * The agent's side: get a valid Garmin access token from a running R42 Companion.
 *
 *   import { getGarminAccessToken } from 'r42-companion/client';
 *   const { accessToken } = await getGarminAccessToken({ minValidSeconds: 900 });
 *
 * The endpoint is found from R42_AGENT_URL and R42_AGENT_TOKEN (set by `r42-companion run --`, or
 * by hand with a secret from `r42-companion agents add`), with R42_AGENT_SOCKET when given, else
 * from agent.json in R42_HOME (or the OS app-data folder), which belongs to the runner's own user.
 *
 * The secret goes only where it cannot be captured by someone else: over the endpoint's Unix
 * socket (a named pipe on Windows) when there is one, which lives in the owner-only data folder;
 * over TCP only after the endpoint proved, on that same connection, that it holds the grant's key
 * (see core/agent/endpoint-proof.ts). A process that took the port after R42 Companion stopped
 * never sees the secret.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { errorAnswer, tokenPayload } from '../../src-common/contract.js';
import { defaultHome } from '../core/config.js';
import { grantKey, grantKeyId, isEndpointProof } from '../core/agent/endpoint-proof.js';

export interface GarminAccessToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresAt: Date;
  readonly garminUserId: string;
  readonly scope: string | null;
}

/** A refusal from R42 Companion, with its stable code (`not_connected`, `reauth_required`, …), or `endpoint_unverified` when what answered could not prove it is R42 Companion. */
export class CompanionClientError extends Error {
  override readonly name = 'CompanionClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

// The endpoint's answers as src-common/contract.ts declares them, read leniently: a newer
// R42 Companion may add fields this client does not know.
const tokenResponse = z.object(tokenPayload.shape);
const errorResponse = z.object({ error: z.object(errorAnswer.shape) });
const proofResponse = z.object({ proof: z.string() });
const agentFile = z.object({ url: z.string().url(), token: z.string().min(1), socket: z.string().min(1).optional() });

export interface EndpointOptions {
  readonly url?: string;
  readonly token?: string;
  /** The endpoint's Unix socket (or named pipe); R42_AGENT_SOCKET when not given. */
  readonly socket?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface Endpoint {
  readonly url: string;
  readonly token: string;
  /** The endpoint's Unix socket (or named pipe), when it has one: used instead of TCP. */
  readonly socket: string | null;
}

/** Where the endpoint is and the secret to use, from options, the environment or agent.json. */
export function findEndpoint(options: EndpointOptions = {}): Endpoint {
  const env = options.env ?? process.env;
  const url = options.url ?? env.R42_AGENT_URL;
  const token = options.token ?? env.R42_AGENT_TOKEN;
  if (url && token) return { url, token, socket: options.socket ?? (env.R42_AGENT_SOCKET || null) };
  const home = env.R42_HOME?.trim() ? path.resolve(env.R42_HOME) : defaultHome(env, process.platform);
  let parsed;
  try {
    parsed = agentFile.safeParse(JSON.parse(readFileSync(path.join(home, 'agent.json'), 'utf8')));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    throw new CompanionClientError(
      'agent_not_running',
      'R42 Companion is not serving agents: start the app or `r42-companion serve`, or run this agent with `r42-companion run -- <command>`.',
    );
  }
  return { url: parsed.data.url, token: parsed.data.token, socket: parsed.data.socket ?? null };
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly socket: Socket;
}

/** Reads a whole answer as JSON (null when it is not JSON). */
function readAnswer(req: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      // Taken now: once the answer is read, the agent takes the socket back and the answer lets go of it.
      const socket = res.socket;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A token answer is a few hundred bytes: anything huge is not R42 Companion.
        if (size > 64 * 1024) req.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.once('error', reject);
      res.once('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // Not JSON: the caller says what it expected.
        }
        resolve({ status: res.statusCode ?? 0, body, socket });
      });
    });
  });
}

const notRunning = (url: string) => new CompanionClientError('agent_not_running', `R42 Companion does not answer at ${url}. Is it running?`);
const unverified = (url: string) =>
  new CompanionClientError(
    'endpoint_unverified',
    `What answers at ${url} could not prove it is R42 Companion, so the agent's secret was not sent. If R42 Companion was restarted, its port may have changed (see agent.json); otherwise another program holds that port.`,
  );

/**
 * `GET target` with the secret, over the socket when there is one, else over TCP once the
 * endpoint proved itself on the connection the secret then travels on.
 */
async function authorizedGet(endpoint: Endpoint, target: string, signal: AbortSignal): Promise<Answer> {
  const base = new URL(endpoint.url);
  const headers = { accept: 'application/json' };
  const bearer = `Bearer ${endpoint.token}`;
  if (endpoint.socket) {
    checkSocket(endpoint.socket);
    const req = request({ socketPath: endpoint.socket, path: target, headers: { ...headers, host: 'localhost', authorization: bearer }, signal });
    req.end();
    return readAnswer(req).catch(() => {
      throw notRunning(endpoint.socket!);
    });
  }
  if (base.protocol !== 'http:') throw new CompanionClientError('bad_configuration', `R42_AGENT_URL must be http://127.0.0.1:<port>, not ${base.protocol}//…`);
  const port = Number(base.port || 80);
  const key = grantKey(endpoint.token);
  const nonce = randomBytes(32).toString('base64url');
  // One connection for both requests: the secret goes only on the connection that was proven.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let proven: Answer;
    try {
      const req = request({ agent, host: base.hostname, port, path: `/v1/proof?grant=${grantKeyId(key)}&nonce=${nonce}`, headers: { ...headers, host: base.host }, signal });
      req.end();
      proven = await readAnswer(req);
    } catch {
      throw notRunning(endpoint.url);
    }
    if (proven.status === 401) {
      // R42 Companion knows no grant by that key id, or a stranger says so: either way nothing secret was sent.
      throw new CompanionClientError(
        'unauthorized',
        `R42 Companion at ${endpoint.url} has no grant for this secret: it was revoked or never existed (see \`r42-companion agents list\`), or what answers there is not R42 Companion.`,
        401,
      );
    }
    const proof = proofResponse.safeParse(proven.body);
    if (proven.status !== 200 || !proof.success || !isEndpointProof(key, nonce, port, proof.data.proof)) throw unverified(endpoint.url);
    // Let the agent take the socket back once the answer has been read.
    await new Promise((resolve) => setImmediate(resolve));
    const req = request({ agent, host: base.hostname, port, path: target, headers: { ...headers, host: base.host }, signal });
    const sent = new Promise<void>((resolve, reject) => {
      req.once('socket', (socket: Socket) => {
        if (socket !== proven.socket || socket.destroyed) {
          // The proven connection is gone (the endpoint closed it): nothing secret on another one.
          req.destroy();
          reject(unverified(endpoint.url));
          return;
        }
        req.setHeader('authorization', bearer);
        req.end();
        resolve();
      });
    });
    const answer = readAnswer(req);
    answer.catch(() => undefined);
    await sent;
    return await answer.catch(() => {
      throw notRunning(endpoint.url);
    });
  } finally {
    agent.destroy();
  }
}

/** A socket path must be a socket of this user's (a named pipe on Windows is told only through owner-only channels). */
function checkSocket(socketPath: string): void {
  if (socketPath.startsWith('\\\\.\\pipe\\')) return;
  let ok = false;
  try {
    const st = lstatSync(socketPath);
    ok = st.isSocket() && (process.getuid === undefined || st.uid === process.getuid());
  } catch {
    throw notRunning(socketPath);
  }
  if (!ok) throw new CompanionClientError('endpoint_unverified', `${socketPath} is not R42 Companion's socket (not a socket, or another user's), so the agent's secret was not sent.`);
}

/** A valid Garmin access token (valid at least `minValidSeconds`, refreshed by R42 Companion if needed). */
export async function getGarminAccessToken(options: EndpointOptions & { minValidSeconds?: number } = {}): Promise<GarminAccessToken> {
  const endpoint = findEndpoint(options);
  const target = `/v1/token${options.minValidSeconds !== undefined ? `?min_valid=${encodeURIComponent(String(options.minValidSeconds))}` : ''}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const answer = await authorizedGet(endpoint, target, signal);
  if (answer.status !== 200) {
    const error = errorResponse.safeParse(answer.body);
    throw error.success
      ? new CompanionClientError(error.data.error.code, error.data.error.message, answer.status)
      : new CompanionClientError('bad_response', `R42 Companion answered HTTP ${answer.status}.`, answer.status);
  }
  const parsed = tokenResponse.safeParse(answer.body);
  if (!parsed.success) throw new CompanionClientError('bad_response', 'R42 Companion sent a token response this client cannot read.', answer.status);
  return {
    accessToken: parsed.data.access_token,
    tokenType: 'Bearer',
    expiresAt: new Date(parsed.data.expires_at),
    garminUserId: parsed.data.garmin_user_id,
    scope: parsed.data.scope,
  };
}
