import { createHash, randomUUID } from 'node:crypto';
import { acquireServeLock, readAgentFile, removeAgentFile, writeAgentFile } from './agent/agent-file.js';
import { startOnStablePort } from './agent/agent-port.js';
import type { AgentBackend, AgentHttpLimits, TokenPayload } from './agent/agent-server.js';
import { AgentGrants, type GrantInfo } from './agent/grants.js';
import { UsageRecorder } from './agent/usage-recorder.js';
import { TokenScheduler, type CheckReason } from './auth/token-scheduler.js';
import { GarminPullSource, type DataSource } from './sync/data-source.js';
import { SyncEngine, type SyncProgress, type SyncResult } from './sync/sync-engine.js';
import { RelaySync } from './sync/relay-sync.js';
import { SyncScheduler } from './sync/sync-scheduler.js';
import { localDate, STREAMS, TrainingRepo, type ActivityView, type HrvView, type Stream, type UserMetricsView, type WeekSummary } from './store/training-repo.js';
import type { z } from 'zod';
import type { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import { activitiesQuery, dateRange, DEFAULT_RANGE_DAYS, parseQuery, searchParamsInput, weeklyQuery } from '../../src-common/data-query.js';
import type { McpCaller, McpDeps } from './mcp/mcp-server.js';
import { VERSION } from './version.js';
import { tokenRoute, type CompanionConfig, type LinkVia } from './config.js';
import { CompanionError, isCompanionError } from './errors.js';
import type { GarminClient } from './garmin/garmin-client.js';
import { resolveClientSecret } from './auth/client-secret.js';
import type { SignInResult, SignInStep } from './auth/sign-in.js';
import { isProcessAlive, TokenManager, type AccessToken } from './auth/token-manager.js';
import { clientSecretKeyFor, TokenVault } from './auth/token-vault.js';
import { systemClock, silentLogger, type BrowserLauncher, type Clock, type Fetch, type Logger, type SecretStore } from './ports.js';
import { startBackgroundCheckpoints } from './store/checkpointer.js';
import { openDatabase, type Database } from './store/database.js';
import { DbVersion } from './store/db-version.js';
import { RelayRepo } from './store/relay-repo.js';
import { secureDataFolder } from './store/data-folder.js';
import { AccountsRepo, AuditRepo, DEFAULT_PROFILE_ID, RefreshLocksRepo, SignInSessionsRepo, type AuditEntry } from './store/repos.js';

/** Warn this long before the refresh token's own end (about 90 days after the last sign-in). */
export const REFRESH_TOKEN_WARNING_MS = 14 * 24 * 3600 * 1000;
/** How long the app's and `serve`'s relay pass waits for new notifications before asking again. */
export const RELAY_LONG_POLL_SECONDS = 25;
/** How long the audit log keeps token hand-outs and refused agent requests. */
export const AUDIT_HAND_OUT_RETENTION_MS = 30 * 24 * 3600 * 1000;

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
}

/** What status shows. Plain data with no secret in it: safe for the CLI, IPC and agents. */
export interface ConnectionStatus {
  readonly configured: boolean;
  readonly connected: boolean;
  readonly state: 'not_connected' | 'connected' | 'reauth_required';
  readonly garminUserId: string | null;
  readonly permissions: readonly string[];
  readonly scope: string | null;
  readonly connectedAt: string | null;
  readonly accessTokenExpiresAt: string | null;
  readonly refreshTokenExpiresAt: string | null;
  readonly refreshTokenExpiresSoon: boolean;
  readonly lastRefreshAt: string | null;
  readonly lastError: { readonly code: string; readonly at: string } | null;
  readonly sync: SyncStatus;
  /** Which way the app links: the runner's own developer app, or R42's server brokering the secret. */
  readonly link: LinkView;
}

/** How token requests reach Garmin, for status (no secret in it). */
export interface LinkView {
  readonly via: LinkVia;
  /** The origin token requests go to (Garmin, R42's server, or a configured broker). */
  readonly tokenOrigin: string | null;
}

/** How fresh the local training data is, and how far a backfill has come. */
export interface SyncStatus {
  readonly running: boolean;
  readonly lastSyncAt: string | null;
  readonly stale: boolean;
  readonly backfill: { readonly done: number; readonly total: number };
  readonly streams: ReadonlyArray<{ readonly stream: Stream; readonly state: string; readonly lastErrorCode: string | null; readonly skippedRecords: number }>;
  /** `relay`: Garmin's webhooks through R42's server; `pull`: 24 h windows (evaluation environment). */
  readonly delivery: 'relay' | 'pull';
  /** Relay only: the history asked of Garmin after the link, and what has arrived since. */
  readonly relay: { readonly historyRequested: number; readonly historyTotal: number; readonly summariesReceived: number; readonly lastDeliveryAt: string | null } | null;
}

/** What agents and the UI get with every data answer. */
export interface Freshness {
  readonly last_sync_at: string | null;
  readonly stale: boolean;
}

export interface DisconnectResult {
  readonly wasConnected: boolean;
  /** Whether the synced training data was kept on this computer. */
  readonly dataKept: boolean;
  readonly garminUserId: string | null;
  /** True when Garmin confirmed the registration is deleted. */
  readonly deregisteredAtGarmin: boolean;
  /** Why Garmin was not told, when it was not. */
  readonly garminError: { readonly code: string; readonly message: string } | null;
}

/** A running agent endpoint (with the token scheduler when it is the daemon). */
export interface AgentService {
  readonly url: string;
  /** Tells the schedulers the computer woke up (Electron's powerMonitor 'resume'). */
  resume(): Promise<void>;
  /** Syncs now through the daemon's scheduler (joins a sync under way). */
  syncNow(): Promise<SyncResult | null>;
  /** Pauses or resumes token hand-outs (the tray's "Pause agents"): while paused `/v1/token` answers 503 `agents_paused`. */
  setPaused(paused: boolean): void;
  isPaused(): boolean;
  stop(): Promise<void>;
}

export interface Companion {
  readonly config: CompanionConfig;
  signIn(options?: { timeoutMs?: number; openBrowser?: boolean; signal?: AbortSignal; onStep?: (step: SignInStep) => void }): Promise<SignInResult>;
  status(): ConnectionStatus;
  getAccessToken(options?: { minValidSeconds?: number; forceRefresh?: boolean }): Promise<AccessToken>;
  /** Which way the app links, after checking the keychain for a client secret (status() alone may not know yet). */
  linkRoute(): Promise<LinkView>;
  disconnect(options?: { keepData?: boolean }): Promise<DisconnectResult>;
  /** Syncs training data: pulls the missing windows, or drains the relay (long-polling up to `waitSeconds`). */
  sync(options?: { days?: number; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void; waitSeconds?: number }): Promise<SyncResult>;
  readonly data: {
    activities(query: { from: string; to: string; type?: string; limit?: number }): { data: ActivityView[] } & Freshness;
    dailies(query: { from: string; to: string }): { data: Array<Record<string, unknown>> } & Freshness;
    sleeps(query: { from: string; to: string }): { data: Array<Record<string, unknown>> } & Freshness;
    weekly(weeks: number, today?: string): { data: WeekSummary[] } & Freshness;
    hrv(query: { from: string; to: string }): { data: HrvView[] } & Freshness;
    metrics(query: { from: string; to: string }): { data: UserMetricsView[] } & Freshness;
  };
  /** The MCP server over this companion's data for one caller (the runner over stdio, or a grant). Loads the MCP SDK on first use. */
  mcpServer(caller: McpCaller): Promise<McpServer>;
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
  serveAgents(options?: {
    port?: number;
    schedulerTickMs?: number;
    onCheck?: (reason: CheckReason, refreshed: boolean) => void;
    syncOnStart?: boolean;
    syncIntervalMs?: number;
    /** The endpoint's HTTP timeouts and connection cap (tests shorten them). */
    http?: Partial<AgentHttpLimits>;
  }): Promise<AgentService>;
  /**
   * A grant for one child process (`run --`): against the running endpoint when there is one,
   * else against a private endpoint that lives as long as the grant. Revoked by `end()`.
   */
  grantForChild(): Promise<{ url: string; secret: string; end(): Promise<void> }>;
  /** The URL of the agent endpoint another process (`serve`, the app) runs for this data folder, if any. */
  runningEndpointUrl(): string | null;
  close(): void;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Builds the one facade that the Electron shell, the CLI and the agent endpoint use. */
export function createCompanion(deps: CompanionDeps): Companion {
  const { config, secrets } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  secureDataFolder(config.paths.home, logger);
  const db: Database = openDatabase(config.paths.database);
  const accounts = new AccountsRepo(db);
  const sessions = new SignInSessionsRepo(db);
  const audit = new AuditRepo(db);
  const locks = new RefreshLocksRepo(db);
  const vault = new TokenVault(secrets);
  const training = new TrainingRepo(db, DEFAULT_PROFILE_ID);
  const syncLeases = new RefreshLocksRepo(db, 'sync_leases');
  const profileId = DEFAULT_PROFILE_ID;

  for (const origin of config.insecureHttpUrls) logger.log('warn', 'config.insecure_http', { origin });

  const requireClientId = (): string => {
    if (!config.garmin.clientId) {
      throw new CompanionError(
        'not_configured',
        'Garmin is not configured: set GARMIN_CLIENT_ID (your Garmin Connect developer app’s client id) in the environment or in config.json in the data folder.',
      );
    }
    return config.garmin.clientId;
  };

  // Whether a client secret is known (environment or keychain); undefined until the keychain was read.
  let hasClientSecret: boolean | undefined = config.garmin.clientSecretFromEnv !== undefined ? true : undefined;
  let garminClient: Promise<GarminClient> | null = null;
  const garmin = (): Promise<GarminClient> => {
    garminClient ??= (async () => {
      const clientId = requireClientId();
      const clientSecret = await resolveClientSecret(secrets, audit, clientId, config.garmin.clientSecretFromEnv, clock.now());
      hasClientSecret = clientSecret !== undefined;
      const route = tokenRoute(config, hasClientSecret);
      if (!route.tokenUrl) {
        throw new CompanionError(
          'not_configured',
          'Garmin needs a client secret at its token endpoint, and none is set: set R42_SERVER_URL (R42’s server adds it for you) or, with your own Garmin developer app, run `r42-companion secret set`.',
        );
      }
      // Loaded when Garmin is first called: `token` with a valid cached token never needs the OAuth library.
      const { GarminClient } = await import('./garmin/garmin-client.js');
      return new GarminClient({
        authorizeUrl: config.garmin.authorizeUrl,
        tokenUrl: route.tokenUrl,
        apiUrl: config.garmin.apiUrl,
        clientId,
        clientSecret,
        timeoutMs: config.httpTimeoutMs,
        fetch: deps.fetch ?? fetch,
      });
    })();
    garminClient.catch(() => (garminClient = null));
    return garminClient;
  };

  const linkView = (): LinkView => {
    if (!config.garmin.clientId) return { via: 'not_configured', tokenOrigin: null };
    // Before the keychain was read, assume what the environment says: R42's server when it is set.
    const route = tokenRoute(config, hasClientSecret ?? (config.serverUrl === undefined && config.garmin.tokenUrl === undefined));
    return { via: route.via, tokenOrigin: route.tokenUrl?.origin ?? null };
  };

  const tokens = new TokenManager({
    accounts,
    audit,
    locks,
    vault,
    garmin,
    clock,
    logger,
    refreshMarginSeconds: config.refreshMarginSeconds,
    lockTtlMs: config.httpTimeoutMs * 4 + 5_000,
    pid: process.pid,
    isProcessAlive,
    sleep,
    faultPoint: deps.faultPoint,
    holdExit: deps.holdExit,
  });

  let signInRunning = false;
  const grants = new AgentGrants(db, profileId, isProcessAlive);
  const usage = new UsageRecorder(db, audit, grants, profileId, logger);
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

  // Set from the tray while this process serves agents; not remembered, so a restart resumes them.
  let agentsPaused = false;
  const tokenPayload = (token: AccessToken, now: number): TokenPayload => ({
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
    expires_at: new Date(token.expiresAt).toISOString(),
    garmin_user_id: token.garminUserId,
    scope: token.scope,
  });
  // The hot path's answer, serialized once per token and second of validity left.
  let prepared: { token: AccessToken; expiresIn: number; body: Buffer } | null = null;

  const backend: AgentBackend = {
    authenticate: (secret) => grants.authenticate(secret),
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
      if (prepared?.token !== token || prepared.expiresIn !== expiresIn) prepared = { token, expiresIn, body: Buffer.from(JSON.stringify(tokenPayload(token, now))) };
      usage.record({ grantId: grant.id, grantName: grant.name, at: now, tokenSha256: fingerprint(token.accessToken) });
      return prepared.body;
    },
    status: () => companion.status(),
    recordRefusal: (reason, detail) => usage.refused(reason, detail, clock.now()),
  };

  const syncStatus = (): SyncStatus => {
    const streams = training.streams();
    const day = 86_400;
    // A stream Garmin refuses (412: not shared) has nothing left to load: its windows count as done.
    const done = streams.reduce((n, st) => n + Math.ceil((st.backfillStart - (st.state === 'permission_missing' ? st.backfillFloor : st.backfillNextEnd)) / day), 0);
    const total = streams.reduce((n, st) => n + Math.ceil((st.backfillStart - st.backfillFloor) / day), 0);
    const successes = streams.map((st) => st.lastSuccessAt).filter((t): t is number => t !== null);
    const last = successes.length === STREAMS.length || (successes.length > 0 && streams.some((st) => st.state === 'permission_missing')) ? Math.min(...successes) : null;
    return {
      // With the relay the lease is held through each long poll: "running" means data is moving now.
      running: relaySync ? relaySync.busy : syncLeases.isHeld(profileId, clock.now(), isProcessAlive),
      lastSyncAt: iso(last),
      stale: last === null || clock.now() - last > config.sync.staleAfterMs,
      backfill: relaySync ? (({ requested, total: all }) => ({ done: requested, total: all }))(relaySync.backfillProgress()) : { done: Math.min(done, total), total },
      streams: STREAMS.map((stream) => {
        const st = streams.find((x) => x.stream === stream);
        return { stream, state: st?.state ?? 'pending', lastErrorCode: st?.lastErrorCode ?? null, skippedRecords: st?.skippedRecords ?? 0 };
      }),
      delivery: config.dataDelivery,
      relay: relaySync
        ? (() => {
            const state = relayRepo.state();
            const progress = relaySync.backfillProgress();
            return { historyRequested: progress.requested, historyTotal: progress.total, summariesReceived: state.summariesReceived, lastDeliveryAt: iso(state.lastDeliveryAt) };
          })()
        : null,
    };
  };
  const freshness = (): Freshness => {
    const st = syncStatus();
    return { last_sync_at: st.lastSyncAt, stale: st.stale };
  };
  const localToday = () => localDate(clock.now());
  const source: DataSource =
    deps.dataSource ??
    new GarminPullSource(config.garmin.apiUrl, deps.fetch ?? fetch, config.httpTimeoutMs, async (force) => (await tokens.getAccessToken(profileId, { forceRefresh: force })).accessToken);
  const engine = new SyncEngine({ repo: training, leases: syncLeases, source, clock, logger, profileId, sleep, isProcessAlive });
  const relayRepo = new RelayRepo(db, profileId);
  /** The runner removed R42 in Garmin Connect: Garmin revoked the tokens, so the link must be made again. */
  const onDeregistered = async () => {
    const account = accounts.get(profileId);
    if (!account) return;
    // The webhook's only credential is the public client id, so a deregistration could be forged:
    // Garmin itself must confirm by refusing the runner's token before the link is given up.
    try {
      const token = await tokens.getAccessToken(profileId);
      await (await garmin()).userId(token.accessToken);
      logger.log('warn', 'relay.deregistration_unconfirmed', {});
      audit.append(profileId, clock.now(), 'relay.deregistration_ignored', { reason: 'garmin_still_accepts_the_token' });
      return;
    } catch (error) {
      if (isCompanionError(error, 'reauth_required')) return;
      // Garmin refusing the token (401/403) is the confirmation; anything else is not.
      if (!isCompanionError(error, 'garmin_rejected')) {
        // Garmin cannot say now; the next use of the token will tell (invalid_grant → reconnect).
        logger.log('warn', 'relay.deregistration_unchecked', { code: isCompanionError(error) ? error.code : 'unexpected' });
        return;
      }
    }
    const now = clock.now();
    accounts.markReauthRequired(profileId, 'deregistered', now);
    audit.append(profileId, now, 'account.reauth_required', { reason: 'deregistered' });
    logger.log('warn', 'token.reauth_required', { reason: 'deregistered' });
    await vault.remove(account.keychainKey).catch(() => undefined);
  };
  const relaySync =
    config.dataDelivery === 'relay' && config.serverUrl
      ? new RelaySync({
          training,
          relay: relayRepo,
          serverUrl: config.serverUrl,
          apiUrl: config.garmin.apiUrl,
          fetch: deps.fetch ?? fetch,
          timeoutMs: config.httpTimeoutMs,
          token: async (force) => (await tokens.getAccessToken(profileId, { forceRefresh: force })).accessToken,
          onDeregistered,
          permissions: () => accounts.get(profileId)?.permissions ?? [],
          clock,
          logger,
          sleep,
        })
      : null;

  /** Parses a data route's query with the shared schema; anything malformed is a 400 bad_request, never a 500. */
  const query = <T>(url: URL, keys: readonly string[], schema: z.ZodType<T>): T => {
    const input = searchParamsInput(url.searchParams, keys);
    const parsed = input.ok ? parseQuery(schema, input.value) : input;
    if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
    return parsed.value;
  };
  const dataRoute = (url: URL): Promise<unknown> | null => {
    const defaults = { today: localToday(), days: DEFAULT_RANGE_DAYS };
    switch (url.pathname) {
      case '/v1/activities':
        return Promise.resolve(companion.data.activities(query(url, ['from', 'to', 'type', 'limit'], activitiesQuery(defaults))));
      case '/v1/dailies':
        return Promise.resolve(companion.data.dailies(query(url, ['from', 'to'], dateRange(defaults))));
      case '/v1/sleeps':
        return Promise.resolve(companion.data.sleeps(query(url, ['from', 'to'], dateRange(defaults))));
      case '/v1/summary/weekly':
        return Promise.resolve(companion.data.weekly(query(url, ['weeks'], weeklyQuery).weeks));
      case '/v1/hrv':
        return Promise.resolve(companion.data.hrv(query(url, ['from', 'to'], dateRange(defaults))));
      case '/v1/metrics':
        return Promise.resolve(companion.data.metrics(query(url, ['from', 'to'], dateRange(defaults))));
      default:
        return null;
    }
  };
  backend.route = (_grant, url) => dataRoute(url);

  // Stateless HTTP sends the client's name only at initialize; later calls of the same grant are counted under it.
  const mcpClientNames = new Map<string, string>();
  // Imported once: an import() per request costs a module resolution each time.
  const loadMcp = () => import('./mcp/mcp-server.js');
  let mcpModule: ReturnType<typeof loadMcp> | null = null;
  backend.mcp = async (grant, request) => {
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
    return answerMcpHttp(mcpDeps(), { transport: 'http', grant: grant.name, grantId: grant.id, clientName: () => mcpClientNames.get(grant.id) }, request);
  };
  backend.mcpDirect = async (grant, input) => {
    const { answerMcpDirect } = await (mcpModule ??= loadMcp());
    return answerMcpDirect(mcpDeps(), { transport: 'http', grant: grant.name, grantId: grant.id, clientName: () => mcpClientNames.get(grant.id) }, input);
  };
  // One object for the process: the MCP module keeps read-only answers per deps.
  let mcpDepsValue: McpDeps | null = null;
  const mcpDeps = (): McpDeps => (mcpDepsValue ??= {
    status: () => companion.status(),
    data: companion.data,
    sync: (options) => companion.sync(options),
    today: localToday,
    version: VERSION,
    clock,
    logger,
    recordCall: (call) => usage.toolCall(call),
    dataVersion: () => DbVersion.of(db).current(),
  });

  const startEndpoint = async (port: number, limits?: Partial<AgentHttpLimits>) => (await import('./agent/agent-server.js')).startAgentServer(backend, { port, logger, limits });

  const companion: Companion = {
    config,

    async signIn(options = {}) {
      if (signInRunning) throw new CompanionError('sign_in_in_progress', 'A Garmin sign-in is already waiting for the browser. Finish or cancel it first.');
      signInRunning = true;
      try {
        await vault.checkWritable();
        const { signIn } = await import('./auth/sign-in.js');
        return await signIn(
          { db, accounts, sessions, audit, vault, garmin: await garmin(), browser: deps.browser, clock, logger, redirect: config.garmin.redirect },
          {
            profileId,
            timeoutMs: options.timeoutMs ?? config.signInTimeoutSeconds * 1000,
            openBrowser: options.openBrowser ?? true,
            signal: options.signal,
            onStep: options.onStep,
          },
        );
      } finally {
        signInRunning = false;
      }
    },

    status() {
      const account = accounts.get(profileId);
      const now = clock.now();
      return {
        configured: Boolean(config.garmin.clientId),
        connected: account?.status === 'connected',
        state: account ? account.status : 'not_connected',
        garminUserId: account?.garminUserId ?? null,
        permissions: account?.permissions ?? [],
        scope: account?.scope ?? null,
        connectedAt: iso(account?.connectedAt ?? null),
        accessTokenExpiresAt: iso(account?.accessTokenExpiresAt ?? null),
        refreshTokenExpiresAt: iso(account?.refreshTokenExpiresAt ?? null),
        refreshTokenExpiresSoon: account?.refreshTokenExpiresAt != null && account.refreshTokenExpiresAt - now < REFRESH_TOKEN_WARNING_MS,
        lastRefreshAt: iso(account?.refreshedAt ?? null),
        lastError: account?.lastErrorCode ? { code: account.lastErrorCode, at: iso(account.lastErrorAt ?? now)! } : null,
        sync: syncStatus(),
        link: linkView(),
      };
    },

    getAccessToken(options = {}) {
      return tokens.getAccessToken(profileId, options);
    },

    async linkRoute() {
      if (hasClientSecret === undefined && config.garmin.clientId) {
        try {
          hasClientSecret = (await secrets.get(clientSecretKeyFor(config.garmin.clientId))) !== null;
        } catch {
          // An unreachable keychain is reported where it matters (sign-in, token); here it means "unknown".
        }
      }
      return linkView();
    },

    async disconnect(options = {}) {
      const keepData = options.keepData === true;
      const account = accounts.get(profileId);
      if (!account) {
        if (!keepData) training.deleteAll();
        return { wasConnected: false, dataKept: keepData, garminUserId: null, deregisteredAtGarmin: false, garminError: null };
      }
      let deregisteredAtGarmin = false;
      let garminError: DisconnectResult['garminError'] = null;
      if (relaySync && account.status === 'connected') {
        // While the token still works: the relay drops everything it holds for this runner.
        await relaySync.forget().catch((error: unknown) => logger.log('warn', 'relay.forget_failed', { code: isCompanionError(error) ? error.code : 'unexpected' }));
      }
      try {
        const token = await tokens.getAccessToken(profileId);
        await (await garmin()).deleteRegistration(token.accessToken);
        deregisteredAtGarmin = true;
      } catch (error) {
        const failure = isCompanionError(error) ? error : new CompanionError('garmin_unreachable', 'Garmin could not be told.', { cause: error });
        garminError = failure.toJSON();
        logger.log('warn', 'account.deregister_failed', { code: failure.code });
      }
      await vault.remove(account.keychainKey);
      db.transaction(() => {
        accounts.remove(profileId);
        relayRepo.reset();
        if (!keepData) training.deleteAll();
        audit.append(profileId, clock.now(), 'account.disconnected', {
          garminUserId: account.garminUserId,
          deregisteredAtGarmin,
          garminError: garminError?.code ?? null,
          dataKept: keepData,
        });
      })();
      logger.log('info', 'account.disconnected', { deregisteredAtGarmin, dataKept: keepData });
      return { wasConnected: true, dataKept: keepData, garminUserId: account.garminUserId, deregisteredAtGarmin, garminError };
    },

    async setClientSecret(secret) {
      const clientId = requireClientId();
      await secrets.set(clientSecretKeyFor(clientId), secret);
      garminClient = null;
      hasClientSecret = true;
      audit.append(null, clock.now(), 'client_secret.stored', { source: 'cli' });
    },

    async clearClientSecret() {
      const clientId = requireClientId();
      const removed = await secrets.delete(clientSecretKeyFor(clientId));
      garminClient = null;
      hasClientSecret = config.garmin.clientSecretFromEnv !== undefined;
      if (removed) audit.append(null, clock.now(), 'client_secret.cleared', {});
      return removed;
    },

    async sync(options = {}) {
      const account = accounts.get(profileId);
      if (!account) throw new CompanionError('not_connected', 'No Garmin account is linked. Run `r42-companion login` first.');
      if (account.status === 'reauth_required') throw new CompanionError('reauth_required', 'Garmin needs you to reconnect before data can sync. Run `r42-companion login`.');
      const days = options.days ?? config.sync.backfillDays;
      if (!relaySync) return engine.run({ days, signal: options.signal, onProgress: options.onProgress });
      const owner = randomUUID();
      if (!syncLeases.tryAcquire(profileId, owner, process.pid, clock.now(), 5 * 60_000, isProcessAlive)) {
        throw new CompanionError('sync_in_progress', 'Another R42 Companion process is syncing Garmin data right now; it will finish the job.');
      }
      try {
        return await relaySync.run({ days, garminUserId: account.garminUserId, waitSeconds: options.waitSeconds, signal: options.signal, onProgress: options.onProgress });
      } finally {
        syncLeases.release(profileId, owner);
      }
    },

    data: {
      activities: (query) => ({ data: training.activities(query.from, query.to, query.type, query.limit), ...freshness() }),
      dailies: (query) => ({ data: training.dailies(query.from, query.to), ...freshness() }),
      sleeps: (query) => ({ data: training.sleeps(query.from, query.to), ...freshness() }),
      weekly: (weeks, today = localToday()) => ({ data: training.weeklySummary(weeks, today), ...freshness() }),
      hrv: (query) => ({ data: training.hrv(query.from, query.to), ...freshness() }),
      metrics: (query) => ({ data: training.userMetrics(query.from, query.to), ...freshness() }),
    },

    async mcpServer(caller) {
      // Loaded on first use: `token`, which scripts run many times, starts without the MCP SDK.
      const { createMcpServer } = await import('./mcp/mcp-server.js');
      return createMcpServer(mcpDeps(), caller);
    },

    auditLog(limit) {
      usage.flush();
      return audit.list(limit);
    },

    agents: {
      add(name) {
        const created = grants.create(name, 'named', clock.now());
        audit.append(profileId, clock.now(), 'agent.grant_created', { grant: name });
        return created;
      },
      list: () => {
        usage.flush();
        return grants.list();
      },
      revoke(name) {
        const revoked = grants.revoke(name, clock.now());
        if (revoked) audit.append(profileId, clock.now(), 'agent.grant_revoked', { grant: name });
        return revoked;
      },
    },

    async serveAgents(options = {}) {
      const home = config.paths.home;
      const releaseLock = acquireServeLock(home, process.pid, isProcessAlive);
      let server: Awaited<ReturnType<typeof startEndpoint>> | undefined;
      let ownerGrantId: string | undefined;
      try {
        server = await (options.port !== undefined
          ? startEndpoint(options.port, options.http)
          : startOnStablePort((port) => startEndpoint(port, options.http), { home, configuredPort: config.agentPort, logger }));
        // Grants of processes that crashed (an earlier serve, a killed `run --`) end now, not at first use.
        grants.revokeOrphans(clock.now());
        const owner = grants.create(`owner-${process.pid}-${Date.now().toString(36)}`, 'owner', clock.now(), process.pid);
        ownerGrantId = owner.grant.id;
        writeAgentFile(home, { url: server.url, token: owner.secret, pid: process.pid });
      } catch (error) {
        await server?.close();
        if (ownerGrantId) grants.revokeById(ownerGrantId, clock.now());
        releaseLock();
        throw error;
      }
      const scheduler = new TokenScheduler({
        clock,
        logger,
        refreshMarginSeconds: config.refreshMarginSeconds,
        tickMs: options.schedulerTickMs,
        onCheck: options.onCheck,
        accessTokenExpiresAt: () => {
          const account = accounts.get(profileId);
          return account?.status === 'connected' ? account.accessTokenExpiresAt : null;
        },
        refresh: async () => {
          // No extra validity asked: more than the margin would refresh a short-lived token at every tick.
          await tokens.getAccessToken(profileId);
        },
      });
      scheduler.start();
      const checkpoints = startBackgroundCheckpoints(db, config.paths.database, logger);
      // Hand-outs, refusals and wrong-state callbacks are frequent (an agent may ask every minute, any
      // local program can send callbacks); they are kept 30 days. Sign-ins, refreshes, grants and
      // disconnects are kept for good.
      const pruneAudit = () => audit.prune(['agent.token_issued', 'agent.request_refused', 'mcp.tool_called', 'sign_in.callback_rejected'], clock.now() - AUDIT_HAND_OUT_RETENTION_MS);
      pruneAudit();
      const pruneTimer = setInterval(pruneAudit, 24 * 3600_000);
      pruneTimer.unref();
      // With the relay, each pass long-polls (new data reaches an open app within seconds) and the
      // next pass starts right after; pulling waits for the interval.
      const syncScheduler = new SyncScheduler(
        (signal) => companion.sync({ signal, ...(relaySync ? { waitSeconds: RELAY_LONG_POLL_SECONDS } : {}) }),
        () => accounts.get(profileId)?.status === 'connected',
        logger,
        options.syncIntervalMs ?? config.sync.intervalMs,
        relaySync ? 100 : undefined,
      );
      let firstSyncWatch: NodeJS.Timeout | null = null;
      if (options.syncOnStart !== false) {
        syncScheduler.start();
        // A link made elsewhere (the CLI, another window) gets its history without waiting for the interval.
        firstSyncWatch = setInterval(() => {
          if (accounts.get(profileId)?.status === 'connected' && training.streams().length === 0) void syncScheduler.now().catch(() => undefined);
        }, 30_000);
        firstSyncWatch.unref();
      }
      audit.append(profileId, clock.now(), 'agent.endpoint_started', { url: server.url });
      logger.log('info', 'agent.endpoint_started', { url: server.url });
      const running = server;
      let stopped: Promise<void> | null = null;
      return {
        url: running.url,
        async resume() {
          await scheduler.resume();
          void syncScheduler.now().catch(() => undefined);
        },
        syncNow: () => syncScheduler.now(),
        setPaused(paused) {
          if (paused === agentsPaused) return;
          agentsPaused = paused;
          audit.append(profileId, clock.now(), paused ? 'agent.paused' : 'agent.resumed', {});
          logger.log('info', paused ? 'agent.paused' : 'agent.resumed', {});
        },
        isPaused: () => agentsPaused,
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
    },

    runningEndpointUrl() {
      const running = readAgentFile(config.paths.home);
      return running && isProcessAlive(running.pid) ? running.url : null;
    },

    async grantForChild() {
      const name = `run-${process.pid}-${Date.now().toString(36)}`;
      const running = readAgentFile(config.paths.home);
      const live = running && running.pid !== process.pid && isProcessAlive(running.pid) ? running : null;
      const server = live ? null : await startEndpoint(0);
      const { secret, grant } = grants.create(name, 'run', clock.now(), process.pid);
      audit.append(profileId, clock.now(), 'agent.grant_created', { grant: name });
      return {
        url: live ? live.url : server!.url,
        secret,
        async end() {
          grants.revokeById(grant.id, clock.now());
          audit.append(profileId, clock.now(), 'agent.grant_revoked', { grant: name });
          await server?.close();
        },
      };
    },

    close() {
      usage.flush();
      db.close();
    },
  };
  return companion;
}
