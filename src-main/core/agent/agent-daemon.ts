/**
 * The agent daemon: the endpoint on its stable port with agent.json for other processes to find
 * it, and around it what keeps the data folder alive while it runs: the token scheduler, the sync
 * scheduler, WAL checkpoints and the audit log's pruning. One per data folder (a lock in it).
 * Loaded when `serve` or the app starts it, never on `token`'s path.
 */
import { acquireServeLock, agentSocketPath, removeAgentFile, writeAgentFile } from './agent-file.js';
import { DAY_MS } from '../../../src-common/dates.js';
import { startOnStablePort } from './agent-port.js';
import type { AgentHttpLimits, AgentServer } from './agent-server.js';
import type { AgentGrants } from './grants.js';
import type { AgentHandOuts } from './agent-backend.js';
import type { UsageRecorder } from './usage-recorder.js';
import { isProcessAlive } from '../auth/token-manager.js';
import { TokenScheduler, type CheckReason } from '../auth/token-scheduler.js';
import type { Clock, Logger } from '../ports.js';
import { startBackgroundCheckpoints } from '../store/checkpointer.js';
import type { Database } from '../store/database.js';
import type { AuditRepo } from '../store/repos.js';
import type { SyncResult } from '../sync/sync-engine.js';
import { SyncScheduler } from '../sync/sync-scheduler.js';

/** How long the audit log keeps token hand-outs and refused agent requests. */
export const AUDIT_HAND_OUT_RETENTION_MS = 30 * DAY_MS;

/** A running agent endpoint (with the token scheduler when it is the daemon). */
export interface AgentService {
  readonly url: string;
  /** The endpoint's Unix socket (named pipe on Windows), or null. */
  readonly socketPath: string | null;
  /** Tells the schedulers the computer woke up (Electron's powerMonitor 'resume'). */
  resume(): Promise<void>;
  /** Syncs now through the daemon's scheduler (joins a sync under way). */
  syncNow(): Promise<SyncResult | null>;
  /** Pauses or resumes token hand-outs (the tray's "Pause agents"): while paused `/v1/token` answers 503 `agents_paused`. */
  setPaused(paused: boolean): void;
  isPaused(): boolean;
  stop(): Promise<void>;
}

export interface AgentDaemonOptions {
  port?: number;
  schedulerTickMs?: number;
  onCheck?: (reason: CheckReason, refreshed: boolean) => void;
  syncOnStart?: boolean;
  syncIntervalMs?: number;
  /** The endpoint's HTTP timeouts and connection cap (tests shorten them). */
  http?: Partial<AgentHttpLimits>;
}

export interface AgentDaemonDeps {
  /** The data folder (agent.json, the serve lock). */
  readonly home: string;
  /** R42_AGENT_PORT: the port to use instead of the remembered one, 0 when unset. */
  readonly configuredPort: number;
  readonly db: Database;
  readonly databasePath: string;
  readonly grants: AgentGrants;
  readonly usage: UsageRecorder;
  readonly audit: AuditRepo;
  readonly profileId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly refreshMarginSeconds: number;
  readonly syncIntervalMs: number;
  /** Whether data comes through the relay: then each sync pass long-polls and the next starts right after. */
  readonly relay: boolean;
  readonly handOuts: AgentHandOuts;
  startEndpoint(port: number, limits?: Partial<AgentHttpLimits>, socketPath?: string | null): Promise<AgentServer>;
  /** The linked account's access token expiry, or null when none is connected. */
  accessTokenExpiresAt(): number | null;
  /** Refreshes the access token when it is within the margin. */
  refreshToken(): Promise<void>;
  isConnected(): boolean;
  /** True before the first sync stored anything (a link made elsewhere waits for its history). */
  hasNoData(): boolean;
  sync(signal: AbortSignal): Promise<SyncResult>;
}

export async function startAgentDaemon(deps: AgentDaemonDeps, options: AgentDaemonOptions = {}): Promise<AgentService> {
  const { home, grants, audit, usage, clock, logger, profileId, handOuts } = deps;
  const releaseLock = acquireServeLock(home, process.pid, isProcessAlive);
  let server: AgentServer | undefined;
  let ownerGrantId: string | undefined;
  try {
    // Beside the TCP port, a socket in the owner-only data folder: a way in no one else can squat.
    const socketPath = agentSocketPath(home);
    server = await (options.port !== undefined
      ? deps.startEndpoint(options.port, options.http, socketPath)
      : startOnStablePort((port) => deps.startEndpoint(port, options.http, socketPath), { home, configuredPort: deps.configuredPort, logger }));
    // Grants of processes that crashed (an earlier serve, a killed `run --`) end now, not at first use.
    grants.revokeOrphans(clock.now());
    const owner = grants.create(`owner-${process.pid}-${clock.now().toString(36)}`, 'owner', clock.now(), process.pid);
    ownerGrantId = owner.grant.id;
    writeAgentFile(home, { url: server.url, token: owner.secret, pid: process.pid, ...(server.socketPath ? { socket: server.socketPath } : {}) });
  } catch (error) {
    await server?.close();
    if (ownerGrantId) grants.revokeById(ownerGrantId, clock.now());
    releaseLock();
    throw error;
  }
  const scheduler = new TokenScheduler({
    clock,
    logger,
    refreshMarginSeconds: deps.refreshMarginSeconds,
    tickMs: options.schedulerTickMs,
    onCheck: options.onCheck,
    accessTokenExpiresAt: () => deps.accessTokenExpiresAt(),
    refresh: () => deps.refreshToken(),
  });
  scheduler.start();
  const checkpoints = startBackgroundCheckpoints(deps.db, deps.databasePath, logger);
  // Hand-outs, refusals and wrong-state callbacks are frequent (an agent may ask every minute, any
  // local program can send callbacks); they are kept 30 days. Sign-ins, refreshes, grants and
  // disconnects are kept for good.
  const pruneAudit = () => audit.prune(['agent.token_issued', 'agent.request_refused', 'mcp.tool_called', 'sign_in.callback_rejected'], clock.now() - AUDIT_HAND_OUT_RETENTION_MS);
  pruneAudit();
  const pruneTimer = setInterval(pruneAudit, DAY_MS);
  pruneTimer.unref();
  // With the relay, each pass long-polls (new data reaches an open app within seconds) and the
  // next pass starts right after; pulling waits for the interval.
  const syncScheduler = new SyncScheduler(
    (signal) => deps.sync(signal),
    () => deps.isConnected(),
    logger,
    options.syncIntervalMs ?? deps.syncIntervalMs,
    deps.relay ? 100 : undefined,
  );
  let firstSyncWatch: NodeJS.Timeout | null = null;
  if (options.syncOnStart !== false) {
    syncScheduler.start();
    // A link made elsewhere (the CLI, another window) gets its history without waiting for the interval.
    firstSyncWatch = setInterval(() => {
      if (deps.isConnected() && deps.hasNoData()) void syncScheduler.now().catch(() => undefined);
    }, 30_000);
    firstSyncWatch.unref();
  }
  audit.append(profileId, clock.now(), 'agent.endpoint_started', { url: server.url });
  logger.log('info', 'agent.endpoint_started', { url: server.url, socket: server.socketPath !== null });
  const running = server;
  let stopped: Promise<void> | null = null;
  return {
    url: running.url,
    socketPath: running.socketPath,
    async resume() {
      await scheduler.resume();
      void syncScheduler.now().catch(() => undefined);
    },
    syncNow: () => syncScheduler.now(),
    setPaused(paused) {
      if (paused === handOuts.isPaused()) return;
      handOuts.setPaused(paused);
      audit.append(profileId, clock.now(), paused ? 'agent.paused' : 'agent.resumed', {});
      logger.log('info', paused ? 'agent.paused' : 'agent.resumed', {});
    },
    isPaused: () => handOuts.isPaused(),
    stop() {
      stopped ??= (async () => {
        scheduler.stop();
        await syncScheduler.stop();
        if (firstSyncWatch) clearInterval(firstSyncWatch);
        clearInterval(pruneTimer);
        await running.close();
        usage.flush();
        await checkpoints.stop();
        grants.revokeById(ownerGrantId!, clock.now());
        removeAgentFile(home, process.pid);
        releaseLock();
        audit.append(profileId, clock.now(), 'agent.endpoint_stopped', {});
      })();
      return stopped;
    },
  };
}
