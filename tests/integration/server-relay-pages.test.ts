/**
 * Relay pages bounded by bytes as well as by count, on both stores the server runs on (PGlite and
 * a real PostgreSQL): the size of each notification is stored with it (migration 3, which also
 * measures rows stored before it), and a page stops adding notifications once they pass the
 * budget, but always holds one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayPage, type RelayNotification } from '../../src-common/relay-contract.js';
import { NotificationStore, NOTIFICATION_OVERHEAD_BYTES, PAGE_ENVELOPE_BYTES, RUNNER_LOCK_NAMESPACE } from '../../src-server/relay/notification-store.js';
import { seal as sealWithDataKey } from '../../src-server/sealing.js';
import { parseWebhookBody } from '../../src-server/relay/webhook-envelope.js';
import { migrate, SERVER_MIGRATIONS } from '../../src-server/store/migrations.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import { openPostgresStore } from '../../src-server/store/postgres-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const KEY = Buffer.alloc(32, 9);
const API = 'https://apis.garmin.com';
const KIB = 1024;

/** An activityDetails push of about `bytes` bytes of JSON (samples every second). */
function details(id: number, bytes: number): Record<string, unknown> {
  const start = 1_764_000_000 + id * 86_400;
  const samples: Array<Record<string, number>> = [];
  let size = 0;
  for (let t = 0; size < bytes; t++) {
    const sample = { startTimeInSeconds: start + t, heartRate: 120 + (t % 40), totalDistanceInMeters: Math.round(t * 3.1 * 10) / 10, speedMetersPerSecond: 3.1 };
    samples.push(sample);
    size += JSON.stringify(sample).length + 1;
  }
  return { summaryId: `big-${id}-detail`, activityId: 9_000_000 + id, summary: { startTimeInSeconds: start, durationInSeconds: samples.length, activityType: 'RUNNING' }, samples, laps: [] };
}

const pageBytes = (page: { notifications: RelayNotification[]; cursor: string | null; more: boolean }) => Buffer.byteLength(JSON.stringify(relayPage.parse(page)), 'utf8');

describe.each(['pglite', 'postgres'] as const)('relay pages bounded by bytes (%s)', (kind) => {
  let pg: TestPostgres | undefined;
  let store: SqlStore;
  let notifications: NotificationStore;

  beforeAll(async () => {
    if (kind === 'postgres') {
      pg = await startTestPostgres();
      store = await openPostgresStore(pg.url);
    } else store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    pg?.stop();
  });

  it('stores every new notification with its size (migration 3), and measures the ones stored without it', async () => {
    // The schema as it was before migration 3, with rows of every kind in it.
    await store.transaction(async (tx) => {
      await tx.exec('create table schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
      for (const m of SERVER_MIGRATIONS.filter((m) => m.version < 3)) {
        await tx.exec(m.sql);
        await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      }
    });
    const summary = JSON.stringify({ summaryId: 's1', note: 'é'.repeat(1000) });
    const url = `${API}/wellness-api/rest/dailies?token=abc`;
    await store.query(
      `insert into garmin_notifications (garmin_user_id, kind, summary_type, callback_url, sealed, permissions, dedupe_key, received_at) values
       ('old', 'push', 'activities', null, $1, null, 'k1', 1), ('old', 'ping', 'dailies', $2, null, null, 'k2', 1),
       ('old', 'permissions', null, null, null, '["HEALTH_EXPORT"]', 'k3', 1), ('old', 'deregistration', null, null, null, null, 'k4', 1)`,
      [sealWithDataKey(KEY, 'k1', summary), url],
    );
    expect(await migrate(store)).toEqual(SERVER_MIGRATIONS.filter((m) => m.version >= 3).map((m) => m.version));
    expect(await migrate(store)).toEqual([]);
    // Rows stored before it, or by an older instance during a rolling deploy, have no size: the
    // relay measures what they hold instead (a sealed summary with its 28 bytes of IV and tag).
    const big = JSON.stringify({ summaryId: 'old-big', pad: 'x'.repeat(300 * KIB) });
    for (let i = 0; i < 6; i++) {
      await store.query(`insert into garmin_notifications (garmin_user_id, kind, summary_type, sealed, dedupe_key, received_at) values ('old', 'push', 'activities', $1, $2, 1)`, [
        sealWithDataKey(KEY, `big${i}`, big),
        `big${i}`,
      ]);
    }
    expect(await store.query('select 1 from garmin_notifications where payload_bytes is not null')).toEqual([]);
    notifications = new NotificationStore(store, KEY);
    const body = { activityDetails: [{ ...details(1, 2_000), userId: 'new' }], dailies: [{ userId: 'new', callbackURL: url }], userPermissionsChange: [{ userId: 'new', permissions: ['ACTIVITY_EXPORT'] }] };
    await notifications.add(parseWebhookBody(body, API), 1);
    const stored = await store.query<{ kind: string; payload_bytes: number }>(`select kind, payload_bytes from garmin_notifications where garmin_user_id = 'new' order by id`);
    // A push is relayed as Garmin sent it, userId included.
    expect(stored.map((r) => [r.kind, Number(r.payload_bytes)])).toEqual([
      ['push', Buffer.byteLength(JSON.stringify(body.activityDetails[0]))],
      ['ping', url.length],
      ['permissions', '["ACTIVITY_EXPORT"]'.length],
    ]);
    // Old rows page alike, bounded by what they hold: four small ones and three of ~300 KB in 1 MiB.
    const old = await notifications.page('old', null, 500, KIB * KIB);
    expect(old.notifications.map((n) => n.kind)).toEqual(['push', 'ping', 'permissions', 'deregistration', 'push', 'push', 'push']);
    expect(old.more).toBe(true);
    expect(pageBytes({ ...old, cursor: old.notifications.at(-1)!.cursor })).toBeLessThanOrEqual(KIB * KIB);
    await store.query('delete from garmin_notifications');
  });

  it('hands 40 pushes of ~300 KB over in pages of at most the budget, and a notification larger than the budget alone', async () => {
    const budget = KIB * KIB;
    const pushed = Array.from({ length: 40 }, (_, i) => details(i, 300 * KIB));
    // One more, larger than a whole page: it still goes, alone.
    pushed.splice(20, 0, details(99, 1_500 * KIB));
    for (let i = 0; i < pushed.length; i += 10) {
      await notifications.add(parseWebhookBody({ activityDetails: pushed.slice(i, i + 10).map((d) => ({ ...d, userId: 'runner' })) }, API), 1);
    }
    // Another runner's rows never count against this runner's page.
    await notifications.add(parseWebhookBody({ activityDetails: [{ ...details(500, 2_000 * KIB), userId: 'other' }] }, API), 1);

    const seen: string[] = [];
    const sizes: Array<{ count: number; bytes: number; more: boolean }> = [];
    let after: string | null = null;
    for (let more = true; more; ) {
      const page = await notifications.page('runner', after, 500, budget);
      const cursor: string | null = page.notifications.at(-1)?.cursor ?? after;
      sizes.push({ count: page.notifications.length, bytes: pageBytes({ ...page, cursor }), more: page.more });
      for (const n of page.notifications) if (n.kind === 'push') seen.push(String(n.summary.summaryId));
      after = cursor;
      more = page.more;
      expect(sizes.length).toBeLessThan(60);
    }
    expect(seen).toEqual(pushed.map((d) => d.summaryId));
    // Three of ~300 KB fit in 1 MiB; the 1.5 MB one comes alone.
    expect(sizes.length).toBeGreaterThanOrEqual(14);
    for (const page of sizes) {
      if (page.count > 1) expect(page.bytes).toBeLessThanOrEqual(budget);
      else expect(page.count).toBe(1);
    }
    expect(sizes.filter((p) => p.bytes > budget)).toEqual([{ count: 1, bytes: expect.any(Number), more: true }]);
    expect(sizes.map((p) => p.more)).toEqual([...Array.from({ length: sizes.length - 1 }, () => true), false]);
    // The stored size and what a page adds around it bound the page's real size from above.
    const one = await notifications.page('runner', null, 1, budget);
    expect(pageBytes({ ...one, cursor: one.notifications[0]!.cursor })).toBeLessThanOrEqual(Buffer.byteLength(JSON.stringify({ ...pushed[0], userId: 'runner' })) + NOTIFICATION_OVERHEAD_BYTES + PAGE_ENVELOPE_BYTES);
    await store.query('delete from garmin_notifications');
  });

  // PostgreSQL only: PGlite is one connection, where deliveries cannot interleave.
  if (kind === 'postgres') it('never lets a quick delivery overtake a slow one for the same runner: nothing is skipped or acked unseen', async () => {
    // A large backfill body still storing on one connection (its transaction open) ...
    const slow = await openPostgresStore(pg!.url);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const storing = new Promise<void>((resolve) => (inside = resolve));
    const big = parseWebhookBody({ activityDetails: Array.from({ length: 5 }, (_, i) => ({ ...details(i, 50 * KIB), userId: 'runner' })) }, API);
    const slowDelivery = slow.transaction(async (tx) => {
      await new NotificationStore(slow, KEY).addWithin(tx, big, 1);
      inside();
      await gate;
    });
    await storing;
    try {
      // ... while a small one for the same runner arrives on another.
      const late = parseWebhookBody({ dailies: [{ userId: 'runner', callbackURL: `${API}/wellness-api/rest/dailies?token=late` }] }, API);
      let quickDone = false;
      const quickDelivery = notifications.add(late, 1).then(() => (quickDone = true));
      const waiting = async () => Number((await store.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = $1 and not granted`, [RUNNER_LOCK_NAMESPACE]))[0]!.n);
      await expect.poll(waiting, { timeout: 10_000, interval: 20 }).toBe(1);
      // The desktop polls meanwhile: it sees nothing yet, so its cursor does not move past the slow rows.
      const meanwhile = await notifications.page('runner', null, 500, 4 * KIB * KIB);
      expect(meanwhile.notifications).toEqual([]);
      expect(quickDone).toBe(false);
      release();
      await Promise.all([slowDelivery, quickDelivery]);
      const all = await notifications.page('runner', meanwhile.notifications.at(-1)?.cursor ?? null, 500, 4 * KIB * KIB);
      expect(all.notifications.map((n) => (n.kind === 'push' ? String(n.summary.summaryId) : n.kind))).toEqual([...big.map((_, i) => `big-${i}-detail`), 'ping']);
    } finally {
      release();
      await slowDelivery.catch(() => undefined);
      await slow.close();
      await store.query('delete from garmin_notifications');
    }
  });

  // A rolling deploy: an instance of the version before migration 4 (its own 64 lock buckets, ids
  // from the column's default) stores beside this one; the trigger orders its rows the same way.
  if (kind === 'postgres') it('orders an older instance’s delivery with this version’s for the same runner during a rolling deploy', async () => {
    const older = await openPostgresStore(pg!.url);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const storing = new Promise<void>((resolve) => (inside = resolve));
    const olderDelivery = older.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(4204202, 7)');
      await tx.query(
        `insert into garmin_notifications (garmin_user_id, kind, summary_type, callback_url, dedupe_key, received_at) values
         ('runner', 'ping', 'dailies', $1, 'older-1', 1), ('runner', 'ping', 'dailies', $2, 'older-2', 1)`,
        [`${API}/wellness-api/rest/dailies?token=older-1`, `${API}/wellness-api/rest/dailies?token=older-2`],
      );
      inside();
      await gate;
    });
    await storing;
    try {
      const late = parseWebhookBody({ dailies: [{ userId: 'runner', callbackURL: `${API}/wellness-api/rest/dailies?token=newer` }] }, API);
      const newerDelivery = notifications.add(late, 1);
      const waiting = async () => Number((await store.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = $1 and not granted`, [RUNNER_LOCK_NAMESPACE]))[0]!.n);
      await expect.poll(waiting, { timeout: 10_000, interval: 20 }).toBe(1);
      expect((await notifications.page('runner', null, 500, 4 * KIB * KIB)).notifications).toEqual([]);
      release();
      await Promise.all([olderDelivery, newerDelivery]);
      const all = await notifications.page('runner', null, 500, 4 * KIB * KIB);
      expect(all.notifications.map((n) => (n.kind === 'ping' ? new URL(n.callbackURL).searchParams.get('token') : n.kind))).toEqual(['older-1', 'older-2', 'newer']);
    } finally {
      release();
      await olderDelivery.catch(() => undefined);
      await older.close();
      await store.query('delete from garmin_notifications');
    }
  });

  it('keeps an activity file ping’s activity id, file type and start sealed (migration 5), for a desktop that reads them; older rows and desktops do without', async () => {
    const ping = (id: string, extra: Record<string, unknown>) => ({ userId: 'files', callbackURL: `${API}/wellness-api/rest/activityFile?id=${id}&token=${'t'.repeat(40)}`, ...extra });
    // Garmin's documented item (activityFiles.json): activityId a number, keys as Garmin prints them, one with a stray space.
    const documented = { summaryId: '10010727180-file', fileType: 'FIT', activityType: 'RUNNING', deviceName: 'Garmin Fenix 8', startTimeInSeconds: 1617717902, activityId: 5001904988, activityName: 'Olathe WALKING', manual: false };
    const body = {
      activityFiles: [ping('1', documented), ping('2', { 'activityId ': '77', fileType: 'tcx' }), ping('3', { activityId: 'not-an-id', fileType: 'F I T' })],
      dailies: [{ userId: 'files', callbackURL: `${API}/wellness-api/rest/dailies?token=abc` }],
    };
    await notifications.add(parseWebhookBody(body, API), 1);
    // A row an instance before migration 5 stored during a rolling deploy: no fields.
    await store.query(`insert into garmin_notifications (garmin_user_id, kind, summary_type, callback_url, dedupe_key, received_at) values ('files', 'ping', 'activityFiles', $1, 'older', 1)`, [
      `${API}/wellness-api/rest/activityFile?id=4&token=x`,
    ]);
    const reading = await notifications.page('files', null, 500, KIB * KIB, { activityFile: true });
    const fields = reading.notifications.map((n) => (n.kind === 'ping' ? (n.activityFile ?? 'none') : n.kind));
    expect(fields).toEqual([
      { activityId: '5001904988', fileType: 'FIT', startTimeInSeconds: 1617717902 },
      { activityId: '77', fileType: 'TCX', startTimeInSeconds: null },
      'none',
      'none',
      'none',
    ]);
    // The page parses with the shared contract, and its size stays within what the stored sizes promise.
    expect(pageBytes({ ...reading, cursor: reading.notifications.at(-1)!.cursor })).toBeLessThanOrEqual(
      (await store.query<{ n: string | number }>(`select sum(coalesce(payload_bytes, octet_length(callback_url))) as n from garmin_notifications where garmin_user_id = 'files'`)).map((r) => Number(r.n))[0]! +
        5 * NOTIFICATION_OVERHEAD_BYTES +
        PAGE_ENVELOPE_BYTES,
    );
    // A desktop that does not name the field (an older one, parsing strictly) gets pages without it.
    const older = await notifications.page('files', null, 500, KIB * KIB);
    expect(older.notifications.every((n) => !('activityFile' in n))).toBe(true);
    // At rest the fields are sealed: neither the id nor the start is readable in the row.
    const rows = await store.query<{ ping_fields: string | null }>(`select encode(ping_fields, 'base64') as ping_fields from garmin_notifications where garmin_user_id = 'files' order by id`);
    expect(rows.map((r) => r.ping_fields !== null)).toEqual([true, true, false, false, false]);
    const raw = Buffer.concat(rows.filter((r) => r.ping_fields !== null).map((r) => Buffer.from(r.ping_fields!, 'base64'))).toString('latin1');
    expect(raw).not.toContain('5001904988');
    expect(raw).not.toContain('1617717902');
    // Another data key cannot open them: the ping still goes, without its fields.
    const rekeyed = await new NotificationStore(store, Buffer.alloc(32, 7)).page('files', null, 500, KIB * KIB, { activityFile: true });
    expect(rekeyed.notifications.map((n) => n.kind === 'ping' && 'activityFile' in n)).toEqual([false, false, false, false, false]);
    await store.query('delete from garmin_notifications');
  });

  it('still bounds a page of small notifications by count, and a budget of many small ones by bytes', async () => {
    const pings = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ userId: 'runner', callbackURL: `${API}/wellness-api/rest/dailies?uploadStartTimeInSeconds=${from + i}&uploadEndTimeInSeconds=${from + i + 1}&token=${'t'.repeat(200)}` }));
    await notifications.add(parseWebhookBody({ dailies: pings(620, 0) }, API), 1);
    const byCount = await notifications.page('runner', null, 500, 4 * KIB * KIB);
    expect([byCount.notifications.length, byCount.more]).toEqual([500, true]);
    const rest = await notifications.page('runner', byCount.notifications.at(-1)!.cursor, 500, 4 * KIB * KIB);
    expect([rest.notifications.length, rest.more]).toEqual([120, false]);
    // With 64 KiB, as many pings as fit (each ~330 bytes of URL plus the overhead).
    const byBytes = await notifications.page('runner', null, 500, 64 * KIB);
    expect(byBytes.more).toBe(true);
    expect(byBytes.notifications.length).toBeGreaterThan(100);
    expect(byBytes.notifications.length).toBeLessThan(200);
    expect(pageBytes({ ...byBytes, cursor: byBytes.notifications.at(-1)!.cursor })).toBeLessThanOrEqual(64 * KIB);
    await store.query('delete from garmin_notifications');
  });
});
