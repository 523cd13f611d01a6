/* Benchmarks, reported as ratios against a baseline measured in the same run (never as timed
   test assertions). Run with `npm run bench` (it starts a private keyring when needed).

   1. GET /v1/token and POST /mcp (a tools/call of get_status) with 50 keep-alive connections
      against `r42-companion serve`, each next to a bare node:http server answering the same JSON,
      every server and the load generator (autocannon) in its own process; then the bundled CLI's
      `token` (cached token) next to `node -e 0`, 30 runs each, alternating (alone: argument `token`).
   2. The refresh storm: a refresh is due; 500 concurrent /v1/token calls plus 10 concurrent CLI
      `token` processes; the Garmin simulator counts the refresh requests (must be 1).
   3. A 5-year backfill from the simulator, next to a bare better-sqlite3 bulk insert of the same
      rows; the weekly summary over 5 years (p50/p99); the database size on disk. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from '../src-main/core/store/database.js';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeytarSecretStore } from '../src-main/adapters/keytar-secret-store.js';
import { createCompanion } from '../src-main/core/wiring.js';
import { loadConfig } from '../src-main/core/config.js';
import { GarminSimulator } from '../tests/simulator/garmin-simulator.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'src-main/cli/index.ts');
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONNECTIONS = 50;
const CLI_RUNS = 30;
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

interface Cannon {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/**
 * autocannon in its own process: `CONNECTIONS` keep-alive connections for `ms`. Our own generator
 * in this process was slower than the servers it measured, so both looked equal.
 */
function cannon(url: string, ms: number, options: { headers?: Record<string, string>; method?: 'GET' | 'POST'; body?: string } = {}): Promise<Cannon> {
  return new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '-c', String(CONNECTIONS), '-d', String(ms / 1000), '-m', options.method ?? 'GET'];
    for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
    if (options.body !== undefined) args.push('-b', options.body);
    const child = spawn(process.execPath, [...args, '--json', url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      try {
        const r = JSON.parse(out) as { requests: { total: number }; duration: number; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number };
        // Total over wall time: autocannon's per-second average needs whole seconds, a round may be shorter.
        resolve({ rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/**
 * Alternates the bare server and ours (a warm-up, then four rounds each) so drift on a shared
 * machine hits both alike; prints both and the ratio of each round.
 */
async function compare(title: string, bare: () => Promise<Cannon>, ours: () => Promise<Cannon>): Promise<{ ratio: number; p99: number }> {
  await bare();
  await ours();
  const rounds = { baseline: [] as Cannon[], companion: [] as Cannon[] };
  for (let round = 0; round < 4; round++) {
    rounds.baseline.push(await bare());
    rounds.companion.push(await ours());
  }
  const merge = (rs: Cannon[]): Cannon => ({
    rps: rs.reduce((a, r) => a + r.rps, 0) / rs.length,
    p50: rs.reduce((a, r) => a + r.p50, 0) / rs.length,
    p99: Math.max(...rs.map((r) => r.p99)),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
  });
  const baseline = merge(rounds.baseline);
  const companionRun = merge(rounds.companion);
  console.log(`\n${title}, autocannon (own process) ${CONNECTIONS} keep-alive connections, four alternating rounds of ${DURATION_MS / 4000} s:`);
  console.log(`  ${'server'.padEnd(26)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'non-2xx'.padStart(8)}`);
  for (const [name, r] of [['bare node:http (baseline)', baseline], ['r42-companion serve', companionRun]] as const) {
    console.log(`  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)}`);
  }
  const ratio = companionRun.rps / baseline.rps;
  const roundRatios = rounds.companion.map((r, i) => (r.rps / rounds.baseline[i]!.rps).toFixed(2));
  console.log(`  ratio companion/baseline: ${ratio.toFixed(2)} (aim ≥ 0.80; per round ${roundRatios.join(', ')}); p99 ${companionRun.p99.toFixed(2)} ms (aim < 5 ms)`);
  if (companionRun.errors + companionRun.non2xx > 0) process.exitCode = 1;
  return { ratio, p99: companionRun.p99 };
}

/** Wall time of one process from spawn to exit, in ms; throws unless it exits 0. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

function waitForAgentFile(home: string, child: ChildProcess): Promise<{ url: string; token: string }> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const file = path.join(home, 'agent.json');
      if (existsSync(file)) {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string; pid: number };
        if (parsed.pid === child.pid) {
          clearInterval(timer);
          resolve(parsed);
        }
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error('serve exited'));
      }
    }, 50);
  });
}

// Reads the request (a body too, for /mcp) and answers the JSON it was given: the floor of any Node server.
const BARE_SERVER = `
const http = require('node:http');
const body = process.argv[1];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function startBare(body: string, route: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', BARE_SERVER, body], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.once('data', (d: Buffer) => resolve({ child, url: `http://127.0.0.1:${d.toString().trim()}${route}` }));
  });
}

function runCliToken(env: NodeJS.ProcessEnv): Promise<{ code: number | null; token: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'token'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, token: out.trim() }));
  });
}

/** `r42-companion token` from the bundled CLI with a cached valid token (no refresh), next to `node -e 0`; returns the ratio of the means. */
async function measureTokenStartup(env: NodeJS.ProcessEnv): Promise<number> {
  // `r42-companion token` from the bundled CLI with a cached valid token (no refresh), next to `node -e 0`.
  const bundled = path.join(ROOT, 'dist/cli/index.js');
  const runs = { node: [] as number[], token: [] as number[] };
  await timeProcess(['-e', '0'], env);
  await timeProcess([bundled, 'token'], env);
  for (let i = 0; i < CLI_RUNS; i++) {
    runs.node.push(await timeProcess(['-e', '0'], env));
    runs.token.push(await timeProcess([bundled, 'token'], env));
  }
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  for (const xs of Object.values(runs)) xs.sort((a, b) => a - b);
  const startup = mean(runs.token) / mean(runs.node);
  console.log(`\n\`r42-companion token\` (dist/cli, cached token), ${CLI_RUNS} runs each, alternating:`);
  console.log(`  node -e 0:              mean ${mean(runs.node).toFixed(1)} ms, p50 ${percentile(runs.node, 50).toFixed(1)} ms`);
  console.log(`  r42-companion token:    mean ${mean(runs.token).toFixed(1)} ms, p50 ${percentile(runs.token, 50).toFixed(1)} ms`);
  console.log(`  ratio token/node: ${startup.toFixed(2)} (p50 ${(percentile(runs.token, 50) / percentile(runs.node, 50)).toFixed(2)}; aim < 1.5)`);
  return startup;
}

async function main() {
  // The `token` startup figure is of the bundle users run, built from this checkout.
  if (spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), 'cli'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('building dist/cli failed');
  const home = mkdtempSync(path.join(tmpdir(), 'r42-bench-'));
  const service = `r42-companion-bench-${process.pid}`;
  const sim = await new GarminSimulator({
    clients: [{ clientId: 'r42-bench', clientSecret: 'bench-secret-0123456789', redirectUris: ['http://127.0.0.1:0/callback'], anyLoopbackPort: true }],
  }).start();
  // The daemon's own sync stays at one day, so it does not disturb the endpoint measurements.
  const env: NodeJS.ProcessEnv = { ...process.env, ...sim.env(), R42_HOME: home, R42_KEYCHAIN_SERVICE: service, R42_LOG_LEVEL: 'warn', R42_BACKFILL_DAYS: '1' };
  const config = loadConfig(env);
  const secrets = createKeytarSecretStore(service);
  const companion = createCompanion({
    config,
    secrets,
    browser: {
      // Plays the runner: approve at the simulator, follow the redirect to the loopback listener.
      async open(url) {
        void (async () => {
          let next: string | null = url;
          for (let i = 0; i < 4 && next; i++) {
            const res: Response = await fetch(next, { redirect: 'manual' });
            await res.text();
            const location = res.headers.get('location');
            next = location ? new URL(location, next).href : null;
          }
        })();
      },
    },
  });
  const children: ChildProcess[] = [];
  try {
    await companion.signIn({ timeoutMs: 15_000 });
    // `npm run bench -- token` (or `tsx scripts/bench.ts token`): the CLI startup figure alone.
    if (process.argv[2] === 'token') {
      await measureTokenStartup(env);
      return;
    }
    // BENCH_PROF=<folder> writes a V8 CPU profile of the serve process there (open it in Chrome DevTools).
    const profile = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROF)}`] : [];
    // The bundle users run (dist/cli, built above), not the sources through tsx: tsx's keepNames
    // wraps every closure made per request, which showed in profiles as a cost users never pay.
    const serve = spawn(process.execPath, [...profile, path.join(ROOT, 'dist/cli/index.js'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(serve);
    const agent = await waitForAgentFile(home, serve);
    const auth = { authorization: `Bearer ${agent.token}` };

    // 1. Throughput and latency against a bare server answering the same JSON.
    const sample = await fetch(`${agent.url}/v1/token`, { headers: auth });
    const bareToken = await startBare(await sample.text(), '/v1/token');
    children.push(bareToken.child);
    const token = await compare(
      'GET /v1/token (owner grant)',
      () => cannon(bareToken.url, DURATION_MS / 4),
      () => cannon(`${agent.url}/v1/token`, DURATION_MS / 4, { headers: auth }),
    );
    bareToken.child.kill();

    // POST /mcp: a tools/call of get_status with a named grant, next to a bare server answering the same JSON.
    const named = companion.agents.add('bench-mcp');
    const mcpHeaders = { authorization: `Bearer ${named.secret}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const mcpBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_status', arguments: {} } });
    const mcpSample = await fetch(`${agent.url}/mcp`, { method: 'POST', headers: mcpHeaders, body: mcpBody });
    const mcpAnswer = await mcpSample.text();
    if (mcpSample.status !== 200 || !mcpAnswer.includes('"result"')) throw new Error(`POST /mcp answered ${mcpSample.status}: ${mcpAnswer.slice(0, 200)}`);
    const bareMcp = await startBare(mcpAnswer, '/mcp');
    children.push(bareMcp.child);
    const mcp = await compare(
      'POST /mcp tools/call get_status (named grant)',
      () => cannon(bareMcp.url, DURATION_MS / 4, { method: 'POST', headers: mcpHeaders, body: mcpBody }),
      () => cannon(`${agent.url}/mcp`, DURATION_MS / 4, { method: 'POST', headers: mcpHeaders, body: mcpBody }),
    );
    bareMcp.child.kill();

    const startup = await measureTokenStartup(env);
    console.log(`\nSummary: /v1/token ${token.ratio.toFixed(2)}× bare, p99 ${token.p99.toFixed(2)} ms; /mcp ${mcp.ratio.toFixed(2)}× bare, p99 ${mcp.p99.toFixed(2)} ms; token startup ${startup.toFixed(2)}× node -e 0`);

    // 2. The refresh storm.
    sim.accessTokenLifetimeSeconds = 300; // the next token is inside the 600 s margin: due for refresh
    await companion.getAccessToken({ forceRefresh: true });
    sim.accessTokenLifetimeSeconds = 86_400;
    sim.fail('refresh', { kind: 'delay', ms: 2_000, times: 1 }); // a slow Garmin keeps the race open
    const before = sim.counts.refreshes;
    // 500 calls over at most 100 sockets at once: the endpoint keeps 128 connections open and closes the idlest beyond that.
    const stormAgent = new Agent({ keepAlive: false, maxSockets: 100 });
    const target = new URL(`${agent.url}/v1/token`);
    const httpCalls = Array.from(
      { length: 500 },
      () =>
        new Promise<{ status: number; token: string }>((resolve) => {
          const req = request({ host: target.hostname, port: target.port, path: target.pathname, agent: stormAgent, headers: { host: target.host, ...auth } }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, token: res.statusCode === 200 ? (JSON.parse(text) as { access_token: string }).access_token : '' }));
          });
          req.on('error', () => resolve({ status: 0, token: '' }));
          req.end();
        }),
    );
    const cliCalls = Array.from({ length: 10 }, () => runCliToken(env));
    const [http, cli] = await Promise.all([Promise.all(httpCalls), Promise.all(cliCalls)]);
    stormAgent.destroy();
    const refreshes = sim.counts.refreshes - before;
    const distinct = new Set([...http.map((r) => r.token), ...cli.map((r) => r.token)].filter(Boolean));
    console.log('\nRefresh storm (refresh due, Garmin answering in 2 s):');
    console.log(`  /v1/token calls: 500, ok ${http.filter((r) => r.status === 200).length}`);
    console.log(`  CLI token processes: 10, ok ${cli.filter((r) => r.code === 0).length}`);
    console.log(`  refresh requests Garmin received: ${refreshes} (must be 1)`);
    console.log(`  distinct access tokens handed out: ${distinct.size}`);
    if (refreshes !== 1) process.exitCode = 1;

    // 3. Five years of history.
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
    const days = 5 * 365 + 1;
    const syncStarted = process.hrtime.bigint();
    const result = await companion.sync({ days });
    const syncSeconds = Number(process.hrtime.bigint() - syncStarted) / 1e9;
    const dbFile = path.join(home, 'companion.db');
    const source = new BetterSqlite3(dbFile, { readonly: true });
    // Every table the sync writes: summaries, activity details (compact samples, their HR-free figures, records), the wellness and the health types.
    const tables = [
      'activities', 'dailies', 'sleeps', 'hrv', 'user_metrics', 'activity_samples', 'activity_analysis', 'personal_records',
      'stress_details', 'body_comps', 'pulse_ox', 'respiration', 'epochs', 'health_snapshots', 'blood_pressures', 'skin_temps',
    ];
    const rows = Object.fromEntries(tables.map((t) => [t, source.prepare(`SELECT * FROM ${t}`).all() as Array<Record<string, unknown>>]));
    source.close();
    const total = Object.values(rows).reduce((n, r) => n + r.length, 0);
    // Baseline: the same rows, inserted with bare better-sqlite3 into the same schema, one transaction.
    const bareFile = path.join(home, 'bare.db');
    const bareDb = new BetterSqlite3(bareFile);
    bareDb.pragma('journal_mode = WAL');
    bareDb.pragma('synchronous = NORMAL');
    migrate(bareDb);
    const bareStarted = process.hrtime.bigint();
    bareDb.transaction(() => {
      for (const table of tables) {
        const sample = rows[table]![0];
        if (!sample) continue;
        const cols = Object.keys(sample);
        const insert = bareDb.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
        for (const row of rows[table]!) insert.run(row);
      }
    })();
    const bareSeconds = Number(process.hrtime.bigint() - bareStarted) / 1e9;
    bareDb.close();

    const summaryTimes = (weeks: number) => {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const started = process.hrtime.bigint();
        companion.data.weekly(weeks);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 50), p99: percentile(times, 99) };
    };
    const fiveYears = summaryTimes(261);
    const twelve = summaryTimes(12);
    const checkpoint = new BetterSqlite3(dbFile);
    checkpoint.pragma('wal_checkpoint(TRUNCATE)');
    checkpoint.close();
    const size = statSync(dbFile).size;
    const bareCheckpoint = new BetterSqlite3(bareFile);
    bareCheckpoint.pragma('wal_checkpoint(TRUNCATE)');
    bareCheckpoint.close();
    const dataSize = statSync(bareFile).size;

    console.log(`\n5-year backfill (${days} days, ${result.windows} upload windows of ≤ 24 h from the simulator on loopback):`);
    console.log(`  rows: ${Object.entries(rows).map(([t, r]) => `${t} ${r.length}`).join(', ')} (${total} in all, ${result.skipped} skipped)`);
    console.log(`  R42 sync:               ${syncSeconds.toFixed(2)} s, ${(total / syncSeconds).toFixed(0)} rows/s, ${((syncSeconds * 1000) / result.windows).toFixed(2)} ms per window (an HTTP request to the simulator, parsing, validation, samples encoded and analysed, one transaction per window)`);
    console.log(`  bare better-sqlite3:    ${bareSeconds.toFixed(3)} s, ${(total / bareSeconds).toFixed(0)} rows/s (same rows, one transaction)`);
    console.log(`  ratio sync/bare time:   ${(syncSeconds / bareSeconds).toFixed(1)}×`);
    console.log(`Weekly summary (300 runs each): 5 years (261 weeks) p50 ${fiveYears.p50.toFixed(2)} ms, p99 ${fiveYears.p99.toFixed(2)} ms; 12 weeks p50 ${twelve.p50.toFixed(2)} ms, p99 ${twelve.p99.toFixed(2)} ms`);
    console.log(`Database size on disk after checkpoint: ${(size / 1024 / 1024).toFixed(1)} MiB in all (this run also wrote one audit row per token hand-out above);`);
    console.log(`  the training data alone: ${(dataSize / 1024 / 1024).toFixed(1)} MiB (${(dataSize / total).toFixed(0)} bytes per row, typed columns plus raw JSON)`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    companion.close();
    await sim.stop();
    for (const { account } of await (await import('keytar')).default.findCredentials(service)) await secrets.delete(account);
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
