import { createKeytarSecretStore } from '../../src-main/adapters/keytar-secret-store.js';
import type { Companion, CompanionDeps } from '../../src-main/core/companion.js';
import { createCompanion } from '../../src-main/core/wiring.js';
import { loadConfig } from '../../src-main/core/config.js';
import { createFileLogger } from '../../src-main/core/logging.js';
import type { SignInResult, SignInStep } from '../../src-main/core/auth/sign-in.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { makeWorld, type World } from './harness.js';

/** A browser stand-in for in-process tests: it hands the authorize URL to the test. */
export class CapturingBrowser {
  private waiters: Array<(url: string) => void> = [];
  readonly opened: string[] = [];

  async open(url: string): Promise<void> {
    this.opened.push(url);
    for (const waiter of this.waiters.splice(0)) waiter(url);
  }

  next(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface CoreWorld extends World {
  readonly companion: Companion;
  readonly browser: CapturingBrowser;
  readonly steps: SignInStep[];
  /** A second companion on the same data folder, as another process would have. */
  another(overrides?: Partial<CompanionDeps>): Companion;
}

/** The real core on a real keychain, a real SQLite file and the simulator. */
export function makeCoreWorld(sim: GarminSimulator, env: Record<string, string> = {}, overrides: Partial<CompanionDeps> = {}): CoreWorld {
  const world = makeWorld(sim, env);
  const config = loadConfig(world.env);
  const browser = new CapturingBrowser();
  const build = (extra: Partial<CompanionDeps> = {}) =>
    createCompanion({
      config,
      secrets: createKeytarSecretStore(config.keychainService),
      browser,
      logger: createFileLogger(config.paths.logFile, 'debug'),
      ...overrides,
      ...extra,
    });
  const companion = build();
  const others: Companion[] = [];
  return {
    ...world,
    companion,
    browser,
    steps: [],
    another(extra) {
      const c = build(extra);
      others.push(c);
      return c;
    },
    async cleanup() {
      companion.close();
      for (const c of others) c.close();
      await world.cleanup();
    },
  };
}

/** Asks Garmin's authorize endpoint like a browser and returns where it redirects (the callback URL). */
export async function approveAtGarmin(authorizeUrl: string): Promise<URL> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`Garmin simulator answered ${response.status}`);
  return new URL(location);
}

/** Follows redirects by hand, like a browser, and returns the final status and page title. */
export async function browse(url: string | URL, init: { host?: string; method?: string } = {}): Promise<{ status: number; title: string; hops: string[] }> {
  let next: URL | null = new URL(url);
  const hops: string[] = [];
  let status = 0;
  let body = '';
  for (let i = 0; i < 5 && next; i++) {
    hops.push(next.pathname + next.search);
    const response: Response = await fetch(next, {
      redirect: 'manual',
      method: i === 0 ? init.method ?? 'GET' : 'GET',
      headers: init.host && i === 0 ? { host: init.host } : {},
    });
    status = response.status;
    body = await response.text();
    const location = response.headers.get('location');
    next = location ? new URL(location, next) : null;
  }
  return { status, title: (/<title>([^<]*)<\/title>/.exec(body) ?? [])[1] ?? '', hops };
}

/** The runner signs in: the app opens Garmin's page in the test browser, the runner approves there, and the link is made. */
export async function signInAtGarmin(world: CoreWorld, timeoutMs = 15_000): Promise<SignInResult> {
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs });
  await browse(await approveAtGarmin(await opened));
  return outcome;
}
