import type { Migration } from './migration.js';

export const migration8: Migration = {
  version: 8,
  name: 'relay: this data folder as one of the runner\'s computers; records a push stored',
  up: (db) => {
    db.exec(`
        -- This data folder's name at the R42 server's relay (a random id, made once and kept across
        -- relinks): the relay delivers every notification to each of a runner's computers.
        CREATE TABLE relay_computer (
          id           INTEGER PRIMARY KEY CHECK (id = 1),
          computer_id  TEXT NOT NULL
        ) STRICT;
        -- How many computers the relay delivered to at its last answer, this one included: a
        -- disconnect that cannot reach the relay still knows whether another computer uses the link.
        ALTER TABLE relay_state ADD COLUMN computers INTEGER;
        -- Records stored from a push, which the webhook cannot prove came from Garmin: a push
        -- never replaces a record fetched from Garmin with the runner's own token.
        CREATE TABLE pushed_records (
          profile_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream       TEXT NOT NULL,
          summary_id   TEXT NOT NULL,
          PRIMARY KEY (profile_id, stream, summary_id)
        ) STRICT, WITHOUT ROWID;
      `);
  },
};
