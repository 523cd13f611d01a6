/**
 * The agent's side: get a valid Garmin access token from a running R42 Companion.
 *
 *   import { getGarminAccessToken } from 'r42-companion/client';
 *   const { accessToken } = await getGarminAccessToken({ minValidSeconds: 900 });
 *
 * The endpoint is found from R42_AGENT_URL and R42_AGENT_TOKEN (set by `r42-companion run --`, or
 * by hand with a secret from `r42-companion agents add`), else from agent.json in R42_HOME (or the
 * OS app-data folder), which belongs to the runner's own user.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { errorAnswer, tokenPayload } from '../../src-common/contract.js';
import { defaultHome } from '../core/config.js';

export interface GarminAccessToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresAt: Date;
  readonly garminUserId: string;
  readonly scope: string | null;
}

/** A refusal from R42 Companion, with its stable code (`not_connected`, `reauth_required`, …). */
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
const agentFile = z.object({ url: z.string().url(), token: z.string().min(1) });

export interface EndpointOptions {
  readonly url?: string;
  readonly token?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** Where the endpoint is and the secret to use, from options, the environment or agent.json. */
export function findEndpoint(options: EndpointOptions = {}): { url: string; token: string } {
  const env = options.env ?? process.env;
  const url = options.url ?? env.R42_AGENT_URL;
  const token = options.token ?? env.R42_AGENT_TOKEN;
  if (url && token) return { url, token };
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
  return parsed.data;
}

/** A valid Garmin access token (valid at least `minValidSeconds`, refreshed by R42 Companion if needed). */
export async function getGarminAccessToken(options: EndpointOptions & { minValidSeconds?: number } = {}): Promise<GarminAccessToken> {
  const { url, token } = findEndpoint(options);
  const target = new URL('/v1/token', url);
  if (options.minValidSeconds !== undefined) target.searchParams.set('min_valid', String(options.minValidSeconds));
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(target, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch {
    throw new CompanionClientError('agent_not_running', `R42 Companion does not answer at ${url}. Is it running?`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = errorResponse.safeParse(body);
    throw error.success
      ? new CompanionClientError(error.data.error.code, error.data.error.message, response.status)
      : new CompanionClientError('bad_response', `R42 Companion answered HTTP ${response.status}.`, response.status);
  }
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) throw new CompanionClientError('bad_response', 'R42 Companion sent a token response this client cannot read.', response.status);
  return {
    accessToken: parsed.data.access_token,
    tokenType: 'Bearer',
    expiresAt: new Date(parsed.data.expires_at),
    garminUserId: parsed.data.garmin_user_id,
    scope: parsed.data.scope,
  };
}
