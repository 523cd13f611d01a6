/**
 * Where the core is put together (docs/architecture.md rule 2): the data folder, the database and
 * its repos, the keychain vault, the token manager and the services, built from the ports a host
 * passes in, and the Companion facade over them. The facade only composes: each of its methods is
 * a service's; the agent endpoint and the MCP server are built outside it, by the entry points
 * agent/agent-entry.ts and mcp/mcp-entry.ts, loaded on first use so that `token` loads neither.
 */
import { localDate } from '../../src-common/dates.js';
import { createAccountService } from './account/account-service.js';
import { createGarminLink } from './account/garmin-link.js';
import type { AgentEntry, AgentParts } from './agent/agent-entry.js';
import { runningEndpointUrl } from './agent/agent-file.js';
import { AgentGrants } from './agent/grants.js';
import { createGrantsService } from './agent/grants-service.js';
import { UsageRecorder } from './agent/usage-recorder.js';
import { runRefreshHelper } from './auth/refresh-helper.js';
import { isProcessAlive, TokenManager } from './auth/token-manager.js';
import { TokenVault } from './auth/token-vault.js';
import { activityIngest } from './coaching/activity-ingest.js';
import { createCoaching, type Coaching } from './coaching/coaching-service.js';
import type { Companion, CompanionDeps } from './companion.js';
import { createDataService } from './data/data-service.js';
import type { FitImports } from './fit/fit-imports.js';
import { GarminTrainingApi } from './garmin/training-api.js';
import { silentLogger, systemClock } from './ports.js';
import { secureDataFolder } from './store/data-folder.js';
import { openDatabase } from './store/database.js';
import { RelayRepo } from './store/relay-repo.js';
import { AccountsRepo, AuditRepo, DEFAULT_PROFILE_ID, RefreshLocksRepo, SignInSessionsRepo } from './store/repos.js';
import { TrainingRepo } from './store/training-repo.js';
import { WorkoutsRepo } from './store/workouts-repo.js';
import { createSyncService } from './sync/sync-service.js';
import { createWorkouts } from './workouts/workout-service.js';
import { createPlanReader } from './workouts/plan-reader.js';

/** Builds the one facade that the Electron shell, the CLI and the agent endpoint use. */
export function createCompanion(deps: CompanionDeps): Companion {
  const { config, secrets } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fetchPort = deps.fetch ?? fetch;
  const profileId = DEFAULT_PROFILE_ID;

  secureDataFolder(config.paths.home, logger);
  const db = openDatabase(config.paths.database);
  const accounts = new AccountsRepo(db);
  const audit = new AuditRepo(db);
  const training = new TrainingRepo(db, profileId, activityIngest);
  const relayRepo = new RelayRepo(db, profileId);
  const vault = new TokenVault(secrets);
  for (const origin of config.insecureHttpUrls) logger.log('warn', 'config.insecure_http', { origin });

  const link = createGarminLink({ config, secrets, audit, clock, fetch: fetchPort });
  const tokens = new TokenManager({
    accounts,
    audit,
    locks: new RefreshLocksRepo(db),
    vault,
    garmin: link.client,
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
      applies: () => link.ownDeveloperApp(),
      run: (profile, owner) => runRefreshHelper(deps.refreshHelper!, profile, owner, config.httpTimeoutMs * 8 + 10_000),
    },
  });
  const accessToken = async (force: boolean) => (await tokens.getAccessToken(profileId, { forceRefresh: force })).accessToken;

  const sync = createSyncService({
    config,
    training,
    relayRepo,
    accounts,
    leases: new RefreshLocksRepo(db, 'sync_leases'),
    profileId,
    isProcessAlive,
    token: accessToken,
    onDeregistered: () => account.confirmDeregistration(),
    dataSource: deps.dataSource,
    fetch: fetchPort,
    clock,
    logger,
    sleep,
    // The Activity API's activity files (the FIT file of each upload), through the same importer as a
    // file from the watch, awaited: imported before the relay page that brought them is committed.
    importActivityFile: async (name, bytes, activityId) => {
      await (await fit()).importBytes([{ name, bytes, activityId }], { source: 'activity_file' });
    },
  });
  const account = createAccountService({
    config,
    db,
    accounts,
    sessions: new SignInSessionsRepo(db),
    audit,
    vault,
    training,
    relayRepo,
    tokens,
    link,
    sync,
    browser: deps.browser,
    profileId,
    clock,
    logger,
  });

  // Built on first use: its statements are prepared then, not by every command that opens the companion.
  let coachingValue: Coaching | null = null;
  const coaching = (): Coaching => (coachingValue ??= createCoaching({ db, config, clock, profileId }));
  const today = () => localDate(clock.now());
  const data = createDataService({ training, coaching, freshness: sync.freshness, today });

  // Loaded on first use: the zip reader is for imports only, and Garmin's FIT SDK runs in the
  // importer's worker thread (fit/fit-decoder.ts), never on this one.
  let fitImports: Promise<FitImports> | null = null;
  const fit = () =>
    (fitImports ??= Promise.all([import('./fit/fit-imports.js'), import('./fit/fit-decoder.js')]).then(([m, d]) =>
      m.createFitImports({ db, training, clock, logger, tmpDir: `${config.paths.home}/import-tmp`, decoder: d.createWorkerDecoder({ script: deps.fitWorker, logger }) }),
    ));
  const imports: FitImports = {
    importPaths: async (paths, options) => (await fit()).importPaths(paths, options),
    importBytes: async (files, options) => (await fit()).importBytes(files, options),
    importFromWatch: async (roots, options) => (await fit()).importFromWatch(roots, options),
    close: async () => (await fitImports)?.close(),
  };

  const plans = createPlanReader({ training, coaching });
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
      new GarminTrainingApi({ apiUrl: config.garmin.apiUrl, fetch: fetchPort, timeoutMs: config.httpTimeoutMs, token: accessToken, sleep, logger, clock }),
    permissions: () => accounts.get(profileId)?.permissions ?? null,
    today,
    freshness: sync.freshness,
    planVsDone: (plan) => plans.compare(plan),
    activityDate: (id) => plans.activityDate(id),
  });

  const grants = new AgentGrants(db, profileId, isProcessAlive, clock);
  const usage = new UsageRecorder(db, audit, grants, profileId, logger);
  const { auditLog, ...agents } = createGrantsService({ grants, usage, audit, profileId, clock });

  const parts: AgentParts = {
    grants,
    usage,
    audit,
    tokens,
    db,
    profileId,
    clock,
    logger,
    relay: sync.relay !== null,
    accessTokenExpiresAt: () => {
      const linked = accounts.get(profileId);
      return linked?.status === 'connected' ? linked.accessTokenExpiresAt : null;
    },
    isConnected: () => accounts.get(profileId)?.status === 'connected',
    hasNoData: () => training.streams().length === 0,
  };
  let agentEntry: Promise<AgentEntry> | null = null;
  const agentSide = () => (agentEntry ??= import('./agent/agent-entry.js').then(({ createAgentEntry }) => createAgentEntry(companion, parts)));

  const companion: Companion = {
    config,
    signIn: (options) => account.signIn(options),
    status: () => account.status(),
    getAccessToken: (options = {}) => tokens.getAccessToken(profileId, options),
    refreshAsHelper: (owner) => tokens.refreshAsHelper(profileId, owner),
    linkRoute: () => link.route(),
    disconnect: (options) => account.disconnect(options),
    sync: (options) => sync.sync(options),
    data,
    imports,
    workouts,
    mcpServer: async (caller) => (await import('./mcp/mcp-entry.js')).companionMcpServer(companion, parts, caller),
    setClientSecret: (secret) => link.setClientSecret(secret),
    clearClientSecret: () => link.clearClientSecret(),
    auditLog,
    agents,
    serveAgents: async (options) => (await agentSide()).serve(options),
    grantForChild: async () => (await agentSide()).grantForChild(),
    runningEndpointUrl: () => runningEndpointUrl(config.paths.home, isProcessAlive),
    close() {
      usage.flush();
      // The FIT decoder's worker ends with the companion (it is never what keeps a process alive).
      void imports.close().catch(() => undefined);
      db.close();
    },
  };
  return companion;
}
