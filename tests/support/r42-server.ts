import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
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
/** The secret path segment of the test servers' webhook URL (`server.webhookUrl`). */
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';

/** The server's environment in front of the simulator: R42's client id and secret, its redirect URIs. */
export function serverEnv(sim: GarminSimulator, redirectUris: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    GARMIN_CLIENT_ID: TEST_CLIENT_ID,
    GARMIN_CLIENT_SECRET: TEST_CLIENT_SECRET,
    GARMIN_TOKEN_URL: `${sim.url}/di-oauth2-service/oauth/token`,
    GARMIN_REDIRECT_URIS: redirectUris.join(','),
    GARMIN_API_URL: sim.url,
    R42_SERVER_DATA_KEY: TEST_DATA_KEY,
    R42_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
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
  options: { store: SqlStore; now?: () => number; onLog?: (line: LoggedLine) => void },
): Promise<RunningServer & { readonly config: ServerConfig; readonly lines: LoggedLine[] }> {
  const config = loadServerConfig(env);
  const lines: LoggedLine[] = [];
  const log = (level: ServerLogLevel, event: string, fields: ServerLogFields = {}) => {
    const line = { level, event, fields };
    lines.push(line);
    options.onLog?.(line);
  };
  const server = await startNodeServer(config, { store: options.store, now: options.now, logger: { log } });
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

/** Plays the runner at the simulator's consent page (consent: approve): a real code for a fresh verifier. */
export async function authorizeAtSimulator(sim: GarminSimulator, redirectUri: string): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${sim.url}/oauth2Confirm`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: TEST_CLIENT_ID,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    redirect_uri: redirectUri,
    state: 'st',
  }).toString();
  const response = await fetch(url, { redirect: 'manual' });
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error('the simulator issued no code');
  return { code, verifier };
}

/** A live access token for the simulator's current `userId`, straight from the simulator. */
export async function simulatorAccessToken(sim: GarminSimulator, redirectUri = 'http://127.0.0.1:43117/callback'): Promise<string> {
  const { code, verifier } = await authorizeAtSimulator(sim, redirectUri);
  const response = await fetch(`${sim.url}/di-oauth2-service/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET, code, code_verifier: verifier, redirect_uri: redirectUri }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** POSTs a webhook body as Garmin does, to the URL registered at Garmin (its secret included). */
export async function postWebhook(base: string, body: unknown, headers: Record<string, string> = {}, secret = TEST_WEBHOOK_SECRET): Promise<Response> {
  return fetch(`${base}/v1/garmin/webhook/${secret}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'garmin-client-id': TEST_CLIENT_ID, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
