/* `npm run dist` step: writes R42's public defaults for the packaged app (dist/defaults.json)
   from the environment of the build, so an installed app links with no configuration at all.
   Only the public keys are taken; a client secret is never written (it stays on R42's server). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, PACKAGED_DEFAULT_KEYS, PACKAGED_DEFAULTS_FILE } from '../src-main/core/config.js';

const defaults = Object.fromEntries(PACKAGED_DEFAULT_KEYS.filter((key) => process.env[key]).map((key) => [key, process.env[key]!.trim()]));
// Validate with the app's own schema, so a bad value fails the build and not the runner's first start.
loadConfig({ R42_HOME: path.join(tmpdir(), 'r42-defaults-check') }, process.platform, defaults);
if (!defaults.GARMIN_CLIENT_ID || !defaults.R42_SERVER_URL) {
  process.stderr.write(
    'write-defaults: GARMIN_CLIENT_ID and R42_SERVER_URL are not both set: the package will need configuration on each computer (see README, Configuration).\n',
  );
}
const file = path.join('dist', PACKAGED_DEFAULTS_FILE);
mkdirSync('dist', { recursive: true });
writeFileSync(file, `${JSON.stringify(defaults, null, 2)}\n`);
process.stdout.write(`write-defaults: ${file} holds ${Object.keys(defaults).join(', ') || 'nothing'}\n`);
