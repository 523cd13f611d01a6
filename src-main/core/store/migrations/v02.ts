import type { Migration } from './migration.js';

export const migration2: Migration = {
  version: 2,
  name: 'agent grants: who may fetch a token from the local endpoint',
  up: (db) => {
    db.exec(`
        -- Secrets are 256-bit random values shown once; only their SHA-256 is kept.
        -- owner: the secret in agent.json, for the life of one serve/app process (holder_pid).
        -- named: created by \`agents add\`, until revoked. run: for one \`run --\` child (holder_pid).
        CREATE TABLE agent_grants (
          id             TEXT PRIMARY KEY,
          profile_id     TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
          name           TEXT NOT NULL,
          kind           TEXT NOT NULL CHECK (kind IN ('owner', 'named', 'run')),
          secret_sha256  TEXT NOT NULL UNIQUE,
          holder_pid     INTEGER,
          created_at     INTEGER NOT NULL,
          last_used_at   INTEGER,
          use_count      INTEGER NOT NULL DEFAULT 0,
          revoked_at     INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX agent_grants_active_name ON agent_grants(profile_id, name) WHERE revoked_at IS NULL;
      `);
  },
};
