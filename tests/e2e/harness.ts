import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createKeytarSecretStore, keychainError } from '../../src-main/adapters/keytar-secret-store.js';
import { startDevWeb } from '../../src-main/web/dev-web.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CapturingBrowser } from '../support/core-world.js';
import { ROOT, makeWorld, startSimulator, type World } from '../support/harness.js';
import { freePort } from '../support/postgres.js';
import { serverEnv, startTestServer } from '../support/r42-server.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';

export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');

/** The real UI on the real core, keychain and SQLite, with the Garmin simulator behind it. */
export interface AppWorld {
  readonly sim: GarminSimulator;
  readonly world: World;
  readonly url: string;
  readonly browser: CapturingBrowser;
  readonly app: Awaited<ReturnType<typeof startDevWeb>>;
  /** The R42 server in front of the simulator, when the app links through it. */
  readonly server: Awaited<ReturnType<typeof startTestServer>> | null;
  /** Locks the (real) keychain: writes fail as a locked Secret Service collection does. */
  lockKeychain(locked: boolean): void;
  stop(): Promise<void>;
}

export async function startApp(
  options: {
    accessTokenLifetimeSeconds?: number;
    refreshTokenLifetimeSeconds?: number;
    env?: Record<string, string>;
    throughR42Server?: boolean;
    /** Start at login as the Electron shell would set it (the web transport has none). */
    loginItem?: { apply(openAtLogin: boolean): void };
    /** Where Import from watch looks (a fake volume). */
    watchRoots?: string[];
  } = {},
): Promise<AppWorld> {
  const sim = await startSimulator({
    consent: 'page',
    ...(options.accessTokenLifetimeSeconds ? { accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds } : {}),
    ...(options.refreshTokenLifetimeSeconds ? { refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds } : {}),
  });
  let server: AppWorld['server'] = null;
  let extra: Record<string, string> = {};
  if (options.throughR42Server) {
    // As an installed app links: R42's server holds the secret; the desktop has none.
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    server = await startTestServer(serverEnv(sim, [redirect]), { store: await openPgliteStore(null) });
    // Garmin's production data path: webhooks to the server, picked up by the app from the relay.
    sim.production = { webhookUrl: server.webhookUrl, delivery: { activities: 'push' }, firstBackoffMs: 50 };
    extra = { R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect };
  }
  const world = makeWorld(sim, { R42_BACKFILL_DAYS: '7', ...extra, ...options.env });
  if (server) {
    delete world.env.GARMIN_CLIENT_SECRET;
    delete world.env.GARMIN_TOKEN_URL;
  }
  const browser = new CapturingBrowser();
  const real = createKeytarSecretStore(world.keychainService);
  let locked = false;
  const lockedError = () => keychainError(new Error('Cannot create an item in a locked collection'));
  const secrets = {
    get: (key: string) => real.get(key),
    set: (key: string, value: string) => (locked ? Promise.reject(lockedError()) : real.set(key, value)),
    delete: (key: string) => (locked ? Promise.reject(lockedError()) : real.delete(key)),
  };
  const app = await startDevWeb(world.env, { browser, secrets, uiPollMs: 300, loginItem: options.loginItem, ...(options.watchRoots ? { watchRoots: options.watchRoots } : {}) });
  return {
    sim,
    world,
    url: app.url,
    browser,
    app,
    server,
    lockKeychain(value) {
      locked = value;
    },
    async stop() {
      await app.stop();
      if (server) {
        await server.stop();
        await server.store.close();
      }
      await sim.stop();
      await world.cleanup();
    },
  };
}

/** Plays the runner in a second page: Garmin's consent page, then the loopback result page. */
export async function approveInSecondPage(page: Page, authorizeUrl: string, choice: 'Agree' | 'Decline'): Promise<string> {
  const runner = await page.context().newPage();
  await runner.goto(authorizeUrl);
  await runner.getByRole('button', { name: choice }).click();
  await runner.waitForURL(/r42-result/);
  const title = await runner.title();
  await runner.close();
  return title;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
