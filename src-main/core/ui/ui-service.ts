import { CompanionError, isCompanionError } from '../errors.js';
import { defaultWatchRoots } from '../fit/watch-finder.js';
import type { AgentService, Companion } from '../companion.js';
import type { ArgsOf, Channel, ResultOf, SignInView, ViewState } from '../../../src-common/ipc-contract.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The desktop app's settings as the UI changes them; the shell applies start-at-login to the OS. */
export interface DesktopSettingsPort {
  get(): ResultOf<'companion:settings.get'>;
  setOpenAtLogin(openAtLogin: boolean): ResultOf<'companion:settings.set'>;
}

/** Where no shell can start the app at login (the web transport), the switch says so instead. */
const NO_DESKTOP_SETTINGS: DesktopSettingsPort = {
  get: () => ({ openAtLogin: false, openAtLoginAvailable: false }),
  setOpenAtLogin: () => {
    throw new CompanionError('usage', 'Starting at login can be set only in the desktop app.');
  },
};

/**
 * What the desktop UI can do, on the real core, whatever carries it (Electron IPC or the loopback
 * web transport). Holds the sign-in in progress and tells subscribers whenever the view changes:
 * a sign-in step, a background refresh, a disconnect from the CLI.
 */
export class UiService {
  private signIn: SignInView = { kind: 'idle' };
  private abort: AbortController | null = null;
  private readonly listeners = new Set<(state: ViewState) => void>();
  private lastSent = '';
  private poller: NodeJS.Timeout | null = null;

  constructor(
    private readonly companion: Companion,
    private readonly agentService: () => AgentService | null,
    private readonly options: { pollMs?: number; settings?: DesktopSettingsPort; /** Where Import from watch looks (a test's fake volume); the OS's mount roots by default. */ watchRoots?: readonly string[] } = {},
  ) {}

  state(): ViewState {
    const connection = this.companion.status();
    const sync = {
      ...connection.sync,
      streams: connection.sync.streams.map((st) => ({ ...st })),
      backfill: { ...connection.sync.backfill },
      relay: connection.sync.relay ? { ...connection.sync.relay } : null,
    };
    return { connection: { ...connection, permissions: [...connection.permissions], sync, link: { ...connection.link } }, signIn: this.signIn, agentEndpoint: { url: this.agentService()?.url ?? this.companion.runningEndpointUrl() } };
  }

  subscribe(listener: (state: ViewState) => void): () => void {
    this.listeners.add(listener);
    if (!this.poller) {
      // Changes made elsewhere (the scheduler, the CLI, another process) show up within pollMs.
      this.poller = setInterval(() => this.emit(), this.options.pollMs ?? 2_000);
      this.poller.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.poller) {
        clearInterval(this.poller);
        this.poller = null;
      }
    };
  }

  /** Sends the current state to subscribers when it differs from what they last got. */
  emit(): void {
    const state = this.state();
    const text = JSON.stringify(state);
    if (text === this.lastSent) return;
    this.lastSent = text;
    for (const listener of this.listeners) listener(state);
  }

  private setSignIn(view: SignInView): void {
    this.signIn = view;
    this.emit();
  }

  async connect(): Promise<ResultOf<'companion:auth.connect'>> {
    if (this.abort) throw new CompanionError('sign_in_in_progress', 'A Garmin sign-in is already waiting for your browser. Finish or cancel it first.');
    const abort = new AbortController();
    this.abort = abort;
    try {
      const result = await this.companion.signIn({
        signal: abort.signal,
        onStep: (step) => {
          switch (step.kind) {
            case 'waitingForBrowser':
              // The address goes to the runner's own window only (see signInViewSchema), never to a log.
              return this.setSignIn({ kind: 'waitingForBrowser', expiresAt: new Date(step.expiresAt).toISOString(), browserOpened: step.browserOpened, authorizeUrl: step.authorizeUrl });
            case 'exchanging':
              return this.setSignIn({ kind: 'exchanging' });
            case 'connected':
              return this.setSignIn({ kind: 'connected', garminUserId: step.garminUserId, permissions: [...step.permissions] });
            case 'failed':
              return this.setSignIn({ kind: 'failed', error: step.error });
            case 'idle':
              return this.setSignIn({ kind: 'idle' });
          }
        },
      });
      // First link: start loading the history right away.
      void this.agentService()?.syncNow().catch(() => undefined);
      return { garminUserId: result.garminUserId, permissions: [...result.permissions] };
    } catch (error) {
      const failure = isCompanionError(error) ? error : new CompanionError('storage_error', 'The sign-in failed unexpectedly. Try again.');
      this.setSignIn({ kind: 'failed', error: failure.toJSON() });
      throw failure;
    } finally {
      this.abort = null;
      this.emit();
    }
  }

  cancel(): null {
    this.abort?.abort();
    return null;
  }

  async disconnect(args: ArgsOf<'companion:auth.disconnect'>): Promise<ResultOf<'companion:auth.disconnect'>> {
    const result = await this.companion.disconnect({ keepData: args.keepData });
    this.setSignIn({ kind: 'idle' });
    return { ...result, garminError: result.garminError ? { ...result.garminError } : null };
  }

  /** Syncs through the daemon's scheduler when this process runs one, else directly. */
  async syncNow(): Promise<ResultOf<'companion:sync.now'>> {
    const running = this.agentService();
    const progress = setInterval(() => this.emit(), 500);
    try {
      const result = running ? await running.syncNow() : await this.companion.sync({ onProgress: () => undefined });
      if (!result) return { outcome: 'not_connected', windows: 0, stored: 0, skipped: 0, permissionMissing: [] };
      return { ...result, permissionMissing: [...result.permissionMissing] };
    } finally {
      clearInterval(progress);
      this.emit();
    }
  }

  /** Loads a longer history: after the sync under way (the scheduler's, which it would collide with), with the days asked for. */
  async loadHistory(args: ArgsOf<'companion:sync.history'>): Promise<ResultOf<'companion:sync.history'>> {
    await this.agentService()?.syncNow().catch(() => undefined);
    const progress = setInterval(() => this.emit(), 500);
    try {
      const result = await this.companion.sync({ days: args.days, onProgress: () => undefined });
      return { ...result, permissionMissing: [...result.permissionMissing] };
    } finally {
      clearInterval(progress);
      this.emit();
    }
  }

  listAgents(): ResultOf<'companion:agents.list'> {
    return this.companion.agents.list().map((g) => ({ name: g.name, kind: g.kind, createdAt: iso(g.createdAt)!, lastUsedAt: iso(g.lastUsedAt), useCount: g.useCount }));
  }

  addAgent(args: ArgsOf<'companion:agents.add'>): ResultOf<'companion:agents.add'> {
    const { secret } = this.companion.agents.add(args.name);
    return { name: args.name, secret };
  }

  revokeAgent(args: ArgsOf<'companion:agents.revoke'>): ResultOf<'companion:agents.revoke'> {
    return { revoked: this.companion.agents.revoke(args.name) };
  }

  audit(args: ArgsOf<'companion:audit.list'>): ResultOf<'companion:audit.list'> {
    return this.companion.auditLog(args.limit).map((e) => ({ id: e.id, at: new Date(e.at).toISOString(), event: e.event, detail: { ...e.detail } }));
  }

  /** The handler of each channel. */
  handlers(): { [C in Channel]: (args: ArgsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> } {
    return {
      'companion:state.get': () => this.state(),
      'companion:auth.connect': () => this.connect(),
      'companion:auth.cancel': () => this.cancel(),
      'companion:auth.disconnect': (args) => this.disconnect(args),
      'companion:sync.now': () => this.syncNow(),
      'companion:sync.history': (args) => this.loadHistory(args),
      // The newest ones, whatever the date: local dates may run ahead of UTC.
      'companion:data.activities': (args) => this.companion.data.activities({ from: '0000-01-01', to: '9999-12-31', limit: args.limit }),
      'companion:data.weekly': (args) => this.companion.data.weekly(args.weeks),
      // The coaching figures, as the agent endpoint serves them (the core's readonly answers, frozen by the result parse).
      'companion:data.activity': (args) => this.companion.data.activity(args.id, { unit: args.unit }),
      'companion:data.trainingLoad': (args) => this.companion.data.trainingLoad({ from: args.from, to: args.to }),
      'companion:data.trends': (args) => this.companion.data.trends({ from: args.from, to: args.to }),
      'companion:data.records': () => this.companion.data.records(),
      'companion:data.hrProfile': () => this.companion.data.hrProfile(),
      'companion:import.file': (args) => this.companion.imports.importBytes([{ name: args.name, bytes: Buffer.from(args.data, 'base64') }]),
      'companion:import.watch': () => this.companion.imports.importFromWatch(this.options.watchRoots ?? defaultWatchRoots(process.platform)),
      'companion:workouts.list': (args) => this.companion.workouts.recent(args.limit),
      'companion:workouts.approve': (args) => this.companion.workouts.approve(args.id, { via: 'app' }),
      'companion:workouts.reject': (args) => this.companion.workouts.reject(args.id, { via: 'app' }),
      'companion:workouts.forActivity': (args) => this.companion.workouts.forActivity(args.id),
      'companion:agents.list': () => this.listAgents(),
      'companion:agents.add': (args) => this.addAgent(args),
      'companion:agents.revoke': (args) => this.revokeAgent(args),
      'companion:audit.list': (args) => this.audit(args),
      'companion:settings.get': () => (this.options.settings ?? NO_DESKTOP_SETTINGS).get(),
      'companion:settings.set': (args) => (this.options.settings ?? NO_DESKTOP_SETTINGS).setOpenAtLogin(args.openAtLogin),
    };
  }
}
