/**
 * The agent grants' table (agent_grants): who may fetch tokens from the local endpoint, kept in
 * SQLite so every process (the app, `serve`, `agents revoke`, `run --`) sees a revocation at once.
 * Storage only, rows parsed by zod: what a secret is and how one is checked is agent/grants.ts's.
 */
import { z } from 'zod';
import type { Database } from './database.js';
import { DbVersion, VersionedCache } from './db-version.js';

export const GRANT_KINDS = ['owner', 'named', 'run'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

const activeRow = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(GRANT_KINDS),
  secret_sha256: z.instanceof(Buffer),
  holder_pid: z.number().nullable(),
});
/** An active grant as read: its secret's SHA-256 as bytes, the process it is bound to (owner, run). */
export type GrantRow = z.infer<typeof activeRow>;
const activeRows = z.array(activeRow);

const listedRows = z.array(
  z.object({ id: z.string(), name: z.string(), kind: z.enum(GRANT_KINDS), created_at: z.number(), last_used_at: z.number().nullable(), use_count: z.number() }),
);
export type ListedGrantRow = z.infer<typeof listedRows>[number];
const heldRows = z.array(z.object({ id: z.string(), holder_pid: z.number() }));

export class GrantsRepo {
  private readonly version: DbVersion;
  private readonly active: VersionedCache<GrantRow[]>;
  private readonly touchStmt;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    const activeStmt = db.prepare(
      `SELECT id, name, kind, unhex(secret_sha256) AS secret_sha256, holder_pid FROM agent_grants WHERE profile_id = ? AND revoked_at IS NULL`,
    );
    // Re-read whenever any process commits, so a revocation elsewhere counts on the next request.
    this.version = DbVersion.of(db);
    this.active = new VersionedCache(this.version, () => activeRows.parse(activeStmt.all(profileId)));
    this.touchStmt = db.prepare('UPDATE agent_grants SET last_used_at = MAX(COALESCE(last_used_at, 0), ?), use_count = use_count + ? WHERE id = ?');
  }

  /** The active grants as read after the last commit by any process: the same array (and rows) until one. */
  activeRows(): GrantRow[] {
    return this.active.get();
  }

  /** Adds a grant; throws SQLite's error when an active grant has the name. */
  insert(grant: { id: string; name: string; kind: GrantKind; secretSha256Hex: string; holderPid: number | null }, now: number): void {
    this.db
      .prepare(`INSERT INTO agent_grants (id, profile_id, name, kind, secret_sha256, holder_pid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(grant.id, this.profileId, grant.name, grant.kind, grant.secretSha256Hex, grant.holderPid, now);
    this.version.touch();
  }

  /** Counts uses; call inside the transaction that records them. */
  touch(id: string, now: number, count: number): void {
    this.touchStmt.run(now, count, id);
  }

  /** The active grants, oldest first, with their use counts. */
  list(): ListedGrantRow[] {
    return listedRows.parse(
      this.db
        .prepare(`SELECT id, name, kind, created_at, last_used_at, use_count FROM agent_grants WHERE profile_id = ? AND revoked_at IS NULL ORDER BY created_at`)
        .all(this.profileId),
    );
  }

  /** Revokes by name; true when a grant was active. */
  revokeByName(name: string, now: number): boolean {
    const revoked = this.db.prepare('UPDATE agent_grants SET revoked_at = ? WHERE profile_id = ? AND name = ? AND revoked_at IS NULL').run(now, this.profileId, name).changes > 0;
    this.version.touch();
    return revoked;
  }

  /** The active grants bound to a process. */
  held(): Array<{ id: string; holder_pid: number }> {
    return heldRows.parse(this.db.prepare('SELECT id, holder_pid FROM agent_grants WHERE profile_id = ? AND revoked_at IS NULL AND holder_pid IS NOT NULL').all(this.profileId));
  }

  revokeById(id: string, now: number): void {
    this.db.prepare('UPDATE agent_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id);
    this.version.touch();
  }
}
