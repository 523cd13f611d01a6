import type { z } from 'zod';
import type { Database } from './database.js';

/**
 * A statement's single row parsed with `schema`, or null when there is none (better-sqlite3's
 * `get()` gives undefined): rows are parsed as they leave SQLite, never cast.
 */
export function rowOrNull<T>(schema: z.ZodType<T>, row: unknown): T | null {
  return row === undefined ? null : schema.parse(row);
}

/** A row schema's keys as a SELECT's column list: the columns read are the ones parsed. */
export const columnsOf = (row: z.ZodObject): string => Object.keys(row.shape).join(', ');

/** An upsert of `cols` keyed by (profile_id, summary_id), every column but the key replaced. */
export function upsertStatement(db: Database, table: string, cols: readonly string[]) {
  return db.prepare(
    `INSERT INTO ${table} (profile_id, ${cols.join(', ')}) VALUES (@profile_id, ${cols.map((c) => `@${c}`).join(', ')})
     ON CONFLICT (profile_id, summary_id) DO UPDATE SET ${cols.filter((c) => c !== 'summary_id').map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );
}
