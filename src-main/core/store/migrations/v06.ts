import type { Migration } from './migration.js';

export const migration6: Migration = {
  version: 6,
  name: 'per-activity HR figures cached for the current HR profile; activities found by Garmin activity id',
  up: (db) => {
    db.exec(`
        -- The figures of one activity's HR histogram (activity_analysis) that depend on the HR
        -- profile: its TRIMP by the hr_samples method (null when HR covers under half the moving
        -- time) and its moving seconds per zone (null without HR seconds). hr_key fingerprints
        -- the profile (max, rest, zone model, k, formula version): a row of another key is stale
        -- and is recomputed on read. One row per activity: a changed profile overwrites it.
        CREATE TABLE activity_hr_figures (
          profile_id          TEXT NOT NULL,
          summary_id          TEXT NOT NULL,
          hr_key              TEXT NOT NULL,
          trimp               REAL,
          below_s             REAL,
          z1_s                REAL,
          z2_s                REAL,
          z3_s                REAL,
          z4_s                REAL,
          z5_s                REAL,
          no_hr_s             REAL,
          PRIMARY KEY (profile_id, summary_id),
          FOREIGN KEY (profile_id, summary_id) REFERENCES activity_analysis(profile_id, summary_id) ON DELETE CASCADE
        ) STRICT;
        -- Details re-delivered (or recomputed by a newer analysis) change the histogram in place
        -- (an upsert is an UPDATE, which a cascade does not see): its cached figures go with it.
        CREATE TRIGGER activity_hr_figures_stale AFTER UPDATE ON activity_analysis
        BEGIN
          DELETE FROM activity_hr_figures WHERE profile_id = old.profile_id AND summary_id = old.summary_id;
        END;

        -- The details query finds an activity by its summaryId or its Garmin activity id.
        CREATE INDEX activities_activity_id ON activities(profile_id, activity_id);
      `);
  },
};
