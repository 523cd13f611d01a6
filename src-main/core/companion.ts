import { randomUUID } from 'node:crypto';
import { agentSocketPath, readAgentFile } from './agent/agent-file.js';
import type { AgentHandOuts } from './agent/agent-backend.js';
import type { AgentDaemonOptions, AgentService } from './agent/agent-daemon.js';
import type { AgentHttpLimits } from './agent/agent-server.js';
import { AgentGrants, type GrantInfo } from './agent/grants.js';
import { UsageRecorder } from './agent/usage-recorder.js';
import { GarminPullSource, type DataSource } from './sync/data-source.js';
import { SyncEngine, type SyncProgress, type SyncResult } from './sync/sync-engine.js';
import { RelaySync } from './sync/relay-sync.js';
import { createSyncStatus } from './sync/sync-status.js';
import { createCoaching, type Coaching } from './coaching/coaching-service.js';
import type { FitImports } from './fit/fit-imports.js';
import { TrainingRepo } from './store/training-repo.js';
import { localDate } from '../../src-common/dates.js';
import type { ConnectionStatus, DisconnectResult, LinkView } from '../../src-common/contract.js';
import { createDataService, type DataQueries } from './data/data-service.js';
import type { CompanionMcpServer, McpCaller, McpDeps } from './mcp/mcp-server.js';
import { VERSION } from './version.js';
import { tokenRoute, type CompanionConfig } from './config.js';
import { CompanionError, isCompanionError } from './errors.js';
import type { GarminClient } from './garmin/garmin-client.js';
import { resolveClientSecret } from './auth/client-secret.js';
import type { SignInResult, SignInStep } from './auth/sign-in.js';
import { runRefreshHelper, type RefreshHelperLauncher } from './auth/refresh-helper.js';
import { isProcessAlive, TokenManager, type AccessToken } from './auth/token-manager.js';
import { clientSecretKeyFor, TokenVault } from './auth/token-vault.js';
import { systemClock, silentLogger, type BrowserLauncher, type Clock, type Fetch, type Logger, type SecretStore } from './ports.js';
import { openDatabase, type Database } from './store/database.js';
import { DbVersion } from './store/db-version.js';
import { RelayRepo } from './store/relay-repo.js';
import { secureDataFolder } from './store/data-folder.js';
import { AccountsRepo, AuditRepo, DEFAULT_PROFILE_ID, RefreshLocksRepo, SignInSessionsRepo, type AuditEntry } from './store/repos.js';
import { WorkoutsRepo } from './store/workouts-repo.js';
import { GarminTrainingApi } from './garmin/training-api.js';
import { createWorkouts, type Workouts } from './workouts/workout-service.js';

// The answer shapes live in src-common/contract.ts; these names stay importable from the facade.
export type { ActivityView, ConnectionStatus, DisconnectResult, Freshness, LinkView, SyncStatus, TokenPayload, WeekSummary } from '../../src-common/contract.js';
export type { AgentService } from './agent/agent-daemon.js';

/** Warn this long before the refresh token's own end (about 90 days after the last sign-in). */
export const REFRESH_TOKEN_WARNING_MS = 14 * 24 * 3600 * 1000;
/** How long the app's and `serve`'s relay pass waits for new notifications before asking again. */
export const RELAY_LONG_POLL_SECONDS = 25;

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
  // Built on first use: its statements are prepared then, not by every command that opens the companion.
  let coachingValue: Coaching | null = null;
  const coaching = (): Coaching => (coachingValue ??= createCoaching({ db, config, clock, profileId: DEFAULT_PROFILE_ID }));
  const syncLeases = new RefreshLocksRepo(db, 'sync_leases');
  // Loaded on first use: Garmin's FIT SDK and the zip reader are for imports only.
  let fitImports: Promise<FitImports> | null = null;
  const imports = () =>
    (fitImports ??= import('./fit/fit-imports.js').then((m) => m.createFitImports({ db, training, clock, logger, tmpDir: `${config.paths.home}/import-tmp` })));
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
    refreshHelper: deps.refreshHelper && {
      // Only a direct request to Garmin with the runner's own secret: R42's broker replays a
      // rotation its asker did not live to store, so that path refreshes in this process.
      applies: async () => {
        await garmin();
        return tokenRoute(config, hasClientSecret === true).via === 'own_developer_app';
      },
      run: (profile, owner) => runRefreshHelper(deps.refreshHelper!, profile, owner, config.httpTimeoutMs * 8 + 10_000),
    },
  });

  let signInRunning = false;
  const grants = new AgentGrants(db, profileId, isProcessAlive);
  const usage = new UsageRecorder(db, audit, grants, profileId, logger);

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
    // Confirmed: the relay stops delivering here (it still knows the token for up to an hour), and
    // drops what it holds once the runner's last computer has heard.
    await relaySync?.forget().catch(() => logger.log('warn', 'relay.forget_failed', { code: 'after_deregistration' }));
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

  const syncState = createSyncStatus({
    streams: () => training.streams(),
    pullRunning: () => syncLeases.isHeld(profileId, clock.now(), isProcessAlive),
    relay: relaySync ? { busy: () => relaySync.busy, progress: () => relaySync.backfillProgress(), state: () => relayRepo.state() } : null,
    delivery: config.dataDelivery,
    staleAfterMs: config.sync.staleAfterMs,
    clock,
  });
  const data = createDataService({ training, coaching, freshness: () => syncState.freshness(), today: localToday });

  const workouts = createWorkouts({
    repo: new WorkoutsRepo(db, profileId),
    audit,
    profileId,
    clock,
    logger,
    pid: process.pid,
    isProcessAlive,
    // Straight to Garmin's API origin with the runner's token, on both link paths: R42's server never sees a workout.
    trainingApi: async () =>
      new GarminTrainingApi({
        apiUrl: config.garmin.apiUrl,
        fetch: deps.fetch ?? fetch,
        timeoutMs: config.httpTimeoutMs,
        token: async (force) => (await tokens.getAccessToken(profileId, { forceRefresh: force })).accessToken,
        sleep,
        logger,
      }),
    permissions: () => accounts.get(profileId)?.permissions ?? null,
    today: localToday,
    freshness: () => syncState.freshness(),
    planVsDone: () => null,
  });

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

  // What the agent endpoint asks of this companion: made when an endpoint first starts (never on `token`'s path), one per companion.
  let handOuts: Promise<AgentHandOuts> | null = null;
  const agentHandOuts = () =>
    (handOuts ??= import('./agent/agent-backend.js').then(({ createAgentBackend }) =>
      createAgentBackend({ grants, usage, tokens, profileId, clock, status: () => companion.status(), api: { data: companion.data, today: localToday }, mcpDeps }),
    ));
  const startEndpoint = async (port: number, limits?: Partial<AgentHttpLimits>, socketPath?: string | null) => {
    const [{ startAgentServer }, { backend }] = await Promise.all([import('./agent/agent-server.js'), agentHandOuts()]);
    return startAgentServer(backend, { port, logger, limits, socketPath });
  };

  /**
   * The account's last error; a refresh cut off by the death of the process making it comes first:
   * the link may be lost, and status must not say all is well until a refresh has told.
   */
  const lastError = (account: ReturnType<typeof accounts.get>, now: number): ConnectionStatus['lastError'] => {
    const interrupted = account?.status === 'connected' ? tokens.interruptedRefresh(profileId) : null;
    if (interrupted !== null) return { code: 'refresh_interrupted', at: iso(interrupted)! };
    return account?.lastErrorCode ? { code: account.lastErrorCode, at: iso(account.lastErrorAt ?? now)! } : null;
  };

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
        permissions: [...(account?.permissions ?? [])],
        scope: account?.scope ?? null,
        connectedAt: iso(account?.connectedAt ?? null),
        accessTokenExpiresAt: iso(account?.accessTokenExpiresAt ?? null),
        refreshTokenExpiresAt: iso(account?.refreshTokenExpiresAt ?? null),
        refreshTokenExpiresSoon: account?.refreshTokenExpiresAt != null && account.refreshTokenExpiresAt - now < REFRESH_TOKEN_WARNING_MS,
        lastRefreshAt: iso(account?.refreshedAt ?? null),
        lastError: lastError(account, now),
        sync: syncState.status(),
        link: linkView(),
      };
    },

    getAccessToken(options = {}) {
      return tokens.getAccessToken(profileId, options);
    },

    refreshAsHelper(owner) {
      return tokens.refreshAsHelper(profileId, owner);
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
        return { wasConnected: false, dataKept: keepData, garminUserId: null, deregisteredAtGarmin: false, garminError: null, otherComputers: 0, othersLastSeenAt: null };
      }
      let deregisteredAtGarmin = false;
      let garminError: DisconnectResult['garminError'] = null;
      let otherComputers = 0;
      let othersLastSeenAt: string | null = null;
      if (relaySync && account.status === 'connected') {
        // While the token still works: the relay stops delivering here, and drops everything it
        // holds for this runner when this is their last computer.
        try {
          const forgotten = await relaySync.forget();
          otherComputers = forgotten.computersLeft;
          othersLastSeenAt = forgotten.othersLastSeenAt;
        } catch (error) {
          // The relay cannot say now: its last count of this runner's computers decides.
          otherComputers = Math.max(0, (relayRepo.state().computers ?? 1) - 1);
          logger.log('warn', 'relay.forget_failed', { code: isCompanionError(error) ? error.code : 'unexpected', other_computers: otherComputers });
        }
      }
      // Garmin's registration is the runner's, not this computer's: deleting it ends every
      // computer's link, so only the last one to disconnect deletes it.
      if (otherComputers === 0) {
        try {
          const token = await tokens.getAccessToken(profileId);
          await (await garmin()).deleteRegistration(token.accessToken);
          deregisteredAtGarmin = true;
        } catch (error) {
          const failure = isCompanionError(error) ? error : new CompanionError('garmin_unreachable', 'Garmin could not be told.', { cause: error });
          garminError = failure.toJSON();
          logger.log('warn', 'account.deregister_failed', { code: failure.code });
        }
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
          otherComputers,
        });
      })();
      logger.log('info', 'account.disconnected', { deregisteredAtGarmin, dataKept: keepData, otherComputers });
      return { wasConnected: true, dataKept: keepData, garminUserId: account.garminUserId, deregisteredAtGarmin, garminError, otherComputers, othersLastSeenAt };
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

    data,

    imports: {
      importPaths: async (paths, options) => (await imports()).importPaths(paths, options),
      importBytes: async (files, options) => (await imports()).importBytes(files, options),
      importFromWatch: async (roots, options) => (await imports()).importFromWatch(roots, options),
    },
    workouts,

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
      const [{ startAgentDaemon }, agentSide] = await Promise.all([import('./agent/agent-daemon.js'), agentHandOuts()]);
      return startAgentDaemon(
        {
          home: config.paths.home,
          configuredPort: config.agentPort,
          db,
          databasePath: config.paths.database,
          grants,
          usage,
          audit,
          profileId,
          clock,
          logger,
          refreshMarginSeconds: config.refreshMarginSeconds,
          syncIntervalMs: config.sync.intervalMs,
          relay: relaySync !== null,
          handOuts: agentSide,
          startEndpoint,
          accessTokenExpiresAt: () => {
            const account = accounts.get(profileId);
            return account?.status === 'connected' ? account.accessTokenExpiresAt : null;
          },
          // No extra validity asked: more than the margin would refresh a short-lived token at every tick.
          refreshToken: async () => void (await tokens.getAccessToken(profileId)),
          isConnected: () => accounts.get(profileId)?.status === 'connected',
          hasNoData: () => training.streams().length === 0,
          // With the relay each pass long-polls: new data reaches an open app within seconds.
          sync: (signal) => companion.sync({ signal, ...(relaySync ? { waitSeconds: RELAY_LONG_POLL_SECONDS } : {}) }),
        },
        options,
      );
    },

    runningEndpointUrl() {
      const running = readAgentFile(config.paths.home);
      return running && isProcessAlive(running.pid) ? running.url : null;
    },

    async grantForChild() {
      const name = `run-${process.pid}-${Date.now().toString(36)}`;
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

    close() {
      usage.flush();
      db.close();
    },
  };
  return companion;
}
