import type { Database } from './database.js';

const shared = new WeakMap<Database, DbVersion>();

/**
 * A cheap fingerprint of everything committed to the database: `total_changes()` moves when this
 * connection writes, `data_version` when another connection (another process) commits. A value
 * cached against the fingerprint is as fresh as reading it again, at a fraction of the cost.
 *
 * `data_version` costs a look at the WAL index (~2 µs), so it is read at most once per turn of the
 * event loop: within one synchronous run, a commit by another process is seen on the next turn,
 * exactly as if it had landed a moment later. Writes by this connection are always seen at once.
 */
export class DbVersion {
  private readonly own;
  private readonly other;
  private otherValue = 0;
  private otherFresh = false;

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
    if (!this.otherFresh) {
      this.otherValue = this.other.get() as number;
      this.otherFresh = true;
      setImmediate(() => (this.otherFresh = false));
    }
    return `${this.otherValue}:${this.own.get() as number}`;
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
