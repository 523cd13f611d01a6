import type { Migration } from './migration.js';

export const migration9: Migration = {
  version: 9,
  name: 'workouts: proposed by agents, decided by the runner, delivered to Garmin step by step',
  up: (db) => {
    db.exec(`
        -- A workout an agent proposed (plan: src-common/workout.ts, as JSON), the runner's decision,
        -- and how far its delivery to Garmin's Training API came. Each delivery step is committed
        -- before and after its request, so a retry knows what Garmin already has and never makes a
        -- second workout ('creating' left by a process that died means Garmin may have it).
        CREATE TABLE workouts (
          id                   TEXT PRIMARY KEY,
          profile_id           TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          name                 TEXT NOT NULL,
          sport                TEXT NOT NULL,
          workout_date         TEXT,
          plan                 TEXT NOT NULL,
          decision             TEXT NOT NULL DEFAULT 'proposed' CHECK (decision IN ('proposed', 'approved', 'rejected')),
          delivery             TEXT NOT NULL DEFAULT 'none'
                               CHECK (delivery IN ('none', 'creating', 'created', 'scheduling', 'scheduled', 'create_uncertain', 'removing', 'removed')),
          agent                TEXT NOT NULL,
          grant_name           TEXT NOT NULL,
          proposed_at          INTEGER NOT NULL,
          decided_at           INTEGER,
          decided_via          TEXT,
          garmin_workout_id    TEXT,
          garmin_schedule_id   TEXT,
          delivery_pid         INTEGER,
          delivery_started_at  INTEGER,
          last_error_code      TEXT,
          last_error_message   TEXT,
          last_error_at        INTEGER,
          updated_at           INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX workouts_recent ON workouts(profile_id, proposed_at);
        CREATE INDEX workouts_date ON workouts(profile_id, workout_date);
      `);
  },
};
