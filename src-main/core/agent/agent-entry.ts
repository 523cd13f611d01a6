/**
 * The agent endpoint over a Companion: its backend (one per companion), the daemon `serve` and
 * the app run (agent-daemon.ts), and a private endpoint for one `run --` child. Built here, outside
 * the facade, from the Companion it is given and the parts of the core the facade does not show
 * (grants, usage counts, the token manager's memory, the database for checkpoints). Loaded when an
 * endpoint first starts, never on `token`'s path.
 */
import { localDate } from '../../../src-common/dates.js';
import type { TokenManager } from '../auth/token-manager.js';
import { isProcessAlive } from '../auth/token-manager.js';
import type { Companion } from '../companion.js';
import { mcpDepsOf, type McpParts } from '../mcp/mcp-entry.js';
import type { AuditRepo } from '../store/repos.js';
import { RELAY_LONG_POLL_SECONDS } from '../sync/sync-service.js';
import { createAgentBackend, type AgentHandOuts } from './agent-backend.js';
import { startAgentDaemon, type AgentDaemonOptions, type AgentService } from './agent-daemon.js';
import { agentSocketPath, readAgentFile } from './agent-file.js';
import { startAgentServer, type AgentHttpLimits } from './agent-server.js';
import type { AgentGrants } from './grants.js';

/** What the agent side needs of the core beside the Companion. */
export interface AgentParts extends McpParts {
  readonly grants: AgentGrants;
  readonly audit: AuditRepo;
  readonly tokens: TokenManager;
  readonly profileId: string;
  /** Whether data comes through the relay: then each sync pass of the daemon long-polls. */
  readonly relay: boolean;
  /** The linked account's access token expiry, or null when none is connected. */
  accessTokenExpiresAt(): number | null;
  isConnected(): boolean;
  /** True before the first sync stored anything. */
  hasNoData(): boolean;
}

export interface AgentEntry {
  serve(options?: AgentDaemonOptions): Promise<AgentService>;
  grantForChild(): Promise<{ url: string; secret: string; socket: string | null; end(): Promise<void> }>;
}

export function createAgentEntry(companion: Companion, parts: AgentParts): AgentEntry {
  const { config } = companion;
  const { grants, usage, audit, tokens, profileId, clock, logger } = parts;
  const today = () => localDate(clock.now());

  // What the agent endpoint asks of this companion: one per companion, made when an endpoint first starts.
  let handOuts: AgentHandOuts | null = null;
  const agentHandOuts = () =>
    (handOuts ??= createAgentBackend({
      grants,
      usage,
      tokens,
      profileId,
      clock,
      status: () => companion.status(),
      api: { data: companion.data, today, workouts: companion.workouts },
      mcpDeps: () => mcpDepsOf(companion, parts),
    }));
  const startEndpoint = (port: number, limits?: Partial<AgentHttpLimits>, socketPath?: string | null) =>
    startAgentServer(agentHandOuts().backend, { port, logger, limits, socketPath });

  return {
    serve(options = {}) {
      return startAgentDaemon(
        {
          home: config.paths.home,
          configuredPort: config.agentPort,
          db: parts.db,
          databasePath: config.paths.database,
          grants,
          usage,
          audit,
          profileId,
          clock,
          logger,
          refreshMarginSeconds: config.refreshMarginSeconds,
          syncIntervalMs: config.sync.intervalMs,
          relay: parts.relay,
          handOuts: agentHandOuts(),
          startEndpoint,
          accessTokenExpiresAt: () => parts.accessTokenExpiresAt(),
          // No extra validity asked: more than the margin would refresh a short-lived token at every tick.
          refreshToken: async () => void (await companion.getAccessToken()),
          isConnected: () => parts.isConnected(),
          hasNoData: () => parts.hasNoData(),
          // With the relay each pass long-polls: new data reaches an open app within seconds.
          sync: (signal) => companion.sync({ signal, ...(parts.relay ? { waitSeconds: RELAY_LONG_POLL_SECONDS } : {}) }),
        },
        options,
      );
    },

    async grantForChild() {
      const name = `run-${process.pid}-${clock.now().toString(36)}`;
      const running = readAgentFile(config.paths.home);
      const live = running && running.pid !== process.pid && isProcessAlive(running.pid) ? running : null;
      const server = live ? null : await startEndpoint(0, undefined, agentSocketPath(config.paths.home, `agent-run-${process.pid}.sock`));
      const { secret, grant } = grants.create(name, 'run', clock.now(), process.pid);
      audit.append(profileId, clock.now(), 'agent.grant_created', { grant: name });
      return {
        url: live ? live.url : server!.url,
        socket: live ? (live.socket ?? null) : server!.socketPath,
        secret,
        async end() {
          grants.revokeById(grant.id, clock.now());
          audit.append(profileId, clock.now(), 'agent.grant_revoked', { grant: name });
          await server?.close();
        },
      };
    },
  };
}
