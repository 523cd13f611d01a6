import type { Migration } from './migration.js';

export const migration7: Migration = {
  version: 7,
  name: 'epochs, health snapshots, blood pressure and skin temperature; sleep scores; activities edited in Garmin Connect',
  up: (db) => {
    db.exec(`
        -- An activity the runner edited in Garmin Connect (manuallyUpdatedActivities) is the newest
        -- word on it: a plain re-delivery of the original never overwrites it.
        ALTER TABLE activities ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
        -- Garmin's overall sleep score (0-100) of the night.
        ALTER TABLE sleeps ADD COLUMN score REAL;

        -- Intraday activity: one row per 15-minute epoch and activity type in it.
        CREATE TABLE epochs (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          start_time          INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          local_minute        INTEGER NOT NULL,
          activity_type       TEXT,
          intensity           TEXT,
          duration_s          REAL,
          active_s            REAL,
          steps               REAL,
          distance_m          REAL,
          active_kcal         REAL,
          met                 REAL,
          mean_motion         REAL,
          max_motion          REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX epochs_date ON epochs(profile_id, local_date, start_time);

        -- A 2-minute health snapshot taken on the watch: its figures (the per-second values stay in raw).
        CREATE TABLE health_snapshots (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          hr_avg              REAL,
          hr_min              REAL,
          hr_max              REAL,
          spo2_avg            REAL,
          spo2_min            REAL,
          respiration_avg     REAL,
          stress_avg          REAL,
          rmssd_ms            REAL,
          sdrr_ms             REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX health_snapshots_date ON health_snapshots(profile_id, calendar_date);

        CREATE TABLE blood_pressures (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          measured_at         INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          systolic            REAL,
          diastolic           REAL,
          pulse               REAL,
          source_type         TEXT,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX blood_pressures_date ON blood_pressures(profile_id, local_date);

        -- The night's skin temperature against the runner's own baseline (°C).
        CREATE TABLE skin_temps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          deviation_c         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX skin_temps_date ON skin_temps(profile_id, calendar_date);
      `);
  },
};
