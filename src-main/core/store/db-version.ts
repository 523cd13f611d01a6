import type { Database } from './database.js';

const shared = new WeakMap<Database, DbVersion>();

/**
 * A cheap fingerprint of everything committed to the database: `total_changes()` moves when this
 * connection writes, `data_version` when another connection (another process) commits. A value
 * cached against the fingerprint is as fresh as reading it again, at a fraction of the cost.
 *
 * Both are read at most once per turn of the event loop, not per request: under load a turn
 * answers many requests, and the agent endpoint's hot path is then memory only. A commit by
 * another process is seen on the next turn, exactly as if it had landed a moment later; a request
 * that arrives after the commit is always read in a later turn, so "revoked elsewhere" still counts
 * for it. Writes by this process that a cache depends on (accounts, grants) call `touch()` and are
 * seen at once; any other write of ours is seen on the next turn.
 */
export class DbVersion {
  private readonly own;
  private readonly other;
  private value = '';
  private fresh = false;
  private resetScheduled = false;
  private touches = 0;

  private constructor(db: Database) {
    this.own = db.prepare('SELECT total_changes()').pluck();
    this.other = db.prepare('PRAGMA data_version').pluck();
  }

  /** The one DbVersion of a connection. */
  static of(db: Database): DbVersion {
    let version = shared.get(db);
    if (!version) {
      version = new DbVersion(db);
      shared.set(db, version);
    }
    return version;
  }

  current(): string {
    if (!this.fresh) {
      this.value = `${this.other.get() as number}:${this.own.get() as number}:${this.touches}`;
      this.fresh = true;
      if (!this.resetScheduled) {
        this.resetScheduled = true;
        setImmediate(() => {
          this.resetScheduled = false;
          this.fresh = false;
        });
      }
    }
    return this.value;
  }

  /** This process just wrote something a cache depends on: the next `current()` differs. */
  touch(): void {
    this.touches++;
    this.fresh = false;
  }
}

/** One value cached against the database fingerprint. */
export class VersionedCache<T> {
  private version: string | null = null;
  private value!: T;

  constructor(
    private readonly dbVersion: DbVersion,
    private readonly load: () => T,
  ) {}

  get(): T {
    const now = this.dbVersion.current();
    if (now !== this.version) {
      this.value = this.load();
      this.version = now;
    }
    return this.value;
  }
}
