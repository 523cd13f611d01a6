/**
 * What the agent endpoint (agent-server.ts) asks of the companion: who a secret belongs to, a token
 * for a grant (counted, refused while agents are paused), the status, the data routes
 * (agent-api.ts) and MCP over HTTP. One per companion, made when an endpoint first starts.
 */
import { createHash } from 'node:crypto';
import type { TokenPayload } from '../../../src-common/contract.js';
import { CompanionError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { AccessToken, TokenManager } from '../auth/token-manager.js';
import type { McpCaller, McpDeps } from '../mcp/mcp-server.js';
import { API_POST_ROUTES, API_ROUTES, createApiRouter, createPostRouter, type ApiContext } from './agent-api.js';
import type { AgentBackend } from './agent-server.js';
import type { AgentGrants, AuthenticatedGrant } from './grants.js';
import type { UsageRecorder } from './usage-recorder.js';

export interface AgentBackendDeps {
  readonly grants: AgentGrants;
  readonly usage: UsageRecorder;
  readonly tokens: TokenManager;
  readonly profileId: string;
  readonly clock: Clock;
  status(): unknown;
  /** What the data routes answer from. */
  readonly api: ApiContext;
  /** The MCP tools' dependencies (one object for the process: the MCP module keeps read-only answers per deps). */
  mcpDeps(): McpDeps;
}

/** The backend and the tray's pause switch, which only it reads. */
export interface AgentHandOuts {
  readonly backend: AgentBackend;
  /** While paused `/v1/token` answers 503 `agents_paused`. Not remembered: a restart resumes agents. */
  isPaused(): boolean;
  setPaused(paused: boolean): void;
}

const tokenPayload = (token: AccessToken, now: number): TokenPayload => ({
  access_token: token.accessToken,
  token_type: 'Bearer',
  expires_in: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
  expires_at: new Date(token.expiresAt).toISOString(),
  garmin_user_id: token.garminUserId,
  scope: token.scope,
});

export function createAgentBackend(deps: AgentBackendDeps): AgentHandOuts {
  const { grants, usage, tokens, profileId, clock } = deps;
  let agentsPaused = false;

  const fingerprints = new Map<string, string>();
  const fingerprint = (token: string) => {
    let value = fingerprints.get(token);
    if (value === undefined) {
      value = createHash('sha256').update(token).digest('hex').slice(0, 8);
      if (fingerprints.size > 16) fingerprints.clear();
      fingerprints.set(token, value);
    }
    return value;
  };

  // The hot path's answer, serialized once per token and second of validity left.
  let prepared: { token: AccessToken; expiresIn: number; body: string } | null = null;

  // Stateless HTTP sends the client's name only at initialize; later calls of the same grant are counted under it.
  const mcpClientNames = new Map<string, string>();
  // Imported once: an import() per request costs a module resolution each time.
  const loadMcp = () => import('../mcp/mcp-server.js');
  let mcpModule: ReturnType<typeof loadMcp> | null = null;
  let mcpLoaded: Awaited<ReturnType<typeof loadMcp>> | null = null;
  /** One MCP caller per grant (its name and id do not change), kept while the grant is in use. */
  const callers = new Map<string, McpCaller>();
  const callerOf = (grant: AuthenticatedGrant): McpCaller => {
    let caller = callers.get(grant.id);
    if (!caller) {
      if (callers.size > 256) callers.clear();
      callers.set(grant.id, (caller = { transport: 'http', grant: grant.name, grantId: grant.id, clientName: () => mcpClientNames.get(grant.id) }));
    }
    return caller;
  };

  const route = createApiRouter(API_ROUTES, deps.api);
  const posts = createPostRouter(API_POST_ROUTES, deps.api);

  const backend: AgentBackend = {
    authenticate: (secret) => grants.authenticate(secret),
    stillActive: (grant) => grants.stillActive(grant),
    async issueToken(grant, minValidSeconds): Promise<TokenPayload> {
      if (agentsPaused) {
        usage.refused('agents_paused', { grant: grant.name, path: '/v1/token' }, clock.now());
        throw new CompanionError('agents_paused', 'Agents are paused in R42 Companion: no Garmin token is handed out until you resume them from its menu.');
      }
      const token = await tokens.getAccessToken(profileId, { minValidSeconds });
      const now = clock.now();
      usage.record({ grantId: grant.id, grantName: grant.name, at: now, tokenSha256: fingerprint(token.accessToken) });
      return tokenPayload(token, now);
    },
    preparedToken(grant, minValidSeconds) {
      // Paused, or no token in memory valid long enough: issueToken decides (and says why).
      const token = agentsPaused ? null : tokens.peek(profileId, minValidSeconds);
      if (!token) return null;
      const now = clock.now();
      const expiresIn = Math.max(0, Math.floor((token.expiresAt - now) / 1000));
      if (prepared?.token !== token || prepared.expiresIn !== expiresIn) prepared = { token, expiresIn, body: JSON.stringify(tokenPayload(token, now)) };
      usage.record({ grantId: grant.id, grantName: grant.name, at: now, tokenSha256: fingerprint(token.accessToken) });
      return prepared.body;
    },
    status: () => deps.status(),
    recordRefusal: (reason, detail) => usage.refused(reason, detail, clock.now()),
    proveEndpoint: (keyId, nonce, port) => grants.proveEndpoint(keyId, nonce, port),
    route: (_grant, url) => route(url),
    acceptsPost: (path) => posts.accepts(path),
    post: (grant, url, body) => posts.post(url, grant.name, body),
    async mcp(grant, request) {
      const { answerMcpHttp } = await (mcpModule ??= loadMcp());
      try {
        const message = (await request.clone().json()) as { method?: unknown; params?: { clientInfo?: { name?: unknown } } };
        const name = message?.method === 'initialize' ? message.params?.clientInfo?.name : undefined;
        if (typeof name === 'string') {
          if (mcpClientNames.size > 256) mcpClientNames.clear();
          mcpClientNames.set(grant.id, name);
        }
      } catch {
        // Not JSON: the transport answers that with a parse error.
      }
      return answerMcpHttp(deps.mcpDeps(), callerOf(grant), request);
    },
    mcpDirect(grant, input) {
      // The hot path of POST /mcp: the module once loaded and one caller per grant, not a closure and an await per request.
      if (!mcpLoaded) return (mcpModule ??= loadMcp()).then((module) => ((mcpLoaded = module), module.answerMcpDirect(deps.mcpDeps(), callerOf(grant), input)));
      return mcpLoaded.answerMcpDirect(deps.mcpDeps(), callerOf(grant), input);
    },
  };

  return {
    backend,
    isPaused: () => agentsPaused,
    setPaused(paused) {
      agentsPaused = paused;
    },
  };
}
