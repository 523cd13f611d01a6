import type { Migration } from './migration.js';

export const migration1: Migration = {
  version: 1,
  name: 'profiles, sign-in sessions, linked Garmin accounts, audit log',
  up: (db) => {
    db.exec(`
        CREATE TABLE profiles (
          id          TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          created_at  INTEGER NOT NULL
        ) STRICT;

        INSERT INTO profiles (id, name, created_at)
          VALUES ('default', 'Me', CAST(unixepoch('subsec') * 1000 AS INTEGER));

        -- One row per sign-in attempt. The state is kept only as its SHA-256; the PKCE verifier
        -- lives in memory only (it must never reach a file).
        CREATE TABLE sign_in_sessions (
          id            TEXT PRIMARY KEY,
          profile_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          state_sha256  TEXT NOT NULL UNIQUE,
          redirect_uri  TEXT NOT NULL,
          created_at    INTEGER NOT NULL,
          expires_at    INTEGER NOT NULL,
          status        TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
          ended_at      INTEGER,
          failure_code  TEXT
        ) STRICT;
        CREATE INDEX sign_in_sessions_profile ON sign_in_sessions(profile_id, created_at);

        -- Metadata of a linked Garmin account; the tokens are in the OS keychain under keychain_key.
        CREATE TABLE garmin_accounts (
          profile_id                TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          garmin_user_id            TEXT NOT NULL UNIQUE,
          keychain_key              TEXT NOT NULL,
          status                    TEXT NOT NULL DEFAULT 'connected'
                                    CHECK (status IN ('connected', 'reauth_required')),
          scope                     TEXT,
          permissions               TEXT NOT NULL DEFAULT '[]',
          access_token_expires_at   INTEGER,
          refresh_token_expires_at  INTEGER,
          connected_at              INTEGER NOT NULL,
          refreshed_at              INTEGER,
          last_error_code           TEXT,
          last_error_at             INTEGER
        ) STRICT;

        CREATE TABLE audit_log (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          profile_id  TEXT,
          at          INTEGER NOT NULL,
          event       TEXT NOT NULL,
          detail      TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX audit_log_at ON audit_log(at);

        -- Cross-process mutual exclusion for token refresh (Garmin rotates refresh tokens).
        CREATE TABLE refresh_locks (
          profile_id   TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          acquired_at  INTEGER NOT NULL,
          expires_at   INTEGER NOT NULL
        ) STRICT;
      `);
  },
};
