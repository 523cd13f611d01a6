/* Starts the Garmin simulator on a loopback port and prints the environment that points
   R42 Companion at it: `npm run simulator [-- --port 8790 --consent page|approve|decline --no-secret --webhook <url>]`.
   `--webhook` switches on production mode: data only through ping notifications POSTed there (the
   R42 server's webhook URL as registered at Garmin, its secret path segment included). */
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GarminSimulator, type Consent } from './garmin-simulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8790' },
    consent: { type: 'string', default: 'page' },
    'no-secret': { type: 'boolean', default: false },
    'access-token-lifetime': { type: 'string' },
    webhook: { type: 'string' },
  },
});

const consent = values.consent as Consent;
if (!['page', 'approve', 'decline'].includes(consent)) {
  console.error('--consent must be page, approve or decline');
  process.exit(2);
}
const webhook = values.webhook;
if (webhook !== undefined && !/^https?:\/\/\S+$/.test(webhook)) {
  console.error('--webhook must be an http(s) URL: the R42 server webhook URL with its secret, e.g. http://127.0.0.1:8788/v1/garmin/webhook/<R42_WEBHOOK_SECRET>');
  process.exit(2);
}

const sim = await new GarminSimulator({
  port: Number(values.port),
  consent,
  clients: [
    {
      clientId: 'r42-demo-client',
      ...(values['no-secret'] ? {} : { clientSecret: 'r42-demo-client-secret-not-for-production' }),
      redirectUris: ['http://127.0.0.1:0/callback'],
      anyLoopbackPort: true,
    },
  ],
  ...(values['access-token-lifetime'] ? { accessTokenLifetimeSeconds: Number(values['access-token-lifetime']) } : {}),
  ...(webhook ? { production: { webhookUrl: webhook } } : {}),
}).start();

// Its own data folder and keychain service, as the README asks, so playing never mixes with a real link.
const env = { ...sim.env(), R42_HOME: path.join(homedir(), '.r42-companion-simulator'), R42_KEYCHAIN_SERVICE: 'r42-companion-simulator' };
console.log(`Garmin simulator listening on ${sim.url} (consent: ${consent}${webhook ? ', production mode' : ''}). Point R42 Companion at it with:\n`);
for (const [key, value] of Object.entries(env)) console.log(`export ${key}='${value}'`);
console.log(`\nThen: npm run --silent companion -- login`);
console.log(`Control: curl -s ${sim.url}/__simulator/state ; curl -s -XPOST ${sim.url}/__simulator/configure -d '{"consent":"decline"}'`);
if (webhook) {
  const now = Math.floor(Date.now() / 1000);
  console.log(`\nProduction mode: every summary type is delivered as a ping POSTed to ${webhook};`);
  console.log('a summary GET needs the token of a callback URL (else 400 InvalidPullTokenException); backfill answers 202 and pings later.');
  console.log(`Sync the watch: curl -s -XPOST ${sim.url}/__simulator/configure -d '{"notifyUploads":{"start":${now - 86_400},"end":${now}}}'`);
  console.log(`Remove the app in Garmin Connect: curl -s -XPOST ${sim.url}/__simulator/configure -d '{"removeApp":true}'`);
  console.log(`Change permissions: curl -s -XPOST ${sim.url}/__simulator/configure -d '{"changePermissions":["HEALTH_EXPORT"]}'`);
  console.log(`Upload records under a documented key (as a ping, or "delivery":"push"): curl -s -XPOST ${sim.url}/__simulator/configure -d '{"upload":{"key":"pulseox","records":[…]}}'`);
}
console.log('Ctrl-C stops it. It is a test double: never part of the shipped app.');

const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
