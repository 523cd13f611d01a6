/* `npm run demo`: the whole product without Garmin credentials or the Electron binary, wired the
   way it runs in production. Starts the Garmin simulator in production mode (a consent page to
   click; data only through webhooks, pulls only with a callback's pull token, backfill answered
   202 and delivered later), the R42 server in front of it (its token broker holds the client
   secret, its webhook receives the simulator's notifications and relays them, on an embedded
   PGlite store), the real core on a demo data folder and keychain service with no secret at all
   (relay delivery, like an installed app), and the UI through the web transport, then opens it in
   your browser. `npm run demo` runs it through scripts/with-keyring.sh: with no Secret Service
   running (a server, a container, SSH) it gets a private, throwaway keyring, as tests do. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { createSystemBrowser } from '../src-main/adapters/system-browser.js';
import { startDevWeb } from '../src-main/web/dev-web.js';
import { loadServerConfig } from '../src-server/config.js';
import { startNodeServer } from '../src-server/node-host.js';
import { GarminSimulator } from '../tests/simulator/garmin-simulator.js';
import { INTERVALS } from '../tests/support/workouts.js';
import { addDays, localDate } from '../src-common/dates.js';

const CLIENT_ID = 'r42-demo-client';

/** A free loopback port: the demo's redirect URI must be registered exactly, port included. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const sim = await new GarminSimulator({
  consent: 'page',
  // What the runner shares on the consent page, Workout import included: approved workouts reach the simulator's Training API.
  permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'WORKOUT_IMPORT'],
  clients: [{ clientId: CLIENT_ID, clientSecret: 'r42-demo-client-secret-not-for-production', redirectUris: ['http://127.0.0.1:0/callback'], anyLoopbackPort: true }],
}).start();
// A private keyring is thrown away after the run, and with it the tokens: the demo's link and data
// go with it (a kept folder would hold a link whose tokens are gone).
const privateKeyring = process.env.R42_PRIVATE_KEYRING === '1';
const throwaway = privateKeyring && !process.env.R42_HOME;
const home = process.env.R42_HOME ?? (throwaway ? mkdtempSync(path.join(tmpdir(), 'r42-companion-demo-')) : path.join(homedir(), '.r42-companion-demo'));
mkdirSync(home, { recursive: true, mode: 0o700 });
const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;

// R42's server, as R42 runs it: the only place the client secret lives. Garmin's API is the
// simulator's: the relay asks it whose a token is, and callback URLs must be on its origin.
const serverConfig = loadServerConfig({
  GARMIN_CLIENT_ID: CLIENT_ID,
  GARMIN_CLIENT_SECRET: 'r42-demo-client-secret-not-for-production',
  GARMIN_TOKEN_URL: `${sim.url}/di-oauth2-service/oauth/token`,
  GARMIN_API_URL: sim.url,
  GARMIN_REDIRECT_URIS: redirectUri,
  PORT: process.env.R42_DEMO_SERVER_PORT ?? '0',
  R42_SERVER_DATA_DIR: path.join(home, 'r42-server'),
});
const server = await startNodeServer(serverConfig, { logger: { log: () => undefined } });
// Garmin's portal setting for R42: every summary type is pinged to the server's webhook.
sim.production = { webhookUrl: server.webhookUrl };

// The desktop: R42's public client id and server URL, like an installed app; no secret anywhere.
const { GARMIN_CLIENT_SECRET: _secret, GARMIN_TOKEN_URL: _tokenUrl, ...simEnv } = sim.env(CLIENT_ID);
const env: NodeJS.ProcessEnv = { ...process.env, ...simEnv, R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirectUri, R42_HOME: home, R42_KEYCHAIN_SERVICE: 'r42-companion-demo' };
delete env.GARMIN_CLIENT_SECRET;
delete env.GARMIN_TOKEN_URL;
// With no display no browser opens, so the sign-in address is printed here too (this terminal is the
// runner's own; it is never written to a log or a file).
const system = createSystemBrowser(env.BROWSER);
const browser = {
  async open(url: string) {
    process.stdout.write(`Sign in to the Garmin simulator: open this address in a browser on this computer:\n  ${url}\n`);
    await system.open(url);
  },
};
const app = await startDevWeb(env, { port: Number(process.env.R42_DEV_WEB_PORT ?? 0), browser });

// An agent's proposal waiting in the app, as a coach would send it: a grant of its own and
// POST /v1/workouts on the agent endpoint (the first run of a data folder only).
let proposed = '';
if (app.core.agents && app.core.companion.workouts.list().data.length === 0) {
  const { secret } = app.core.companion.agents.add(`demo-coach-${Date.now().toString(36)}`);
  const tomorrow = addDays(localDate(Date.now()), 1);
  const response = await fetch(`${app.core.agents.url}/v1/workouts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...INTERVALS, name: 'Intervals 6 × 800 m', date: tomorrow }),
  });
  if (response.ok) proposed = `An agent proposed a workout for ${tomorrow}: approve it under Workouts from your agents; ${sim.url}/__simulator/state then counts it in training.workouts.\n`;
}
process.stdout.write(
  `R42 Companion demo at ${app.url}\n` +
    `R42 server (token broker) at ${server.url}\n` +
    `Garmin simulator at ${sim.url} (its control API: ${sim.url}/__simulator/state)\n` +
    `Demo data folder: ${home}${throwaway ? ' (removed when the demo stops)' : ''} (keychain service r42-companion-demo)\n` +
    (privateKeyring
      ? 'No Secret Service was running, so the demo uses a private gnome-keyring for this run (scripts/with-keyring.sh); it is thrown away when the demo stops.\n'
      : '') +
    proposed +
    'Ctrl-C stops.\n',
);
if (!process.env.CI) await createSystemBrowser(process.env.BROWSER).open(app.url).catch(() => undefined);
const stop = () =>
  void app
    .stop()
    .then(() => server.stop())
    .then(() => sim.stop())
    .then(() => {
      if (throwaway) rmSync(home, { recursive: true, force: true });
      process.exit(0);
    });
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
