import type { z } from 'zod';

/**
 * A statement's single row parsed with `schema`, or null when there is none (better-sqlite3's
 * `get()` gives undefined): rows are parsed as they leave SQLite, never cast.
 */
export function rowOrNull<T>(schema: z.ZodType<T>, row: unknown): T | null {
  return row === undefined ? null : schema.parse(row);
}

/** A row schema's keys as a SELECT's column list: the columns read are the ones parsed. */
export const columnsOf = (row: z.ZodObject): string => Object.keys(row.shape).join(', ');
