import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../../src-server/config.js';
import { openPostgresStore } from '../../src-server/store/postgres-store.js';
import { migrate, SERVER_MIGRATIONS } from '../../src-server/store/migrations.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { secretsIn, startSimulator, tempDir, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../support/harness.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { postToken, postWebhook, serverEnv, spawnServer, startTestServer } from '../support/r42-server.js';

const REDIRECT = 'http://127.0.0.1:43117/callback';
const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'some-refresh-token-value' };

describe('R42 server on a real PostgreSQL: instances share one database', () => {
  let pg: TestPostgres;
  let sim: GarminSimulator;

  beforeAll(async () => {
    pg = await startTestPostgres();
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.stop();
    pg.stop();
  });

  it('migrates once when instances start together, and shares the rate limit across instances', async () => {
    const stores: SqlStore[] = await Promise.all([openPostgresStore(pg.url), openPostgresStore(pg.url)]);
    const applied = await Promise.all(stores.map((s) => migrate(s)));
    expect(applied.flat().sort()).toEqual(SERVER_MIGRATIONS.map((m) => m.version));
    const env = serverEnv(sim, [REDIRECT], { RATE_LIMIT_PER_MINUTE: '5', DATABASE_URL: pg.url });
    const [a, b] = await Promise.all(stores.map((store) => startTestServer(env, { store })));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await postToken((i % 2 === 0 ? a : b)!.url, refresh);
        statuses.push(response.status);
        await response.body?.cancel();
      }
      // Five a minute from this address across both instances, not five each.
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429, 429]);
      expect(sim.counts.refreshes).toBe(5);
      expect((await fetch(`${a!.url}/readyz`)).status).toBe(200);
    } finally {
      await a!.stop();
      await b!.stop();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('answers 503 while PostgreSQL is down, and serves again when it is back, without restarting', async () => {
    const store = await openPostgresStore(pg.url);
    const server = await startTestServer(serverEnv(sim, [REDIRECT], { RATE_LIMIT_PER_MINUTE: '1000', DATABASE_URL: pg.url }), { store });
    try {
      pg.restart();
      // The pool's old connections died with the server: the next request may see that once.
      let status = 0;
      for (let i = 0; i < 5 && status !== 400; i++) {
        const response = await postToken(server.url, refresh);
        status = response.status;
        await response.body?.cancel();
        expect([400, 503]).toContain(status);
      }
      expect(status).toBe(400);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
      await store.close();
    }
  });

  it('answers webhooks 503 while PostgreSQL restarts under load, so Garmin delivers again, and loses nothing', async () => {
    const store = await openPostgresStore(pg.url);
    // PostgreSQL restarts while the 50th delivery is on its way to it, with others in flight.
    let untilRestart = 50;
    const restarting: SqlStore = {
      ...store,
      query: (text, params) => {
        if (text.includes('insert into garmin_notifications') && --untilRestart === 0) pg.restart();
        return store.query(text, params);
      },
    };
    const server = await startTestServer(serverEnv(sim, [REDIRECT], { DATABASE_URL: pg.url }), { store: restarting });
    try {
      const body = (i: number) => ({ dailies: [{ userId: 'pg-runner', callbackURL: `${sim.url}/wellness-api/rest/dailies?uploadStartTimeInSeconds=${i}&uploadEndTimeInSeconds=${i + 1}&token=t${i}` }] });
      const statuses: number[] = [];
      // Garmin's side: deliver each body until it gets a 200, as it does for days.
      const deliver = async (i: number) => {
        for (let attempt = 0; attempt < 100; attempt++) {
          const response = await postWebhook(server.url, body(i)).catch(() => null);
          statuses.push(response?.status ?? 0);
          await response?.body?.cancel();
          if (response?.status === 200) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`delivery ${i} never stored`);
      };
      await Promise.all(Array.from({ length: 200 }, (_, i) => deliver(i)));
      expect(untilRestart).toBeLessThan(0);
      expect(statuses.some((s) => s === 503)).toBe(true);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      const rows = await store.query<{ n: number }>("select count(*)::int as n from garmin_notifications where garmin_user_id = 'pg-runner'");
      expect(Number(rows[0]!.n)).toBe(200);
    } finally {
      await server.stop();
      await store.query('delete from garmin_notifications').catch(() => undefined);
      await store.close();
    }
  });

  it('runs as its own process on PostgreSQL: one listening line, then JSON log lines without secrets', async () => {
    const proc = spawnServer({ ...serverEnv(sim, [REDIRECT]), DATABASE_URL: pg.url });
    try {
      const url = await proc.url;
      const response = await postToken(url, refresh);
      expect(response.status).toBe(400);
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // One plain line for a person; everything else is a JSON line for a log collector.
      const lines = proc.output().trim().split('\n');
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([`R42 server listening on ${url}`]);
      const logs = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logs.find((l) => l.event === 'server.started')).toMatchObject({ store: 'postgres', service: 'r42-server' });
      expect(logs.find((l) => l.event === 'request')).toMatchObject({ route: '/v1/garmin/token', grant_type: 'refresh_token', upstream_status: 400, status: 400 });
      expect(secretsIn(proc.output(), [TEST_CLIENT_SECRET, refresh.refresh_token, pg.url])).toEqual([]);
    } finally {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    }
  });
});

describe('R42 server: the embedded default and its settings', () => {
  it('starts on PGlite in R42_SERVER_DATA_DIR with no database, and again on the same data', { timeout: 120_000 }, async () => {
    const sim = await startSimulator();
    const dataDir = path.join(tempDir(), 'server-data');
    try {
      for (let run = 0; run < 2; run++) {
        // No data key and no webhook secret configured: the embedded store makes each beside its data, once.
        const { R42_SERVER_DATA_KEY: _key, R42_WEBHOOK_SECRET: _secret, ...env } = serverEnv(sim, [REDIRECT]);
        const proc = spawnServer({ ...env, R42_SERVER_DATA_DIR: dataDir });
        const url = await proc.url;
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
        const events = proc
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => (JSON.parse(line) as { event: string }).event);
        // Migrations run once, on the first start only.
        expect(events.includes('store.migrated')).toBe(run === 0);
        expect(events.includes('config.data_key_generated')).toBe(run === 0);
        expect(events.includes('config.webhook_secret_generated')).toBe(run === 0);
        expect(statSync(path.join(dataDir, 'data-key')).mode & 0o777).toBe(0o600);
        expect(statSync(path.join(dataDir, 'webhook-secret')).mode & 0o777).toBe(0o600);
        // The webhook answers under the kept secret (the same on every start), and it is never printed.
        const secret = readFileSync(path.join(dataDir, 'webhook-secret'), 'utf8').trim();
        expect(secret).toMatch(/^[0-9a-f]{64}$/);
        const delivered = await postWebhook(url, { dailies: [{ userId: 'u1', callbackURL: `${sim.url}/wellness-api/rest/dailies?token=run${run}` }] }, {}, secret);
        expect(delivered.status).toBe(200);
        await delivered.body?.cancel();
        expect(proc.output()).not.toContain(secret);
        proc.child.kill('SIGINT');
        expect(await proc.exited).toBe(0);
      }
    } finally {
      await sim.stop();
    }
  });

  it('names the setting that is missing or wrong, and exits 2', async () => {
    const base = { GARMIN_CLIENT_ID: 'c', GARMIN_CLIENT_SECRET: 's', GARMIN_REDIRECT_URIS: REDIRECT };
    const keyOf = (env: Record<string, string>) => {
      try {
        loadServerConfig(env);
        return 'ok';
      } catch (error) {
        return error instanceof ServerConfigError ? `${error.key}: ${error.message}` : String(error);
      }
    };
    expect(keyOf(base)).toBe('ok');
    expect(keyOf({ ...base, GARMIN_CLIENT_ID: '' })).toMatch(/^GARMIN_CLIENT_ID: GARMIN_CLIENT_ID is required/);
    expect(keyOf({ GARMIN_CLIENT_ID: 'c', GARMIN_REDIRECT_URIS: REDIRECT })).toMatch(/^GARMIN_CLIENT_SECRET: /);
    expect(keyOf({ ...base, GARMIN_REDIRECT_URIS: ' , ' })).toMatch(/^GARMIN_REDIRECT_URIS: /);
    expect(keyOf({ ...base, GARMIN_REDIRECT_URIS: 'not a url' })).toMatch(/^GARMIN_REDIRECT_URIS: .*not a URL/);
    expect(keyOf({ ...base, GARMIN_TOKEN_URL: 'http://garmin.example/token' })).toMatch(/^GARMIN_TOKEN_URL: .*https/);
    expect(keyOf({ ...base, PORT: 'eighty' })).toMatch(/^PORT: /);
    // Not zod's "expected number, received NaN".
    expect(keyOf({ ...base, PORT: 'abc' })).toBe('PORT: PORT must be a whole number written in digits, not "abc".');
    expect(keyOf({ ...base, PORT: '70000' })).toBe('PORT: PORT must be from 0 to 65535.');
    expect(keyOf({ ...base, RATE_LIMIT_PER_MINUTE: 'lots' })).toBe('RATE_LIMIT_PER_MINUTE: RATE_LIMIT_PER_MINUTE must be a whole number written in digits, not "lots".');
    expect(keyOf({ ...base, RATE_LIMIT_PER_MINUTE: '0' })).toMatch(/^RATE_LIMIT_PER_MINUTE: /);
    expect(keyOf({ ...base, TRUST_PROXY: 'maybe' })).toMatch(/^TRUST_PROXY: /);
    expect(keyOf({ ...base, DATABASE_URL: 'mysql://x' })).toMatch(/^DATABASE_URL: /);
    // Pushed data is encrypted at rest: PostgreSQL needs a key; the embedded store makes one.
    expect(keyOf({ ...base, DATABASE_URL: 'postgres://r42@127.0.0.1/r42' })).toMatch(/^R42_SERVER_DATA_KEY: .*required with DATABASE_URL/);
    expect(keyOf({ ...base, R42_SERVER_DATA_KEY: 'too-short' })).toMatch(/^R42_SERVER_DATA_KEY: .*32 random bytes/);
    expect(keyOf({ ...base, R42_SERVER_DATA_KEY: 'ab'.repeat(32) })).toBe('ok');
    expect(keyOf({ ...base, GARMIN_API_URL: 'http://garmin.example' })).toMatch(/^GARMIN_API_URL: /);
    // The webhook URL's secret: required on PostgreSQL, at least 32 URL-safe characters.
    const secret = 'a'.repeat(32);
    expect(keyOf({ ...base, DATABASE_URL: 'postgres://r42@127.0.0.1/r42', R42_SERVER_DATA_KEY: 'ab'.repeat(32) })).toMatch(/^R42_WEBHOOK_SECRET: .*required with DATABASE_URL/);
    expect(keyOf({ ...base, DATABASE_URL: 'postgres://r42@127.0.0.1/r42', R42_SERVER_DATA_KEY: 'ab'.repeat(32), R42_WEBHOOK_SECRET: secret })).toBe('ok');
    expect(keyOf({ ...base, R42_WEBHOOK_SECRET: 'short' })).toMatch(/^R42_WEBHOOK_SECRET: .*32 to 256 URL-safe/);
    expect(keyOf({ ...base, R42_WEBHOOK_SECRET: `${secret}/..` })).toMatch(/^R42_WEBHOOK_SECRET: /);
    // Garmin's source ranges, IPv4 and IPv6; anything else names the entry.
    expect(loadServerConfig({ ...base, WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/24, 2001:db8::/32,198.51.100.7' }).webhookSources?.count).toBe(3);
    expect(keyOf({ ...base, WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/33' })).toMatch(/^WEBHOOK_ALLOWED_SOURCES: .*203\.0\.113\.0\/33/);
    expect(keyOf({ ...base, WEBHOOK_ALLOWED_SOURCES: 'garmin.com' })).toMatch(/^WEBHOOK_ALLOWED_SOURCES: /);
    // Quotas hold at least one body of one runner, and everyone's holds a runner's.
    expect(keyOf({ ...base, WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS: '9999' })).toMatch(/^WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS: .*10000/);
    expect(keyOf({ ...base, WEBHOOK_QUOTA_RUNNER_MEGABYTES: '16' })).toMatch(/^WEBHOOK_QUOTA_RUNNER_MEGABYTES: .*at least 32/);
    expect(keyOf({ ...base, WEBHOOK_QUOTA_MEGABYTES: '64' })).toMatch(/^WEBHOOK_QUOTA_MEGABYTES: .*at least 128/);
    expect(keyOf({ ...base, WEBHOOK_MEMORY_MEGABYTES: '16' })).toMatch(/^WEBHOOK_MEMORY_MEGABYTES: .*at least 32/);
    expect(loadServerConfig(base)).toMatchObject({ webhookMemoryBytes: 64 * 1024 * 1024, webhookQuota: { runnerNotifications: 20_000, runnerBytes: 128 * 1024 * 1024, notifications: 500_000, bytes: 2048 * 1024 * 1024 } });
    // One notification travels whole in one relay page, and the desktop reads pages of at most 64 MiB.
    expect(keyOf({ ...base, WEBHOOK_MAX_MEGABYTES: '64' })).toMatch(/^WEBHOOK_MAX_MEGABYTES: .*at most 63.*64 MiB/);
    expect(keyOf({ ...base, WEBHOOK_MAX_MEGABYTES: '63' })).toBe('ok');
    expect(keyOf({ ...base, RELAY_PAGE_MAX_BYTES: '1000' })).toMatch(/^RELAY_PAGE_MAX_BYTES: .*at least 65536/);
    expect(keyOf({ ...base, RELAY_PAGE_MAX_BYTES: String(33 * 1024 * 1024) })).toMatch(/^RELAY_PAGE_MAX_BYTES: .*at most/);
    expect(keyOf({ ...base, RELAY_PAGE_MAX_BYTES: '4mb' })).toMatch(/^RELAY_PAGE_MAX_BYTES: /);
    expect(loadServerConfig(base)).toMatchObject({ webhookMaxBytes: 32 * 1024 * 1024, relayPageMaxBytes: 4 * 1024 * 1024 });
    // A container secret file: trailing newline dropped; both ways at once refused.
    const file = path.join(tempDir(), 'secret');
    writeFileSync(file, 'file-secret-value\n');
    const { GARMIN_CLIENT_SECRET: _s, ...noSecret } = base;
    expect(loadServerConfig({ ...noSecret, GARMIN_CLIENT_SECRET_FILE: file }).garmin.clientSecret).toBe('file-secret-value');
    expect(keyOf({ ...base, GARMIN_CLIENT_SECRET_FILE: file })).toMatch(/both set/);
    expect(keyOf({ ...noSecret, GARMIN_CLIENT_SECRET_FILE: `${file}-missing` })).toMatch(/^GARMIN_CLIENT_SECRET_FILE: .*ENOENT/);

    const proc = spawnServer({ GARMIN_CLIENT_SECRET: 'never-printed-secret', GARMIN_REDIRECT_URIS: REDIRECT });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/^R42 server: GARMIN_CLIENT_ID is required/);
    expect(proc.output()).not.toContain('never-printed-secret');

    const port = spawnServer({ ...base, PORT: 'abc' });
    expect(await port.exited).toBe(2);
    expect(port.output()).toBe('R42 server: PORT must be a whole number written in digits, not "abc". (see docs/server.md for every setting)\n');
  });

  it('says which setting points at a database it cannot reach, without the password in it, and exits 2', async () => {
    // Nothing listens on port 1: what a wrong DATABASE_URL, or a database not started yet, looks like.
    const proc = spawnServer({
      GARMIN_CLIENT_ID: 'c',
      GARMIN_CLIENT_SECRET: 's',
      GARMIN_REDIRECT_URIS: REDIRECT,
      DATABASE_URL: 'postgres://r42:hunter2-database-password@127.0.0.1:1/r42',
      R42_SERVER_DATA_KEY: 'ab'.repeat(32),
      R42_WEBHOOK_SECRET: 'w'.repeat(32),
    });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/^R42 server: cannot reach the database in DATABASE_URL \(127\.0\.0\.1:1\/r42\): .*ECONNREFUSED.*fix DATABASE_URL\.$/m);
    expect(proc.output()).not.toContain('hunter2-database-password');
  });
});
