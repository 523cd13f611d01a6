import type { Migration } from './migration.js';

export const migration4: Migration = {
  version: 4,
  name: 'relay: where the desktop stands in R42 server notifications, and the history asked of Garmin',
  up: (db) => {
    db.exec(`
        -- The last relay notification whose data is stored here; moves in the same transaction as
        -- the rows it brought, so a crash between delivery and ack neither loses nor duplicates.
        CREATE TABLE relay_state (
          profile_id              TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          cursor                  TEXT,
          notifications_applied   INTEGER NOT NULL DEFAULT 0,
          summaries_received      INTEGER NOT NULL DEFAULT 0,
          last_delivery_at        INTEGER,
          backfill_for_user       TEXT
        ) STRICT;
        -- Backfill ranges asked of Garmin after a link (at most 30 days for activities, 90 for
        -- the others); 'requested' once Garmin answered 202 or 409 (already asked).
        CREATE TABLE relay_backfill (
          profile_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          stream       TEXT NOT NULL,
          start_s      INTEGER NOT NULL,
          end_s        INTEGER NOT NULL,
          state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'requested', 'permission_missing')),
          PRIMARY KEY (profile_id, stream, start_s)
        ) STRICT;
      `);
  },
};
