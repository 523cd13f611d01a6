import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadServerConfig, type ServerConfig } from '../../src-server/config.js';
import { startNodeServer, type RunningServer } from '../../src-server/node-host.js';
import type { ServerLogFields, ServerLogLevel } from '../../src-server/ports.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { ROOT, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from './harness.js';

export const SERVER_MAIN = path.join(ROOT, 'src-server/main.ts');
/** The data key the test servers seal pushed summaries with (tests search stored rows for plaintext). */
export const TEST_DATA_KEY = Buffer.alloc(32, 7).toString('base64');

/** The server's environment in front of the simulator: R42's client id and secret, its redirect URIs. */
export function serverEnv(sim: GarminSimulator, redirectUris: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    GARMIN_CLIENT_ID: TEST_CLIENT_ID,
    GARMIN_CLIENT_SECRET: TEST_CLIENT_SECRET,
    GARMIN_TOKEN_URL: `${sim.url}/di-oauth2-service/oauth/token`,
    GARMIN_REDIRECT_URIS: redirectUris.join(','),
    GARMIN_API_URL: sim.url,
    R42_SERVER_DATA_KEY: TEST_DATA_KEY,
    PORT: '0',
    ...extra,
  };
}

export interface LoggedLine {
  readonly level: ServerLogLevel;
  readonly event: string;
  readonly fields: ServerLogFields;
}

/** The server in this process on real HTTP, with every log line kept for the test to read. */
export async function startTestServer(
  env: Record<string, string>,
  options: { store: SqlStore; now?: () => number } ,
): Promise<RunningServer & { readonly config: ServerConfig; readonly lines: LoggedLine[] }> {
  const config = loadServerConfig(env);
  const lines: LoggedLine[] = [];
  const server = await startNodeServer(config, { store: options.store, now: options.now, logger: { log: (level, event, fields = {}) => lines.push({ level, event, fields }) } });
  return Object.assign(server, { config, lines });
}

/** The server as a separate process (`node --import tsx src-server/main.ts`), as it runs in production. */
export function spawnServer(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; url: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^R42 server listening on (http:\/\/\S+)$/m.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  url.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, url, exited };
}

/** POSTs a form to the broker's token route. */
export async function postToken(base: string, form: Record<string, string> | string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/v1/garmin/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
}
