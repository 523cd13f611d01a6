/* The R42 server, measured with autocannon in its own process (so the load generator is never the
   slower side), each server in its own process too:
   1. the token broker against the Garmin simulator answering directly, same run, same generator;
   2. the rate limiter's cost per request on a real PostgreSQL (a throwaway cluster);
   3. webhook intake (notifications a second, p99) on PGlite and on PostgreSQL;
   4. end to end: a 90-day backfill of every stream delivered as pings, the simulator answering
      each data call after 100 ms: wall time from link to complete local history, next to the
      lower bound (calls × 100 ms ÷ the desktop's concurrency).

   `npm run bench` runs it after scripts/bench.ts; alone: `npx tsx scripts/bench-server.ts`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src-server/store/migrations.js';
import { openPostgresStore } from '../src-server/store/postgres-store.js';
import { RateLimiter } from '../src-server/store/rate-limiter.js';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createCompanion } from '../src-main/core/wiring.js';
import { loadConfig } from '../src-main/core/config.js';
import { RELAY_FETCH_CONCURRENCY } from '../src-main/core/sync/relay-sync.js';
import { loadServerConfig } from '../src-server/config.js';
import { startNodeServer } from '../src-server/node-host.js';
import { GarminSimulator, type PullPath } from '../tests/simulator/garmin-simulator.js';
import { approveAtGarmin, browse, CapturingBrowser } from '../tests/support/core-world.js';
import { freePort, startTestPostgres } from '../tests/support/postgres.js';
import { recordAim } from './bench-kit.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 50;
const CLIENT_ID = 'r42-demo-client';
const REDIRECT = 'http://127.0.0.1:43117/callback';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
/** Which parts to run (`BENCH_SERVER_PARTS=intake`): broker, limiter, intake, history; all by default. */
const PARTS = new Set((process.env.BENCH_SERVER_PARTS ?? 'broker,limiter,intake,history').split(',').map((part) => part.trim()));

interface Cannon {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly statuses: string;
}

/** Waits for a child to print a line matching `pattern`; resolves with the match. */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready:\n${seen}`)));
  });
}

function cannon(
  url: string,
  body: string,
  options: { contentType?: string; headers?: string[]; connections?: number; overallRate?: number; uniqueIds?: boolean } = {},
): Promise<Cannon> {
  return new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '-c', String(options.connections ?? CONNECTIONS), '-d', String(SECONDS), '-m', 'POST', '-H', `content-type=${options.contentType ?? 'application/x-www-form-urlencoded'}`];
    for (const header of options.headers ?? []) args.push('-H', header);
    if (options.overallRate) args.push('-R', String(options.overallRate));
    if (options.uniqueIds) args.push('-I');
    const child = spawn(process.execPath, [...args, '-b', body, '--json', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      try {
        const r = JSON.parse(out) as {
          requests: { average: number };
          latency: { p50: number; p99: number };
          errors: number;
          timeouts: number;
          statusCodeStats?: Record<string, { count: number }>;
        };
        const statuses = Object.entries(r.statusCodeStats ?? {})
          .map(([code, s]) => `${code}×${s.count}`)
          .join(' ');
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, statuses });
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function main() {
  const sim = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/simulator/cli.ts'), '--port', '0', '--consent', 'approve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const simUrl = (await waitFor(sim, /listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const tokenUrl = `${simUrl}/di-oauth2-service/oauth/token`;
  const pg = await startTestPostgres();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'r42-bench-server-'));
  const servers: ChildProcess[] = [];
  const startBroker = async (store: 'pglite' | 'postgres') => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        GARMIN_CLIENT_ID: CLIENT_ID,
        GARMIN_CLIENT_SECRET: 'r42-demo-client-secret-not-for-production',
        GARMIN_TOKEN_URL: tokenUrl,
        GARMIN_REDIRECT_URIS: REDIRECT,
        PORT: '0',
        RATE_LIMIT_PER_MINUTE: '1000000',
        LOG_LEVEL: 'error',
        GARMIN_API_URL: simUrl,
        R42_SERVER_DATA_KEY: Buffer.alloc(32, 9).toString('base64'),
        R42_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ...(store === 'postgres' ? { DATABASE_URL: pg.url } : { R42_SERVER_DATA_DIR: path.join(dataDir, 'pglite') }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(child);
    return `${(await waitFor(child, /listening on (http:\/\/\S+)/))[1]}/v1/garmin/token`;
  };
  const webhookOf = (tokenRoute: string) => tokenRoute.replace('/v1/garmin/token', `/v1/garmin/webhook/${WEBHOOK_SECRET}`);
  try {
    const [onPostgres, onPglite] = [await startBroker('postgres'), await startBroker('pglite')];
    // Garmin's refusal of an unknown code or refresh token: the same work for Garmin on both paths,
    // and for the broker the whole path (rate limit, validation, forward, and for a refresh the
    // rotation claim taken and released).
    const bodies = {
      'code exchange': new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        code: 'bench-code-not-issued',
        code_verifier: 'v'.repeat(43),
        redirect_uri: REDIRECT,
      }).toString(),
      refresh: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: 'bench-refresh-token-not-issued' }).toString(),
    };
    if (PARTS.has('broker')) {
      const secretBody = (body: string) => `${body}&client_secret=r42-demo-client-secret-not-for-production`;
      console.log(`\nToken broker: POST /v1/garmin/token, autocannon (own process) ${CONNECTIONS} connections, ${SECONDS} s each, two alternating rounds:`);
      console.log(`  ${'path'.padEnd(44)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)}  answers`);
      for (const [grant, body] of Object.entries(bodies)) {
        const rows: Array<[string, Cannon]> = [];
        for (let round = 0; round < 2; round++) {
          rows.push([`${grant}: simulator directly`, await cannon(tokenUrl, secretBody(body))]);
          rows.push([`${grant}: broker on PostgreSQL → simulator`, await cannon(onPostgres, body)]);
          rows.push([`${grant}: broker on PGlite → simulator`, await cannon(onPglite, body)]);
        }
        for (const [name, r] of rows) {
          console.log(`  ${name.padEnd(44)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${String(r.errors).padStart(6)}  ${r.statuses}`);
        }
        const mean = (suffix: string, pick: (c: Cannon) => number) => {
          const values = rows.filter(([n]) => n.endsWith(suffix)).map(([, c]) => pick(c));
          return values.reduce((a, b) => a + b, 0) / values.length;
        };
        for (const store of ['PostgreSQL', 'PGlite']) {
          const suffix = `broker on ${store} → simulator`;
          console.log(
            `  ${grant}, broker on ${store}: added p50 ${(mean(suffix, (c) => c.p50) - mean('simulator directly', (c) => c.p50)).toFixed(1)} ms, ` +
              `added p99 ${(mean(suffix, (c) => c.p99) - mean('simulator directly', (c) => c.p99)).toFixed(1)} ms (at ${CONNECTIONS} in flight), ` +
              `throughput ratio ${(mean(suffix, (c) => c.rps) / mean('simulator directly', (c) => c.rps)).toFixed(2)}`,
          );
        }
      }
      // One request alone: the broker's added latency when nothing queues behind it.
      const single = async (url: string, body: string) => {
        const times: number[] = [];
        for (let i = 0; i < 300; i++) {
          const started = performance.now();
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
          await response.arrayBuffer();
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        return { p50: times[150]!, p99: times[297]! };
      };
      const direct = await single(tokenUrl, secretBody(bodies.refresh));
      const viaPg = await single(onPostgres, bodies.refresh);
      console.log(
        `  one request at a time (300, refresh): simulator p50 ${direct.p50.toFixed(2)} ms p99 ${direct.p99.toFixed(2)} ms; ` +
          `broker on PostgreSQL p50 ${viaPg.p50.toFixed(2)} ms p99 ${viaPg.p99.toFixed(2)} ms; added p99 ${(viaPg.p99 - direct.p99).toFixed(2)} ms (aim < 2 ms)`,
      );

    }
    if (PARTS.has('limiter')) {
      // The rate limiter alone on PostgreSQL: one upsert per request.
      const store = await openPostgresStore(pg.url, { maxConnections: 50 });
      await migrate(store);
      const limiter = new RateLimiter(store, 1e9);
      const n = 2000;
      let started = performance.now();
      for (let i = 0; i < n; i++) await limiter.hit(`10.0.${i % 200}.1`, Date.now());
      const sequential = ((performance.now() - started) * 1000) / n;
      started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < n) {
            next++;
            await limiter.hit('203.0.113.7', Date.now());
          }
        }),
      );
      const hotRow = n / ((performance.now() - started) / 1000);
      console.log(`Rate limiter on PostgreSQL: ${sequential.toFixed(0)} µs per request one at a time; ${hotRow.toFixed(0)} requests/s at 50 in flight on one address (one row, the worst case)`);
      await store.close();

    }
    if (PARTS.has('intake')) {
      // The same-run baseline: a bare node:http server storing each delivery with one insert, in its own process.
      const bare = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--bare-intake', pg.url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(bare);
      const bareUrl = (await waitFor(bare, /listening on (http:\/\/\S+)/))[1]!;
      await webhookIntake(simUrl, webhookOf(onPostgres), webhookOf(onPglite), bareUrl);
    }
    if (PARTS.has('history')) await endToEndBackfill(pg.url);
  } finally {
    for (const child of servers) child.kill('SIGTERM');
    sim.kill('SIGTERM');
    pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The aim for webhook intake on PostgreSQL: p99 under this at 500 notifications a second (issue 22). */
const INTAKE_P99_AIM_MS = 50;

/**
 * Webhook intake: one ping per delivery, each for another runner ([<id>] replaced by autocannon),
 * at 500 a second on PostgreSQL, three rounds alternating with a bare node:http server that stores
 * each delivery with one insert on the same PostgreSQL (the least durable intake can cost: a
 * machine busy at one moment slows both alike); then as fast as it goes, and on PGlite.
 */
async function webhookIntake(simUrl: string, onPostgres: string, onPglite: string, bare: string): Promise<void> {
  const ping = JSON.stringify({ dailies: [{ userId: 'bench-runner-[<id>]', callbackURL: `${simUrl}/wellness-api/rest/dailies?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2&token=[<id>]` }] });
  const garminHeaders = [`garmin-client-id=${CLIENT_ID}`];
  const row = (label: string, r: Cannon) =>
    console.log(`  ${label.padEnd(44)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${String(r.errors).padStart(6)}  ${r.statuses}`);
  console.log(`\nWebhook intake: POST /v1/garmin/webhook/<secret>, one notification per delivery, autocannon (own process), ${SECONDS} s each:`);
  console.log(`  ${'store, load'.padEnd(44)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)}  answers`);
  const atRate = { ours: [] as Cannon[], bare: [] as Cannon[] };
  const rate = { contentType: 'application/json', headers: garminHeaders, uniqueIds: true, connections: 10, overallRate: 500 };
  for (let round = 1; round <= 3; round++) {
    const b = await cannon(bare, ping, rate);
    atRate.bare.push(b);
    row(`bare insert on PostgreSQL, 500/s, round ${round}`, b);
    const r = await cannon(onPostgres, ping, rate);
    atRate.ours.push(r);
    row(`R42 server on PostgreSQL, 500/s, round ${round}`, r);
  }
  row('R42 server on PostgreSQL, as fast as it goes, 50 conn.', await cannon(onPostgres, ping, { ...rate, connections: 50, overallRate: undefined }));
  row('R42 server on PGlite, 500/s, 10 connections', await cannon(onPglite, ping, rate));
  row('R42 server on PGlite, as fast as it goes, 50 conn.', await cannon(onPglite, ping, { ...rate, connections: 50, overallRate: undefined }));
  // The median round of each: one busy moment of this shared machine does not decide it either way.
  const median = (list: Cannon[], pick: (c: Cannon) => number) => list.map(pick).sort((a, b) => a - b)[1]!;
  const p99 = median(atRate.ours, (c) => c.p99);
  const bareP99 = median(atRate.bare, (c) => c.p99);
  const served = median(atRate.ours, (c) => c.rps);
  const met = p99 < INTAKE_P99_AIM_MS && served >= 475;
  recordAim({
    aim: `webhook intake on PostgreSQL: p99 < ${INTAKE_P99_AIM_MS} ms at 500 notifications/s`,
    figure: `median round p99 ${p99.toFixed(1)} ms at ${served.toFixed(0)}/s (the bare insert's ${bareP99.toFixed(1)} ms)`,
    met,
  });
  console.log(
    `  aim: p99 < ${INTAKE_P99_AIM_MS} ms at 500 notifications/s on PostgreSQL — median round p99 ${p99.toFixed(1)} ms at ${served.toFixed(0)}/s ` +
      `(${(p99 / INTAKE_P99_AIM_MS).toFixed(2)} of the aim; the bare insert's ${bareP99.toFixed(1)} ms, ratio ${(p99 / Math.max(bareP99, 1)).toFixed(2)}): ${met ? 'met' : 'NOT met'}`,
  );
}

/** The baseline server: node:http, one insert per delivery on a pool of 10 (as the server's), nothing else. */
async function bareIntake(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  await pool.query('create table if not exists bare_intake (id bigserial primary key, garmin_user_id text not null, callback_url text not null, received_at bigint not null)');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { dailies: Array<{ userId: string; callbackURL: string }> };
      const item = body.dailies[0]!;
      pool.query('insert into bare_intake (garmin_user_id, callback_url, received_at) values ($1, $2, $3)', [item.userId, item.callbackURL, Date.now()]).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"stored":1,"duplicates":0}'),
        () => res.writeHead(503).end(),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`bare intake listening on http://127.0.0.1:${(server.address() as { port: number }).port}/`));
}

/** The aim for the relay history: wall time at most this many times the bound (issue 22). */
const HISTORY_AIM = 1.5;
/** The bound's divisor the aim is stated with (the desktop's callbacks in flight when it was set). */
const HISTORY_BOUND_CONCURRENCY = 6;

/**
 * Link through the broker, then the 90-day history the production way: backfill requested for
 * every stream, pings POSTed by the simulator to the server, picked up from the relay, each Garmin
 * data call (every type the simulator serves) answered after 100 ms. Done when Garmin has
 * delivered every notification and a pass finds nothing more. The desktop, the server and the
 * simulator share this process: the measure is latency-bound (100 ms a call), not CPU-bound.
 */
async function endToEndBackfill(databaseUrl: string): Promise<void> {
  const DAYS = 90;
  const DELAY_MS = 100;
  const sim = await new GarminSimulator({
    consent: 'approve',
    clients: [{ clientId: CLIENT_ID, clientSecret: 'r42-demo-client-secret-not-for-production', redirectUris: ['http://127.0.0.1:0/callback'], anyLoopbackPort: true }],
  }).start();
  const now = Math.floor(Date.now() / 1000);
  sim.dataNow = () => now;
  const redirect = `http://127.0.0.1:${await freePort()}/callback`;
  const silent = { log: () => undefined };
  const server = await startNodeServer(
    loadServerConfig({
      GARMIN_CLIENT_ID: CLIENT_ID,
      GARMIN_CLIENT_SECRET: 'r42-demo-client-secret-not-for-production',
      GARMIN_TOKEN_URL: `${sim.url}/di-oauth2-service/oauth/token`,
      GARMIN_API_URL: sim.url,
      GARMIN_REDIRECT_URIS: redirect,
      DATABASE_URL: databaseUrl,
      R42_SERVER_DATA_KEY: Buffer.alloc(32, 9).toString('base64'),
      R42_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PORT: '0',
      RATE_LIMIT_PER_MINUTE: '100000',
    }),
    { logger: silent },
  );
  sim.production = { webhookUrl: server.webhookUrl };
  // Every data path the simulator serves answers after the delay, as Garmin's API would.
  const paths = Object.keys(sim.dataRequests) as PullPath[];
  for (const pathName of paths) sim.fail(pathName, { kind: 'delay', ms: DELAY_MS });
  const home = mkdtempSync(path.join(tmpdir(), 'r42-bench-relay-'));
  const memory = new Map<string, string>();
  const browser = new CapturingBrowser();
  const { GARMIN_CLIENT_SECRET: _s, GARMIN_TOKEN_URL: _t, ...simEnv } = sim.env(CLIENT_ID);
  const companion = createCompanion({
    config: loadConfig({ ...simEnv, R42_HOME: home, R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect, R42_BACKFILL_DAYS: String(DAYS) }),
    secrets: { get: async (k) => memory.get(k) ?? null, set: async (k, v) => void memory.set(k, v), delete: async (k) => memory.delete(k) },
    browser,
    clock: { now: () => now * 1000 },
  });
  try {
    const started = performance.now();
    const opened = browser.next();
    const linked = companion.signIn({ timeoutMs: 30_000 });
    await browse(await approveAtGarmin(await opened));
    await linked;
    // Drained: every chunk of the history asked for, Garmin's deliveries all made, and a pass finds
    // nothing more. A pass long-polls only while Garmin is still delivering (as the app's would).
    for (;;) {
      const delivering = sim.deliveriesPending() > 0;
      const pass = await companion.sync({ waitSeconds: delivering ? 2 : 0 });
      const history = companion.status().sync.relay;
      if (!delivering && pass.windows === 0 && history !== null && history.historyRequested >= history.historyTotal) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const calls = paths.reduce((n, p) => n + sim.dataRequests[p], 0);
    const bound = (calls * DELAY_MS) / 1000 / HISTORY_BOUND_CONCURRENCY;
    const ratio = seconds / bound;
    const rows = countRows(home);
    recordAim({ aim: `90-day history through the relay ≤ ${HISTORY_AIM}× calls × ${DELAY_MS} ms ÷ ${HISTORY_BOUND_CONCURRENCY}`, figure: `${ratio.toFixed(2)}× (${seconds.toFixed(2)} s for ${calls} calls, bound ${bound.toFixed(2)} s)`, met: ratio <= HISTORY_AIM });
    console.log(`\nEnd to end, ${DAYS}-day history through the relay, every stream (each Garmin data call answered after ${DELAY_MS} ms):`);
    console.log(`  callback fetches: ${calls} (${paths.filter((p) => sim.dataRequests[p] > 0).map((p) => `${p} ${sim.dataRequests[p]}`).join(', ')}); backfill requests: ${sim.backfillRequests.length}`);
    console.log(`  rows stored: ${Object.entries(rows).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    console.log(`  the desktop fetches ${RELAY_FETCH_CONCURRENCY} callbacks at once: at best ${((calls * DELAY_MS) / 1000 / RELAY_FETCH_CONCURRENCY).toFixed(2)} s`);
    console.log(
      `  link to complete local history: ${seconds.toFixed(2)} s; bound ${calls} × ${DELAY_MS} ms ÷ ${HISTORY_BOUND_CONCURRENCY} = ${bound.toFixed(2)} s; ` +
        `ratio ${ratio.toFixed(2)} — aim ≤ ${HISTORY_AIM}: ${ratio <= HISTORY_AIM ? 'met' : 'NOT met'}`,
    );
  } finally {
    companion.close();
    await server.stop();
    await sim.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Rows per table the sync writes (those with any). */
function countRows(home: string): Record<string, number> {
  const db = new BetterSqlite3(path.join(home, 'companion.db'), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((t) => t.name);
    const counts: Record<string, number> = {};
    for (const table of ['activities', 'activity_samples', 'dailies', 'sleeps', 'hrv', 'user_metrics', 'stress_details', 'body_comps', 'pulse_ox', 'respiration', 'epochs', 'health_snapshots', 'blood_pressures', 'skin_temps']) {
      if (!tables.includes(table)) continue;
      const n = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      if (n > 0) counts[table] = n;
    }
    return counts;
  } finally {
    db.close();
  }
}

const bareAt = process.argv.indexOf('--bare-intake');
if (bareAt >= 0) await bareIntake(process.argv[bareAt + 1]!);
else await main();
