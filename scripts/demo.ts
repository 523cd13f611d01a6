/* `npm run demo`: the whole product without Garmin credentials or the Electron binary. Starts
   the Garmin simulator (with a consent page to click), the real core on a demo data folder and
   keychain service, and the UI through the web transport, then opens it in your browser. */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createSystemBrowser } from '../src-main/adapters/system-browser.js';
import { startDevWeb } from '../src-main/web/dev-web.js';
import { GarminSimulator } from '../tests/simulator/garmin-simulator.js';

const sim = await new GarminSimulator({
  consent: 'page',
  clients: [{ clientId: 'r42-demo-client', clientSecret: 'r42-demo-client-secret-not-for-production', redirectUris: ['http://127.0.0.1:0/callback'], anyLoopbackPort: true }],
}).start();
const home = process.env.R42_HOME ?? path.join(homedir(), '.r42-companion-demo');
mkdirSync(home, { recursive: true, mode: 0o700 });
const env = { ...process.env, ...sim.env(), R42_HOME: home, R42_KEYCHAIN_SERVICE: 'r42-companion-demo' };
const app = await startDevWeb(env, { port: Number(process.env.R42_DEV_WEB_PORT ?? 0) });
process.stdout.write(
  `R42 Companion demo at ${app.url}\n` +
    `Garmin simulator at ${sim.url} (its control API: ${sim.url}/__simulator/state)\n` +
    `Demo data folder: ${home} (keychain service r42-companion-demo)\nCtrl-C stops.\n`,
);
if (!process.env.CI) await createSystemBrowser(process.env.BROWSER).open(app.url).catch(() => undefined);
const stop = () => void app.stop().then(() => sim.stop()).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
