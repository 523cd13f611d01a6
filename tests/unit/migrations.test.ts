import { statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations.js';
import { SCHEMA_VERSION } from '../../src-main/core/store/schema-version.js';
import { CompanionError } from '../../src-main/core/errors.js';
import { tempDir } from '../support/harness.js';

const tables = (db: BetterSqlite3.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

describe('database', () => {
  it('opens with WAL and foreign keys, owner-only, migrated to the latest version', () => {
    const file = path.join(tempDir(), 'sub', 'companion.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    // `token`'s fast path knows the latest version without loading the migrations: a new migration moves SCHEMA_VERSION too.
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)!.version);
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
    db.close();
  });

  it('migration 1 creates profiles (with the default one), sign-in sessions, accounts, audit log and refresh locks', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    expect(migrate(db, MIGRATIONS, 1)).toBe(1);
    expect(tables(db)).toEqual(['audit_log', 'garmin_accounts', 'profiles', 'refresh_locks', 'sign_in_sessions']);
    expect(db.prepare('SELECT id FROM profiles').all()).toEqual([{ id: 'default' }]);
    // Everything hangs off a profile: deleting it removes its link and sessions.
    db.prepare("INSERT INTO garmin_accounts (profile_id, garmin_user_id, keychain_key, connected_at) VALUES ('default', 'u1', 'k', 1)").run();
    db.prepare("INSERT INTO sign_in_sessions (id, profile_id, state_sha256, redirect_uri, created_at, expires_at) VALUES ('s', 'default', 'h', 'r', 1, 2)").run();
    expect(() => db.prepare("INSERT INTO garmin_accounts (profile_id, garmin_user_id, keychain_key, connected_at) VALUES ('nobody', 'u2', 'k', 1)").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE garmin_accounts SET status = 'weird'").run()).toThrow(/CHECK/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    expect(db.prepare('SELECT count(*) AS n FROM garmin_accounts').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM sign_in_sessions').get()).toEqual({ n: 0 });
  });

  it('is idempotent and refuses a database from a newer version', () => {
    const file = path.join(tempDir(), 'companion.db');
    openDatabase(file).close();
    const again = openDatabase(file);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    again.pragma('user_version = 999');
    again.close();
    try {
      openDatabase(file);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CompanionError);
      expect((error as CompanionError).code).toBe('storage_error');
      expect((error as CompanionError).message).toContain('newer R42 Companion');
    }
  });
});

describe('migrations 2 and 3', () => {
  it('2 adds agent grants with a unique active name per profile', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 1);
    expect(migrate(db, MIGRATIONS, 2)).toBe(2);
    const insert = db.prepare("INSERT INTO agent_grants (id, profile_id, name, kind, secret_sha256, created_at, revoked_at) VALUES (?, 'default', 'coach', 'named', ?, 1, ?)");
    insert.run('a', 'h1', null);
    expect(() => insert.run('b', 'h2', null)).toThrow(/UNIQUE/);
    db.prepare("UPDATE agent_grants SET revoked_at = 2 WHERE id = 'a'").run();
    insert.run('c', 'h3', null); // the name is free again once revoked
    expect(() => db.prepare("INSERT INTO agent_grants (id, profile_id, name, kind, secret_sha256, created_at) VALUES ('d', 'default', 'x', 'root', 'h4', 1)").run()).toThrow(/CHECK/);
  });

  it('3 adds the training tables and sync cursors, keyed by profile and summaryId, and keeps older rows', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 2);
    db.prepare("INSERT INTO audit_log (profile_id, at, event) VALUES ('default', 1, 'sign_in.succeeded')").run();
    expect(migrate(db, MIGRATIONS, 3)).toBe(3);
    expect(tables(db)).toEqual(expect.arrayContaining(['activities', 'dailies', 'sleeps', 'hrv', 'user_metrics', 'sync_streams', 'sync_leases']));
    expect(db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 1 });
    const insert = db.prepare("INSERT INTO dailies (profile_id, summary_id, calendar_date, raw, synced_at) VALUES ('default', 'd1', '2026-11-23', '{}', 1)");
    insert.run();
    expect(() => insert.run()).toThrow(/UNIQUE|PRIMARY/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    expect(db.prepare('SELECT count(*) AS n FROM dailies').get()).toEqual({ n: 0 });
  });

  it('4 adds the relay cursor and the backfill ranges, keyed by profile, and keeps the training data', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 3);
    db.prepare("INSERT INTO sync_streams (profile_id, stream, backfill_start, backfill_floor, backfill_next_end, cursor) VALUES ('default', 'dailies', 10, 0, 10, 10)").run();
    expect(migrate(db, MIGRATIONS, 4)).toBe(4);
    expect(tables(db)).toEqual(expect.arrayContaining(['relay_state', 'relay_backfill']));
    expect(db.prepare('SELECT count(*) AS n FROM sync_streams').get()).toEqual({ n: 1 });
    db.prepare("INSERT INTO relay_state (profile_id, cursor) VALUES ('default', '42')").run();
    db.prepare("INSERT INTO relay_backfill (profile_id, stream, start_s, end_s) VALUES ('default', 'activities', 0, 2592000)").run();
    expect(() => db.prepare("INSERT INTO relay_backfill (profile_id, stream, start_s, end_s) VALUES ('default', 'activities', 0, 1)").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE relay_backfill SET state = 'weird'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO relay_state (profile_id) VALUES ('nobody')").run()).toThrow(/FOREIGN KEY/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    expect(db.prepare('SELECT count(*) AS n FROM relay_backfill').get()).toEqual({ n: 0 });
  });
});

describe('migration 5', () => {
  it('adds compact activity samples, their derived figures, records and four wellness tables, keeping the older data', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 4);
    db.prepare("INSERT INTO activities (profile_id, summary_id, activity_type, start_time, start_offset, local_date, raw, synced_at) VALUES ('default', 'a1', 'RUNNING', 1, 0, '2026-11-23', '{}', 1)").run();
    expect(migrate(db, MIGRATIONS, 5)).toBe(5);
    expect(tables(db)).toEqual(expect.arrayContaining(['activity_samples', 'activity_analysis', 'personal_records', 'stress_details', 'body_comps', 'pulse_ox', 'respiration']));
    expect(db.prepare('SELECT count(*) AS n FROM activities').get()).toEqual({ n: 1 });
    const sample = db.prepare(
      `INSERT INTO activity_samples (profile_id, summary_id, activity_summary_id, format_version, sample_count, samples_duration_s, has_hr, has_gps, samples, raw, synced_at)
       VALUES (?, 'a1-detail', 'a1', 1, 0, 0, 0, 0, x'0101', '{}', 1)`,
    );
    sample.run('default');
    expect(() => sample.run('default')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => sample.run('nobody')).toThrow(/FOREIGN KEY/);
    // STRICT: a BLOB column takes no text.
    expect(() => db.prepare("UPDATE activity_samples SET samples = 'text'").run()).toThrow(/cannot store TEXT/);
    const analysis = db.prepare(
      `INSERT INTO activity_analysis (profile_id, summary_id, activity_summary_id, analysis_version, is_run, moving_s, hr_s, hr_histogram, best_efforts, computed_at)
       VALUES ('default', ?, 'a1', 1, 1, 0, 0, '[]', '[]', 1)`,
    );
    analysis.run('a1-detail');
    // The derived figures belong to stored samples and go with them.
    expect(() => analysis.run('missing-detail')).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO personal_records (profile_id, label, distance_m, time_s, pace_s_per_km, summary_id, date) VALUES ('default', '5k', 5000, 1200, 240, 'a1', '2026-11-23')").run();
    db.prepare("INSERT INTO stress_details (profile_id, summary_id, calendar_date, raw_z, synced_at) VALUES ('default', 's1', '2026-11-23', x'00', 1)").run();
    db.prepare("INSERT INTO body_comps (profile_id, summary_id, measured_at, local_date, raw, synced_at) VALUES ('default', 'b1', 1, '2026-11-23', '{}', 1)").run();
    db.prepare("INSERT INTO pulse_ox (profile_id, summary_id, calendar_date, raw_z, synced_at) VALUES ('default', 'p1', '2026-11-23', x'00', 1)").run();
    db.prepare("INSERT INTO respiration (profile_id, summary_id, start_time, local_date, raw, synced_at) VALUES ('default', 'r1', 1, '2026-11-23', '{}', 1)").run();
    db.prepare("DELETE FROM activity_samples WHERE summary_id = 'a1-detail'").run();
    expect(db.prepare('SELECT count(*) AS n FROM activity_analysis').get()).toEqual({ n: 0 });
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    for (const table of ['personal_records', 'stress_details', 'body_comps', 'pulse_ox', 'respiration']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });
});

describe('migration 6', () => {
  it('adds the per-activity HR figures cache, emptied when its histogram changes or goes, and finds activities by Garmin activity id', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 5);
    db.prepare("INSERT INTO activities (profile_id, summary_id, activity_id, activity_type, start_time, start_offset, local_date, raw, synced_at) VALUES ('default', 'a1', '77', 'RUNNING', 1, 0, '2026-11-23', '{}', 1)").run();
    db.prepare(
      `INSERT INTO activity_samples (profile_id, summary_id, activity_summary_id, format_version, sample_count, samples_duration_s, has_hr, has_gps, samples, raw, synced_at)
       VALUES ('default', 'a1-detail', 'a1', 1, 0, 0, 0, 0, x'0101', '{}', 1)`,
    ).run();
    const analysis = db.prepare(
      `INSERT INTO activity_analysis (profile_id, summary_id, activity_summary_id, analysis_version, is_run, moving_s, hr_s, hr_histogram, best_efforts, computed_at)
       VALUES ('default', 'a1-detail', 'a1', 1, 1, ?, 0, '[]', '[]', 1)
       ON CONFLICT (profile_id, summary_id) DO UPDATE SET moving_s = excluded.moving_s`,
    );
    analysis.run(600);
    expect(migrate(db, MIGRATIONS, 6)).toBe(6);
    expect(tables(db)).toContain('activity_hr_figures');
    expect(db.prepare('SELECT count(*) AS n FROM activities').get()).toEqual({ n: 1 });
    const figures = db.prepare("INSERT INTO activity_hr_figures (profile_id, summary_id, hr_key, trimp, below_s, z1_s, z2_s, z3_s, z4_s, z5_s, no_hr_s) VALUES ('default', ?, 'k1', 42.5, 0, 60, 120, 0, 0, 0, 0)");
    figures.run('a1-detail');
    // Figures belong to a histogram: none without one, one row per activity.
    expect(() => figures.run('missing-detail')).toThrow(/FOREIGN KEY/);
    expect(() => figures.run('a1-detail')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("UPDATE activity_hr_figures SET trimp = 'high'").run()).toThrow(/cannot store TEXT/);
    // Details re-delivered: the analysis upsert is an UPDATE, and the cached figures go.
    analysis.run(700);
    expect(db.prepare('SELECT count(*) AS n FROM activity_hr_figures').get()).toEqual({ n: 0 });
    figures.run('a1-detail');
    // Details deleted (or the whole profile): the figures go with the analysis.
    db.prepare("DELETE FROM activity_samples WHERE summary_id = 'a1-detail'").run();
    expect(db.prepare('SELECT count(*) AS n FROM activity_hr_figures').get()).toEqual({ n: 0 });
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT summary_id FROM activities WHERE profile_id = 'default' AND activity_id = '77'").all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/activities_activity_id/);
  });
});

describe('migration 7', () => {
  it('adds epochs, health snapshots, blood pressure and skin temperature, sleep scores and edited activities, keeping the older rows', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 6);
    db.prepare("INSERT INTO activities (profile_id, summary_id, activity_type, start_time, start_offset, local_date, raw, synced_at) VALUES ('default', 'a1', 'RUNNING', 1, 0, '2026-11-23', '{}', 1)").run();
    db.prepare("INSERT INTO sleeps (profile_id, summary_id, calendar_date, raw, synced_at) VALUES ('default', 's1', '2026-11-23', '{}', 1)").run();
    expect(migrate(db, MIGRATIONS, 7)).toBe(7);
    expect(tables(db)).toEqual(expect.arrayContaining(['epochs', 'health_snapshots', 'blood_pressures', 'skin_temps']));
    // Older rows: not edited, no score.
    expect(db.prepare('SELECT edited FROM activities').get()).toEqual({ edited: 0 });
    expect(db.prepare('SELECT score FROM sleeps').get()).toEqual({ score: null });
    const epoch = db.prepare("INSERT INTO epochs (profile_id, summary_id, start_time, local_date, local_minute, raw, synced_at) VALUES (?, 'e1', 1, '2026-11-23', 0, '{}', 1)");
    epoch.run('default');
    expect(() => epoch.run('default')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => epoch.run('nobody')).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE epochs SET steps = 'many'").run()).toThrow(/cannot store TEXT/);
    db.prepare("INSERT INTO health_snapshots (profile_id, summary_id, calendar_date, raw, synced_at) VALUES ('default', 'h1', '2026-11-23', '{}', 1)").run();
    db.prepare("INSERT INTO blood_pressures (profile_id, summary_id, measured_at, local_date, raw, synced_at) VALUES ('default', 'b1', 1, '2026-11-23', '{}', 1)").run();
    db.prepare("INSERT INTO skin_temps (profile_id, summary_id, calendar_date, raw, synced_at) VALUES ('default', 't1', '2026-11-23', '{}', 1)").run();
    // Everything hangs off the profile.
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    for (const table of ['epochs', 'health_snapshots', 'blood_pressures', 'skin_temps']) expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
  });
});

describe('migration 8', () => {
  it('adds this data folder’s relay computer id, the relay’s last count of computers and the records a push stored, keeping the relay position', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 7);
    db.prepare("INSERT INTO relay_state (profile_id, cursor) VALUES ('default', '42')").run();
    expect(migrate(db, MIGRATIONS, 8)).toBe(8);
    expect(tables(db)).toEqual(expect.arrayContaining(['relay_computer', 'pushed_records']));
    expect(db.prepare('SELECT cursor, computers FROM relay_state').get()).toEqual({ cursor: '42', computers: null });
    db.prepare("INSERT INTO relay_computer (id, computer_id) VALUES (1, 'abc')").run();
    // One id per data folder.
    expect(() => db.prepare("INSERT INTO relay_computer (id, computer_id) VALUES (2, 'def')").run()).toThrow(/CHECK/);
    const pushed = db.prepare("INSERT INTO pushed_records (profile_id, stream, summary_id) VALUES ('default', 'dailies', 'd1')");
    pushed.run();
    expect(() => pushed.run()).toThrow(/UNIQUE|PRIMARY/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    expect(db.prepare('SELECT count(*) AS n FROM pushed_records').get()).toEqual({ n: 0 });
  });
});

describe('the workouts migration', () => {
  const workouts = MIGRATIONS.find((m) => m.name.startsWith('workouts:'))!;

  it('adds the workouts table: one row per proposal, its decision and its delivery checked, hanging off the profile, keeping the older data', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, workouts.version - 1);
    db.prepare("INSERT INTO activities (profile_id, summary_id, activity_type, start_time, start_offset, local_date, raw, synced_at) VALUES ('default', 'a1', 'RUNNING', 1, 0, '2026-11-24', '{}', 1)").run();
    expect(migrate(db, MIGRATIONS, workouts.version)).toBe(workouts.version);
    expect(tables(db)).toContain('workouts');
    expect(db.prepare('SELECT count(*) AS n FROM activities').get()).toEqual({ n: 1 });
    const insert = db.prepare(
      "INSERT INTO workouts (id, profile_id, name, sport, workout_date, plan, agent, grant_name, proposed_at, updated_at) VALUES (?, ?, 'Intervals', 'running', '2026-11-24', '{}', 'coach', 'runner', 1, 1)",
    );
    insert.run('w_1', 'default');
    expect(db.prepare("SELECT decision, delivery, garmin_workout_id FROM workouts WHERE id = 'w_1'").get()).toEqual({ decision: 'proposed', delivery: 'none', garmin_workout_id: null });
    expect(() => insert.run('w_1', 'default')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert.run('w_2', 'nobody')).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE workouts SET decision = 'maybe'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE workouts SET delivery = 'sent'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE workouts SET proposed_at = 'yesterday'").run()).toThrow(/cannot store TEXT/);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM workouts WHERE profile_id = 'default' AND workout_date = '2026-11-24'").all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/workouts_date/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    expect(db.prepare('SELECT count(*) AS n FROM workouts').get()).toEqual({ n: 0 });
  });
});

describe('migration 10', () => {
  it('adds the imported files, what the watch recorded beyond the API and an index by start, keeping the older rows', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS, 9);
    db.prepare("INSERT INTO activities (profile_id, summary_id, activity_type, start_time, start_offset, local_date, raw, synced_at) VALUES ('default', 'a1', 'RUNNING', 1000, 0, '2026-11-23', '{}', 1)").run();
    expect(migrate(db, MIGRATIONS, 10)).toBe(10);
    expect(tables(db)).toEqual(expect.arrayContaining(['fit_files', 'activity_fit']));
    expect(db.prepare('SELECT summary_id FROM activities').get()).toEqual({ summary_id: 'a1' });
    const file = db.prepare("INSERT INTO fit_files (profile_id, sha256, name, bytes, outcome, reason, imported_at) VALUES (?, 'h1', 'run.fit', 10, ?, NULL, 1)");
    file.run('default', 'imported');
    expect(() => file.run('default', 'imported')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("INSERT INTO fit_files (profile_id, sha256, name, bytes, outcome, imported_at) VALUES ('default', 'h2', 'x', 1, 'maybe', 1)").run()).toThrow(/CHECK/);
    expect(() => file.run('nobody', 'imported')).toThrow(/FOREIGN KEY/);
    const fit = db.prepare(
      `INSERT INTO activity_fit (profile_id, activity_summary_id, details_id, file_sha256, source, leg, legs, sport, start_time, totals, laps, richness, samples_used, truncated, imported_at)
       VALUES ('default', ?, 'a1-detail', 'h1', 'file', 0, 1, 'running', 1000, '{}', '[]', 10, 1, 0, 1)`,
    );
    fit.run('a1');
    expect(() => fit.run('a1')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("UPDATE activity_fit SET richness = 'lots'").run()).toThrow(/cannot store TEXT/);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT summary_id FROM activities WHERE profile_id = 'default' AND start_time BETWEEN 940 AND 1060").all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/activities_start/);
    db.prepare("DELETE FROM profiles WHERE id = 'default'").run();
    for (const table of ['fit_files', 'activity_fit']) expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
  });
});
