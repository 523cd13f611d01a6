import type { Database } from 'better-sqlite3';

/** One step of the schema's history (store/migrations.ts lists them in order). */
export interface Migration {
  /** Numbered from 1, never reused; PRAGMA user_version holds the last one applied. */
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}
