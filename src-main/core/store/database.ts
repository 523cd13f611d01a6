import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3Type from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { CompanionError, isCompanionError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type { Database } from 'better-sqlite3';

// Required, not imported: better-sqlite3 is CommonJS, and an ESM import of it runs Node's CJS
// export lexer and translator on every start, a few ms of `r42-companion token`'s budget.
const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3Type;

/**
 * Once a checkpoint has emptied the WAL, SQLite cuts the file back to this size. Without it the
 * WAL keeps the largest size it ever had (gigabytes after a burst of writes) until the last
 * connection closes.
 */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/** Applies every migration newer than the file's user_version, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, upTo = Infinity): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new CompanionError(
      'storage_error',
      `The database was written by a newer R42 Companion (schema ${current}, this one knows ${latest}). Update the app.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > upTo) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** Opens (creating if needed) the companion's SQLite file: WAL, foreign keys, migrated. */
export function openDatabase(file: string, options: { migrateUpTo?: number } = {}): Database {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new BetterSqlite3(file);
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    migrate(db, MIGRATIONS, options.migrateUpTo);
    return db;
  } catch (error) {
    if (isCompanionError(error)) throw error;
    throw new CompanionError(
      'storage_error',
      `Cannot open the database at ${file} (${(error as { code?: string }).code ?? 'unknown error'}). ` +
        'Check that the folder is writable and that the disk is not full.',
      { cause: error },
    );
  }
}
