import type { Migration } from './migration.js';

export const migration5: Migration = {
  version: 5,
  name: 'activity samples (compact), their derived figures, personal records, stress, body composition, SpO2, respiration',
  up: (db) => {
    db.exec(`
        -- One row per activityDetails record. samples is the sample-codec BLOB (format_version
        -- says how to read it); raw keeps the record without its samples and laps (a few hundred
        -- bytes). activity_summary_id is the activity summary's summaryId the details belong to.
        CREATE TABLE activity_samples (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          activity_summary_id TEXT NOT NULL,
          activity_id         TEXT,
          activity_type       TEXT,
          start_time          INTEGER,
          local_date          TEXT,
          duration_s          REAL,
          distance_m          REAL,
          avg_hr              REAL,
          lap_starts          TEXT NOT NULL DEFAULT '[]',
          format_version      INTEGER NOT NULL,
          sample_count        INTEGER NOT NULL,
          samples_duration_s  REAL NOT NULL,
          has_hr              INTEGER NOT NULL,
          has_gps             INTEGER NOT NULL,
          samples             BLOB NOT NULL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX activity_samples_activity ON activity_samples(profile_id, activity_summary_id);
        CREATE INDEX activity_samples_activity_id ON activity_samples(profile_id, activity_id);

        -- Figures derived from the samples that do not depend on the runner's HR settings, so a
        -- changed max HR needs no recomputation: moving time, distance, seconds at each heart rate
        -- (zones and TRIMP for any profile), best efforts. analysis_version: rebuilt when the
        -- analysis changes.
        CREATE TABLE activity_analysis (
          profile_id          TEXT NOT NULL,
          summary_id          TEXT NOT NULL,
          activity_summary_id TEXT NOT NULL,
          analysis_version    INTEGER NOT NULL,
          local_date          TEXT,
          is_run              INTEGER NOT NULL,
          moving_s            REAL NOT NULL,
          distance_m          REAL,
          hr_s                REAL NOT NULL,
          hr_histogram        TEXT NOT NULL,
          best_efforts        TEXT NOT NULL,
          computed_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id),
          FOREIGN KEY (profile_id, summary_id) REFERENCES activity_samples(profile_id, summary_id) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX activity_analysis_activity ON activity_analysis(profile_id, activity_summary_id);

        -- The fastest run per standard distance over the whole history, updated as runs arrive.
        CREATE TABLE personal_records (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          label               TEXT NOT NULL,
          distance_m          REAL NOT NULL,
          time_s              REAL NOT NULL,
          pace_s_per_km       REAL NOT NULL,
          summary_id          TEXT NOT NULL,
          date                TEXT NOT NULL,
          PRIMARY KEY (profile_id, label)
        ) STRICT;

        -- A day of stress values (3-minute values, about 8 KB of JSON): kept deflated in values_z.
        CREATE TABLE stress_details (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          start_offset        INTEGER,
          duration_s          REAL,
          avg_stress          REAL,
          max_stress          REAL,
          body_battery_high   REAL,
          body_battery_low    REAL,
          raw_z               BLOB NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX stress_details_date ON stress_details(profile_id, calendar_date);

        CREATE TABLE body_comps (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          measured_at         INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          weight_g            REAL,
          body_fat_pct        REAL,
          bmi                 REAL,
          muscle_mass_g       REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX body_comps_date ON body_comps(profile_id, local_date);

        -- A night of SpO2 values: kept deflated in raw_z.
        CREATE TABLE pulse_ox (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          calendar_date       TEXT NOT NULL,
          start_time          INTEGER,
          duration_s          REAL,
          avg_spo2            REAL,
          min_spo2            REAL,
          on_demand           INTEGER,
          raw_z               BLOB NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX pulse_ox_date ON pulse_ox(profile_id, calendar_date);

        -- Respiration comes in short blocks (15 min): small, raw kept as JSON.
        CREATE TABLE respiration (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          summary_id          TEXT NOT NULL,
          start_time          INTEGER NOT NULL,
          local_date          TEXT NOT NULL,
          duration_s          REAL,
          avg_breaths         REAL,
          min_breaths         REAL,
          max_breaths         REAL,
          raw                 TEXT NOT NULL,
          synced_at           INTEGER NOT NULL,
          PRIMARY KEY (profile_id, summary_id)
        ) STRICT;
        CREATE INDEX respiration_date ON respiration(profile_id, local_date);
      `);
  },
};
