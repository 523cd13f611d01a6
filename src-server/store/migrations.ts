import type { SqlStore } from './sql-store.js';

/**
 * Numbered, append-only schema changes; the same SQL on PostgreSQL and PGlite. Applied in one
 * transaction under an advisory lock, so instances starting together apply each exactly once.
 * Never edit a migration that has shipped: add the next one.
 */
export const SERVER_MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly name: string; readonly sql: string }> = [
  {
    version: 1,
    name: 'broker: rate limit counters and refresh rotation replays',
    sql: `
      -- One row per client address (its SHA-256, never the address) per minute.
      create table rate_limit_hits (
        bucket text not null,
        window_start bigint not null,
        hits integer not null,
        primary key (bucket, window_start)
      );
      -- The last rotation's answer, sealed with a key only the old refresh token gives.
      create table refresh_rotations (
        token_sha256 text primary key,
        state text not null check (state in ('pending', 'done')),
        sealed bytea,
        expires_at bigint not null
      );
      create index refresh_rotations_expires_at on refresh_rotations (expires_at);
    `,
  },
  {
    version: 2,
    name: 'relay: Garmin notifications held for the desktop, and access tokens it already checked',
    sql: `
      -- Pings hold no health data (type, user, Garmin's callback URL, upload window); a push's
      -- summary is sealed with the server's data key. Rows are deleted once the desktop acks them.
      create table garmin_notifications (
        id bigserial primary key,
        garmin_user_id text not null,
        kind text not null check (kind in ('ping', 'push', 'deregistration', 'permissions')),
        summary_type text,
        callback_url text,
        upload_start bigint,
        upload_end bigint,
        sealed bytea,
        permissions text,
        dedupe_key text not null unique,
        received_at bigint not null
      );
      create index garmin_notifications_user on garmin_notifications (garmin_user_id, id);
      create index garmin_notifications_received on garmin_notifications (received_at);
      -- Whose an access token is, learned from Garmin once: the token's SHA-256, never the token.
      create table relay_token_owners (
        token_sha256 text primary key,
        garmin_user_id text not null,
        expires_at bigint not null
      );
      create index relay_token_owners_user on relay_token_owners (garmin_user_id);
    `,
  },
  {
    version: 3,
    name: 'relay: the size of each notification, so a page is bounded by bytes without reading the bodies',
    sql: `
      -- Bytes of the notification's payload as a relay page carries it: a push's summary JSON
      -- (UTF-8), a ping's callback URL, a permission change's list; written with every new row.
      -- Null for rows stored before (or, during a rolling deploy, by an instance that predates it):
      -- the relay then measures what the row holds (octet_length reads no TOASTed value).
      alter table garmin_notifications add column payload_bytes integer;
    `,
  },
  {
    version: 4,
    name: 'relay: ids in per-runner commit order without a lock per delivery, a position per computer, webhook quotas per hour',
    sql: `
      -- The relay hands a runner's rows out by id and deletes what was acknowledged up to an id, so
      -- a runner's rows must become visible in id order. Each row takes its runner's lock and only
      -- then its id; the lock is held to the commit, so a second delivery for the same runner gets
      -- higher ids and commits after. Deliveries for other runners never wait. Inserted by any
      -- version of the server (an older instance during a rolling deploy too).
      create function garmin_notifications_in_runner_order() returns trigger language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(4204203, hashtext(new.garmin_user_id));
        new.id := nextval('garmin_notifications_id_seq');
        return new;
      end
      $$;
      create trigger garmin_notifications_in_runner_order before insert on garmin_notifications
        for each row execute function garmin_notifications_in_runner_order();
      -- Each of a runner's computers (a random id per data folder) and how far it has acknowledged:
      -- a row is deleted once every one of them has it, or at retention.
      create table relay_computers (
        garmin_user_id text not null,
        computer_id text not null,
        acked_id bigint not null default 0,
        seen_at bigint not null,
        primary key (garmin_user_id, computer_id)
      );
      -- Notifications and bytes stored per hour: one row per runner ('r:' and the Garmin user id)
      -- and one for everyone ('*'), each instance adding its counts every second; refused
      -- deliveries counted. Deleted when the hour has ended.
      create table webhook_intake (
        bucket text not null,
        window_start bigint not null,
        notifications bigint not null default 0,
        bytes bigint not null default 0,
        refused bigint not null default 0,
        primary key (bucket, window_start)
      );
    `,
  },
  {
    version: 5,
    name: 'relay: an activity file ping carries the Garmin activity id, file type and start it names, sealed',
    sql: `
      -- An activityFiles ping's identifying fields (Garmin's activity id, file type, start) as JSON,
      -- sealed with the server's data key like a push's summary (the row's dedupe key and
      -- ':activityFile' bound as additional data): a ping still holds nothing readable beyond its
      -- type, user, callback URL and upload window. Null for every other row, for rows stored
      -- before, and for rows an older instance stores during a rolling deploy.
      alter table garmin_notifications add column ping_fields bytea;
    `,
  },
];

const LOCK_ID = 4_204_201;

/** Brings the schema up to date; returns the versions it applied. */
export async function migrate(store: SqlStore): Promise<number[]> {
  return store.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_ID]);
    await tx.query('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of SERVER_MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
