import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { CompanionError } from '../errors.js';
import { endpointProof, grantKeyId } from './endpoint-proof.js';
import { systemClock, type Clock } from '../ports.js';
import type { Database } from '../store/database.js';
import { GrantsRepo, type GrantKind, type GrantRow } from '../store/grants-repo.js';

export type { GrantKind } from '../store/grants-repo.js';

/** A grant as listed to the runner. The secret itself is never stored or listed. */
export interface GrantInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: GrantKind;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly useCount: number;
}

/** A grant that just authenticated a request. */
export interface AuthenticatedGrant {
  readonly id: string;
  readonly name: string;
  readonly kind: GrantKind;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A new 256-bit agent secret, prefixed so it is recognisable in a secret scanner. */
export function newAgentSecret(): string {
  return `r42a_${randomBytes(32).toString('base64url')}`;
}

/**
 * A presented secret's SHA-256 (endpoint-proof.ts grantKey: what is stored), looked up per
 * request. crypto.hash (Node ≥ 20.12, Electron's 22) is a one-shot SHA-256 at less than half
 * createHash's cost; asked for a binary (latin1) string and copied into Node's pooled Buffer
 * memory, it takes no memory block of its own per request (a 'buffer' answer does, and freeing
 * it cost as much again).
 */
const digest = (secret: string): Buffer => Buffer.from(hash('sha256', secret, 'binary'), 'binary');

/**
 * Who may fetch tokens from the local agent endpoint. Grants live in SQLite so that every
 * process (the app, `serve`, `agents revoke`, `run --`) sees a revocation at once.
 */
export class AgentGrants {
  private readonly store: GrantsRepo;
  /** Liveness of grant-holding processes, looked up at most once a second each (a syscall per request showed in profiles). */
  private readonly liveness = new Map<number, { alive: boolean; at: number }>();
  /** The active grants by the id clients name them by before proving the endpoint (see endpoint-proof.ts), rebuilt when they change. */
  private byKeyId: { rows: GrantRow[]; ids: Map<string, GrantRow> } | null = null;
  /** One AuthenticatedGrant per active row as read (rows are read again after any commit, so these go with them). */
  private readonly grantOfRow = new WeakMap<GrantRow, AuthenticatedGrant>();
  private readonly rowOfGrant = new WeakMap<AuthenticatedGrant, GrantRow>();

  constructor(
    db: Database,
    profileId: string,
    private readonly isProcessAlive: (pid: number) => boolean,
    private readonly clock: Clock = systemClock,
  ) {
    this.store = new GrantsRepo(db, profileId);
  }

  /** Creates a grant and returns its secret: the only time it is ever seen. */
  create(name: string, kind: GrantKind, now: number, holderPid: number | null = null): { secret: string; grant: GrantInfo } {
    if (!NAME.test(name)) {
      throw new CompanionError('usage', `"${name}" is not a valid agent name: use 1–64 letters, digits, dot, dash or underscore, starting with a letter or digit.`);
    }
    const secret = newAgentSecret();
    const id = randomUUID();
    try {
      this.store.insert({ id, name, kind, secretSha256Hex: digest(secret).toString('hex'), holderPid }, now);
    } catch (error) {
      if (String((error as Error).message).includes('UNIQUE')) {
        throw new CompanionError('usage', `An agent named "${name}" already exists. Revoke it first or pick another name.`);
      }
      throw error;
    }
    return { secret, grant: { id, name, kind, createdAt: now, lastUsedAt: null, useCount: 0 } };
  }

  /**
   * The grant a presented secret belongs to, or null. Every active grant's hash is compared in
   * constant time, with no early exit, so timing says nothing about which (if any) matched.
   */
  authenticate(presented: string): AuthenticatedGrant | null {
    const given = digest(presented);
    let found: GrantRow | null = null;
    for (const row of this.store.activeRows()) {
      if (timingSafeEqual(given, row.secret_sha256) && found === null) found = row;
    }
    if (!found) return null;
    // A grant bound to a process (owner, run) ends with that process, even if it crashed.
    if (found.holder_pid !== null && !this.holderAlive(found.holder_pid)) {
      this.revokeById(found.id, this.clock.now());
      return null;
    }
    let grant = this.grantOfRow.get(found);
    if (!grant) {
      grant = { id: found.id, name: found.name, kind: found.kind };
      this.grantOfRow.set(found, grant);
      this.rowOfGrant.set(grant, found);
    }
    return grant;
  }

  /**
   * Whether a grant `authenticate` gave is still good for one more request, without the secret:
   * its row is among the active ones as read now (any commit, by any process, reads them again,
   * so a revocation elsewhere counts at once) and the process it is bound to still runs. The
   * endpoint asks this for a connection's next request carrying the same secret.
   */
  stillActive(grant: AuthenticatedGrant): boolean {
    const row = this.rowOfGrant.get(grant);
    if (row === undefined || !this.store.activeRows().includes(row)) return false;
    if (row.holder_pid !== null && !this.holderAlive(row.holder_pid)) {
      this.revokeById(row.id, this.clock.now());
      return false;
    }
    return true;
  }

  /**
   * The endpoint's proof for a client that named its grant by `keyId` and sent `nonce` to `port`,
   * or null for no active grant. Nothing secret is given or taken: the answer is an HMAC keyed by
   * the stored hash, which only the grant's holder can check. Not on the token's hot path.
   */
  proveEndpoint(keyId: string, nonce: string, port: number): string | null {
    const rows = this.store.activeRows();
    if (this.byKeyId?.rows !== rows) this.byKeyId = { rows, ids: new Map(rows.map((row) => [grantKeyId(row.secret_sha256), row])) };
    const row = this.byKeyId.ids.get(keyId);
    if (!row || (row.holder_pid !== null && !this.holderAlive(row.holder_pid))) return null;
    return endpointProof(row.secret_sha256, nonce, port);
  }

  private holderAlive(pid: number): boolean {
    if (pid === process.pid) return true;
    // A throttle on a syscall, in this process's own time (monotonic), not the runner's clock.
    const now = performance.now();
    const known = this.liveness.get(pid);
    if (known && now - known.at < 1_000) return known.alive;
    const alive = this.isProcessAlive(pid);
    if (this.liveness.size > 256) this.liveness.clear();
    this.liveness.set(pid, { alive, at: now });
    return alive;
  }

  /** Counts uses; call inside the transaction that records them. */
  recordUse(id: string, now: number, count = 1): void {
    this.store.touch(id, now, count);
  }

  list(): GrantInfo[] {
    return this.store.list().map((r) => ({ id: r.id, name: r.name, kind: r.kind, createdAt: r.created_at, lastUsedAt: r.last_used_at, useCount: r.use_count }));
  }

  /** Revokes by name; true when a grant was active. */
  revoke(name: string, now: number): boolean {
    return this.store.revokeByName(name, now);
  }

  /** Revokes owner and run grants whose process is gone (a crash or kill -9). Returns how many. */
  revokeOrphans(now: number): number {
    const orphans = this.store.held().filter((r) => !this.isProcessAlive(r.holder_pid));
    for (const orphan of orphans) this.revokeById(orphan.id, now);
    return orphans.length;
  }

  revokeById(id: string, now: number): void {
    this.store.revokeById(id, now);
  }
}
