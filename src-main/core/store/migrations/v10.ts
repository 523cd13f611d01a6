import type { Migration } from './migration.js';

export const migration10: Migration = {
  version: 10,
  name: 'FIT files imported from the watch, Garmin Connect export and Activity Files; what the watch recorded beyond the API',
  up: (db) => {
    db.exec(`
        -- One row per file content imported (SHA-256 of its bytes): importing the same file again,
        -- under any name or from any door, changes nothing. outcome 'skipped' keeps the reason code.
        CREATE TABLE fit_files (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          sha256              TEXT NOT NULL,
          name                TEXT NOT NULL,
          bytes               INTEGER NOT NULL,
          outcome             TEXT NOT NULL CHECK (outcome IN ('imported', 'skipped')),
          reason              TEXT,
          activities          TEXT NOT NULL DEFAULT '[]',
          imported_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, sha256)
        ) STRICT;

        -- What a FIT file recorded of one activity (a leg of a multisport file) beyond the API: the
        -- watch's session totals and laps (JSON), the per-sample channels the API lacks (power,
        -- temperature, running dynamics, pedal cadence: sample-codec columns, deflated), the
        -- developer (Connect IQ) fields raw (deflated JSON). richness counts the values its samples
        -- hold; samples_used is 1 when the activity's details (activity_samples) are this file's.
        CREATE TABLE activity_fit (
          profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          activity_summary_id TEXT NOT NULL,
          details_id          TEXT NOT NULL,
          file_sha256         TEXT NOT NULL,
          source              TEXT NOT NULL,
          leg                 INTEGER NOT NULL,
          legs                INTEGER NOT NULL,
          sport               TEXT NOT NULL,
          sub_sport           TEXT,
          device              TEXT,
          start_time          REAL NOT NULL,
          local_offset        INTEGER,
          totals              TEXT NOT NULL,
          laps                TEXT NOT NULL,
          extras              BLOB,
          developer_z         BLOB,
          richness            INTEGER NOT NULL,
          samples_used        INTEGER NOT NULL,
          truncated           INTEGER NOT NULL,
          warnings            TEXT NOT NULL DEFAULT '[]',
          imported_at         INTEGER NOT NULL,
          PRIMARY KEY (profile_id, activity_summary_id)
        ) STRICT;
        CREATE INDEX activity_fit_file ON activity_fit(profile_id, file_sha256);

        -- The same run from a file and from the API is one activity: found by sport and start.
        CREATE INDEX activities_start ON activities(profile_id, start_time);
      `);
  },
};
