/**
 * The one facade the Electron shell, the CLI, the web transport and the agent entry points use:
 * what R42 Companion can do, as an interface. `wiring.ts` builds it (`createCompanion`) from the
 * ports; the services behind it (account/, sync/, data/, agent/, mcp/) never import it, except the
 * agent and MCP entry points, which take a Companion and are imported by nothing the facade
 * builds (docs/architecture.md rule 16).
 */
import type { DisconnectResult, LinkView, ConnectionStatus } from '../../src-common/contract.js';
import type { GrantInfo } from './agent/grants.js';
import type { AgentDaemonOptions, AgentService } from './agent/agent-daemon.js';
import type { SignInResult, SignInStep } from './auth/sign-in.js';
import type { RefreshHelperLauncher } from './auth/refresh-helper.js';
import type { AccessToken } from './auth/token-manager.js';
import type { CompanionConfig } from './config.js';
import type { DataQueries } from './data/data-service.js';
import type { FitImports } from './fit/fit-imports.js';
import type { CompanionMcpServer, McpCaller } from './mcp/mcp-server.js';
import type { BrowserLauncher, Clock, Fetch, Logger, SecretStore } from './ports.js';
import type { AuditEntry } from './store/repos.js';
import type { DataSource } from './sync/data-source.js';
import type { SyncProgress, SyncResult } from './sync/sync-engine.js';
import type { Workouts } from './workouts/workout-service.js';

// The answer shapes live in src-common/contract.ts; these names stay importable from the facade.
export type { ActivityView, ConnectionStatus, DisconnectResult, Freshness, LinkView, SyncStatus, TokenPayload, WeekSummary } from '../../src-common/contract.js';
export type { AgentService } from './agent/agent-daemon.js';

export interface CompanionDeps {
  readonly config: CompanionConfig;
  readonly secrets: SecretStore;
  readonly browser: BrowserLauncher;
  readonly clock?: Clock;
  readonly fetch?: Fetch;
  readonly logger?: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Test seam, see TokenManagerDeps.faultPoint. */
  readonly faultPoint?: (point: 'after-garmin-refresh' | 'after-keychain-write') => void;
  /**
   * Defers the process's exit on SIGINT/SIGTERM while a refresh is between Garmin's answer and the
   * keychain: returns a release. The CLI passes one; see TokenManagerDeps.holdExit.
   */
  readonly holdExit?: () => () => void;
  /** Where training data comes from; Garmin's pull API by default. */
  readonly dataSource?: DataSource;
  /**
   * How to start this program as the refresh helper (auth/refresh-helper.ts): given, refreshes on
   * the own-developer-app path are made by a detached helper that outlives this process. Hosts
   * that run as a program (the CLI, the app) pass it; the helper itself and in-process tests do not.
   */
  readonly refreshHelper?: RefreshHelperLauncher;
  /**
   * The FIT decoder's worker as built (dist/cli/fit-worker.mjs), named by a bundled host (the CLI,
   * the app); from a checkout the TypeScript worker runs through tsx and this is not needed.
   */
  readonly fitWorker?: string;
}

export interface Companion {
  readonly config: CompanionConfig;
  signIn(options?: { timeoutMs?: number; openBrowser?: boolean; signal?: AbortSignal; onStep?: (step: SignInStep) => void }): Promise<SignInResult>;
  status(): ConnectionStatus;
  getAccessToken(options?: { minValidSeconds?: number; forceRefresh?: boolean }): Promise<AccessToken>;
  /** The refresh helper's work (`__refresh-helper`): takes over the asking process's refresh lease `owner` and refreshes. */
  refreshAsHelper(owner: string): Promise<void>;
  /** Which way the app links, after checking the keychain for a client secret (status() alone may not know yet). */
  linkRoute(): Promise<LinkView>;
  disconnect(options?: { keepData?: boolean }): Promise<DisconnectResult>;
  /** Syncs training data: pulls the missing windows, or drains the relay (long-polling up to `waitSeconds`). */
  sync(options?: { days?: number; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void; waitSeconds?: number }): Promise<SyncResult>;
  /** The local training data, each answer with its freshness (shapes: src-common/contract.ts). */
  readonly data: DataQueries;
  /** FIT files from the watch (a drive, or files and folders given), Garmin Connect's export archive, a drop on the app: core/fit/. */
  readonly imports: FitImports;
  /** Workouts agents propose and the runner approves, delivered to Garmin's Training API (workouts/workout-service.ts). */
  readonly workouts: Workouts;
  /** The MCP server over this companion's data for one caller (the runner over stdio, or a grant). Loads the MCP SDK on first use. */
  mcpServer(caller: McpCaller): Promise<CompanionMcpServer>;
  setClientSecret(secret: string): Promise<void>;
  clearClientSecret(): Promise<boolean>;
  auditLog(limit?: number): AuditEntry[];
  readonly agents: {
    add(name: string): { secret: string; grant: GrantInfo };
    list(): GrantInfo[];
    revoke(name: string): boolean;
  };
  /**
   * Runs the agent endpoint and the token scheduler for this data folder: writes agent.json
   * (0600, atomic) with a fresh owner secret, and removes it on stop. One per data folder.
   */
  serveAgents(options?: AgentDaemonOptions): Promise<AgentService>;
  /**
   * A grant for one child process (`run --`): against the running endpoint when there is one,
   * else against a private endpoint that lives as long as the grant. Revoked by `end()`.
   */
  grantForChild(): Promise<{ url: string; secret: string; socket: string | null; end(): Promise<void> }>;
  /** The URL of the agent endpoint another process (`serve`, the app) runs for this data folder, if any. */
  runningEndpointUrl(): string | null;
  close(): void;
}
