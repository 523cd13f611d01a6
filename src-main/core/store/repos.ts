import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { DbVersion, VersionedCache } from './db-version.js';

export const DEFAULT_PROFILE_ID = 'default';

export type AccountStatus = 'connected' | 'reauth_required';

/** Metadata of a linked Garmin account. The tokens themselves are in the keychain. */
export interface AccountRow {
  readonly profileId: string;
  readonly garminUserId: string;
  readonly keychainKey: string;
  readonly status: AccountStatus;
  readonly scope: string | null;
  readonly permissions: readonly string[];
  readonly accessTokenExpiresAt: number | null;
  readonly refreshTokenExpiresAt: number | null;
  readonly connectedAt: number;
  readonly refreshedAt: number | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: number | null;
}

const permissionsColumn = z.array(z.string());

/** A garmin_accounts row as it leaves SQLite (SELECT *: the profile's link; never a token). */
const rawAccount = z.object({
  profile_id: z.string(),
  garmin_user_id: z.string(),
  keychain_key: z.string(),
  status: z.enum(['connected', 'reauth_required']),
  scope: z.string().nullable(),
  permissions: z.string(),
  access_token_expires_at: z.number().nullable(),
  refresh_token_expires_at: z.number().nullable(),
  connected_at: z.number(),
  refreshed_at: z.number().nullable(),
  last_error_code: z.string().nullable(),
  last_error_at: z.number().nullable(),
});
type RawAccount = z.infer<typeof rawAccount>;

function toAccount(raw: RawAccount): AccountRow {
  return {
    profileId: raw.profile_id,
    garminUserId: raw.garmin_user_id,
    keychainKey: raw.keychain_key,
    status: raw.status,
    scope: raw.scope,
    permissions: permissionsColumn.parse(JSON.parse(raw.permissions)),
    accessTokenExpiresAt: raw.access_token_expires_at,
    refreshTokenExpiresAt: raw.refresh_token_expires_at,
    connectedAt: raw.connected_at,
    refreshedAt: raw.refreshed_at,
    lastErrorCode: raw.last_error_code,
    lastErrorAt: raw.last_error_at,
  };
}

/** Linked Garmin accounts, one per profile. */
export class AccountsRepo {
  private readonly byProfile = new Map<string, VersionedCache<AccountRow | null>>();
  private readonly version: DbVersion;

  constructor(private readonly db: Database) {
    this.version = DbVersion.of(db);
  }

  /** The profile's link. Cached until anything is committed to the database, by any process. */
  get(profileId: string): AccountRow | null {
    let cache = this.byProfile.get(profileId);
    if (!cache) {
      const stmt = this.db.prepare('SELECT * FROM garmin_accounts WHERE profile_id = ?');
      cache = new VersionedCache(this.version, () => {
        const raw = rowOrNull(rawAccount, stmt.get(profileId));
        return raw && Object.freeze(toAccount(raw));
      });
      this.byProfile.set(profileId, cache);
    }
    return cache.get();
  }

  /** Creates or replaces the profile's link after a successful sign-in. */
  link(account: Omit<AccountRow, 'status' | 'lastErrorCode' | 'lastErrorAt' | 'refreshedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO garmin_accounts (profile_id, garmin_user_id, keychain_key, status, scope, permissions,
           access_token_expires_at, refresh_token_expires_at, connected_at, refreshed_at, last_error_code, last_error_at)
         VALUES (@profileId, @garminUserId, @keychainKey, 'connected', @scope, @permissions,
           @accessTokenExpiresAt, @refreshTokenExpiresAt, @connectedAt, NULL, NULL, NULL)
         ON CONFLICT (profile_id) DO UPDATE SET
           garmin_user_id = excluded.garmin_user_id, keychain_key = excluded.keychain_key, status = 'connected',
           scope = excluded.scope, permissions = excluded.permissions,
           access_token_expires_at = excluded.access_token_expires_at,
           refresh_token_expires_at = excluded.refresh_token_expires_at,
           connected_at = excluded.connected_at, refreshed_at = NULL, last_error_code = NULL, last_error_at = NULL`,
      )
      .run({ ...account, permissions: JSON.stringify(account.permissions) });
    this.version.touch();
  }

  recordRefresh(profileId: string, at: number, accessTokenExpiresAt: number, refreshTokenExpiresAt: number, scope: string | null): void {
    this.db
      .prepare(
        `UPDATE garmin_accounts SET refreshed_at = ?, access_token_expires_at = ?, refresh_token_expires_at = ?,
           scope = COALESCE(?, scope), last_error_code = NULL, last_error_at = NULL WHERE profile_id = ?`,
      )
      .run(at, accessTokenExpiresAt, refreshTokenExpiresAt, scope, profileId);
    this.version.touch();
  }

  syncExpiry(profileId: string, accessTokenExpiresAt: number, refreshTokenExpiresAt: number): void {
    this.db
      .prepare('UPDATE garmin_accounts SET access_token_expires_at = ?, refresh_token_expires_at = ? WHERE profile_id = ?')
      .run(accessTokenExpiresAt, refreshTokenExpiresAt, profileId);
    this.version.touch();
  }

  recordError(profileId: string, code: string, at: number): void {
    this.db.prepare('UPDATE garmin_accounts SET last_error_code = ?, last_error_at = ? WHERE profile_id = ?').run(code, at, profileId);
    this.version.touch();
  }

  markReauthRequired(profileId: string, code: string, at: number): void {
    this.db
      .prepare(
        `UPDATE garmin_accounts SET status = 'reauth_required', access_token_expires_at = NULL,
           refresh_token_expires_at = NULL, last_error_code = ?, last_error_at = ? WHERE profile_id = ?`,
      )
      .run(code, at, profileId);
    this.version.touch();
  }

  remove(profileId: string): boolean {
    const removed = this.db.prepare('DELETE FROM garmin_accounts WHERE profile_id = ?').run(profileId).changes > 0;
    this.version.touch();
    return removed;
  }
}

export type SignInStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface SignInSessionRow {
  readonly id: string;
  readonly profileId: string;
  readonly redirectUri: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly status: SignInStatus;
  readonly failureCode: string | null;
}

/** Audit rows as they leave SQLite. */
const auditRows = z.array(z.object({ id: z.number(), profile_id: z.string().nullable(), at: z.number(), event: z.string(), detail: z.string() }));

/** Sign-in attempts: the state's hash, expiry and single-use status. */
export class SignInSessionsRepo {
  constructor(private readonly db: Database) {}

  create(input: { profileId: string; stateSha256: string; redirectUri: string; createdAt: number; expiresAt: number }): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO sign_in_sessions (id, profile_id, state_sha256, redirect_uri, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.profileId, input.stateSha256, input.redirectUri, input.createdAt, input.expiresAt);
    return id;
  }

  get(id: string): SignInSessionRow | null {
    const raw = this.db.prepare('SELECT * FROM sign_in_sessions WHERE id = ?').get(id) as
      | { id: string; profile_id: string; redirect_uri: string; created_at: number; expires_at: number; status: SignInStatus; failure_code: string | null }
      | undefined;
    return raw
      ? {
          id: raw.id,
          profileId: raw.profile_id,
          redirectUri: raw.redirect_uri,
          createdAt: raw.created_at,
          expiresAt: raw.expires_at,
          status: raw.status,
          failureCode: raw.failure_code,
        }
      : null;
  }

  /**
   * Ends a pending session. Returns false when it had already ended: a session is used once.
   */
  end(id: string, status: Exclude<SignInStatus, 'pending'>, at: number, failureCode: string | null = null): boolean {
    return (
      this.db
        .prepare(`UPDATE sign_in_sessions SET status = ?, ended_at = ?, failure_code = ? WHERE id = ? AND status = 'pending'`)
        .run(status, at, failureCode, id).changes === 1
    );
  }

  /** Marks sessions left pending by a process that died as expired once their time is up. */
  expireStale(now: number): number {
    return this.db
      .prepare(`UPDATE sign_in_sessions SET status = 'expired', ended_at = ? WHERE status = 'pending' AND expires_at < ?`)
      .run(now, now).changes;
  }
}

export interface AuditEntry {
  readonly id: number;
  readonly profileId: string | null;
  readonly at: number;
  readonly event: string;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

const auditDetail = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** Security events, newest last. Details are small flat objects and never hold a secret. */
export class AuditRepo {
  private readonly insert;
  private readonly updateStmt;

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO audit_log (profile_id, at, event, detail) VALUES (?, ?, ?, ?)');
    this.updateStmt = db.prepare('UPDATE audit_log SET at = ?, detail = ? WHERE id = ?');
  }

  /** Adds an entry; returns its id. */
  append(profileId: string | null, at: number, event: string, detail: AuditEntry['detail'] = {}): number {
    return Number(this.insert.run(profileId, at, event, JSON.stringify(detail)).lastInsertRowid);
  }

  /** Rewrites an entry's time and detail: how a per-minute count grows while its minute lasts. */
  update(id: number, at: number, detail: AuditEntry['detail']): void {
    this.updateStmt.run(at, JSON.stringify(detail), id);
  }

  /** Deletes rows of the given events older than `before` (ms); returns how many. */
  prune(events: readonly string[], before: number): number {
    if (events.length === 0) return 0;
    return this.db.prepare(`DELETE FROM audit_log WHERE at < ? AND event IN (${events.map(() => '?').join(', ')})`).run(before, ...events).changes;
  }

  /** Newest first. */
  list(limit = 100): AuditEntry[] {
    const rows = auditRows.parse(this.db.prepare('SELECT id, profile_id, at, event, detail FROM audit_log ORDER BY id DESC LIMIT ?').all(limit));
    return rows.map((row) => ({
      id: row.id,
      profileId: row.profile_id,
      at: row.at,
      event: row.event,
      detail: auditDetail.parse(JSON.parse(row.detail)),
    }));
  }
}

const leaseRow = z.object({ pid: z.number(), expires_at: z.number() });
const heldLeaseRow = z.object({ pid: z.number(), acquired_at: z.number() });

/** A lease in SQLite that lets exactly one process refresh a profile's tokens at a time. */
export class RefreshLocksRepo {
  private readonly renewStmt;

  constructor(
    private readonly db: Database,
    private readonly table: 'refresh_locks' | 'sync_leases' = 'refresh_locks',
  ) {
    // Renewed once per sync window: prepared once.
    this.renewStmt = db.prepare(`UPDATE ${table} SET expires_at = ? WHERE profile_id = ? AND owner = ?`);
  }

  /**
   * Takes the lock when it is free, expired, or held by a process that no longer exists.
   * Runs as one IMMEDIATE transaction, so two processes can never both win.
   */
  tryAcquire(profileId: string, owner: string, pid: number, now: number, ttlMs: number, isAlive: (pid: number) => boolean): boolean {
    return this.db
      .transaction(() => {
        const held = this.db.prepare(`SELECT owner, pid, expires_at FROM ${this.table} WHERE profile_id = ?`).get(profileId) as
          | { owner: string; pid: number; expires_at: number }
          | undefined;
        if (held && held.expires_at > now && isAlive(held.pid)) return false;
        this.db
          .prepare(
            `INSERT INTO ${this.table} (profile_id, owner, pid, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (profile_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
               acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
          )
          .run(profileId, owner, pid, now, now + ttlMs);
        return true;
      })
      .immediate();
  }

  /** Whether a live process holds the lease now. */
  isHeld(profileId: string, now: number, isAlive: (pid: number) => boolean): boolean {
    const held = rowOrNull(leaseRow, this.db.prepare(`SELECT pid, expires_at FROM ${this.table} WHERE profile_id = ?`).get(profileId));
    return Boolean(held && held.expires_at > now && isAlive(held.pid));
  }

  /** Extends a lease this owner holds; false when it was taken over meanwhile. */
  renew(profileId: string, owner: string, expiresAt: number): boolean {
    return this.renewStmt.run(expiresAt, profileId, owner).changes === 1;
  }

  /** Ends this owner's lease; with `pid`, only while that process still holds it (not once it was handed over). */
  release(profileId: string, owner: string, pid?: number): void {
    if (pid === undefined) this.db.prepare(`DELETE FROM ${this.table} WHERE profile_id = ? AND owner = ?`).run(profileId, owner);
    else this.db.prepare(`DELETE FROM ${this.table} WHERE profile_id = ? AND owner = ? AND pid = ?`).run(profileId, owner, pid);
  }

  /**
   * Hands a lease on to another process (the refresh helper): it now holds it under the same
   * owner, until `expiresAt`. False when the lease is no longer this owner's (the process that
   * handed it over died and another took it over meanwhile): then the taker must not go on.
   */
  handOver(profileId: string, owner: string, pid: number, expiresAt: number): boolean {
    return this.db.prepare(`UPDATE ${this.table} SET pid = ?, expires_at = ? WHERE profile_id = ? AND owner = ?`).run(pid, expiresAt, profileId, owner).changes === 1;
  }

  /** A lease whose holder died while holding it (whatever it was doing was cut off), or null. */
  abandoned(profileId: string, isAlive: (pid: number) => boolean): { pid: number; acquiredAt: number } | null {
    const held = rowOrNull(heldLeaseRow, this.db.prepare(`SELECT pid, acquired_at FROM ${this.table} WHERE profile_id = ?`).get(profileId));
    return held && !isAlive(held.pid) ? { pid: held.pid, acquiredAt: held.acquired_at } : null;
  }
}
