import type { Migration } from './migration.js';

export const migration3: Migration = {
  version: 3,
  name: 'training data synced from Garmin, with a cursor per stream',
  up: (db) => {
    db.exec(`
        -- Times are epoch seconds as Garmin sends them; local_date is the runner's calendar day
        -- (start + the device's UTC offset). raw keeps the whole record for fields not typed here.
        CREATE TABLE activities (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          activity_id         TEXT,
          activity_type       TEXT NOT NULL,
          name                TEXT,
          start_time          INTEGER NOT NULL,
          start_offset        INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          duration_s          REAL,
          distance_m          REAL,
          avg_speed_mps       REAL,
          avg_pace_min_km     REAL,
          avg_hr              REAL,
          max_hr              REAL,
          avg_cadence_spm     REAL,
          elevation_gain_m    REAL,
          active_kcal         REAL,
          device_name         TEXT,
          manual              INTEGER,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX activities_date ON activities(profile_id, local_date);

        CREATE TABLE dailies (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          steps               INTEGER,
          distance_m          REAL,
          active_kcal         REAL,
          resting_hr          REAL,
          avg_hr              REAL,
          max_hr              REAL,
          avg_stress          REAL,
          body_battery_charged REAL,
          body_battery_drained REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX dailies_date ON dailies(profile_id, calendar_date);

        CREATE TABLE sleeps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          duration_s          REAL,
          deep_s              REAL,
          light_s             REAL,
          rem_s               REAL,
          awake_s             REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX sleeps_date ON sleeps(profile_id, calendar_date);

        CREATE TABLE hrv (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          last_night_avg_ms   REAL,
          last_night_5min_high_ms REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;

        CREATE TABLE user_metrics (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          vo2max              REAL,
          fitness_age         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;

        -- Where each stream's sync stands. Backfill walks upload windows from backfill_start
        -- down to backfill_floor, newest first; afterwards incremental windows start at cursor.
        -- A window's rows and the move of its cursor commit in one transaction.
        CREATE TABLE sync_streams (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream              TEXT NOT NULL,
          backfill_start      INTEGER NOT NULL,
          backfill_floor      INTEGER NOT NULL,
          backfill_next_end   INTEGER NOT NULL,
          cursor              INTEGER NOT NULL,
          state               TEXT NOT NULL DEFAULT 'pending'
                              CHECK (state IN ('pending', 'ok', 'permission_missing', 'error')),
          last_error_code     TEXT,
          last_success_at     INTEGER,
          skipped_records     INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (profile_id, stream)
        ) STRICT;

        -- One sync at a time per profile, across processes (renewed while it runs).
        CREATE TABLE sync_leases (
          profile_id   TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          acquired_at  INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL
        ) STRICT;
      `);
  },
};
