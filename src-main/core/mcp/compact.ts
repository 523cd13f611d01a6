/**
 * Answers sized for a model's context: paging with an opaque cursor, the fields a coach reads
 * (or all of them when asked), long numeric series as tables (column names once, then rows), and
 * output schemas that name each field of an answer without repeating its rows' shapes. The HTTP
 * routes keep their full answers; this is for the MCP tools only.
 */
import { z } from 'zod';
import { isoDate } from '../../../src-common/data-query.js';
import { CompanionError } from '../errors.js';

/** `fields`: what each row carries. */
export const FIELD_SETS = ['coach', 'all'] as const;
/** `coach` unless asked: the server's instructions and each description say what `all` adds. */
export const fieldsArg = z.enum(FIELD_SETS, 'must be coach or all').optional();

/** `limit` of a list tool: rows per page. */
export const pageLimit = (max: number, fallback: number) =>
  z
    .number()
    .int()
    .min(1, `must be from 1 to ${max}`)
    .max(max, `must be from 1 to ${max}`)
    .optional()
    .describe(`default ${fallback}`);

// The answers' next_cursor (each paged tool's description says so); its length is checked when it is read (decodeCursor).
export const cursorArg = z.string().optional();

/** What a cursor holds: the next page's range and how many rows of its last day were already given. */
const cursorContent = z.strictObject({ from: isoDate, to: isoDate, type: z.string().max(40).optional(), skip: z.number().int().min(0).max(100_000) });
export type PageQuery = z.infer<typeof cursorContent>;

export function encodeCursor(query: PageQuery): string {
  return Buffer.from(JSON.stringify(query)).toString('base64url');
}

/** The query a cursor stands for; a cursor this tool did not give is a bad request. */
export function decodeCursor(text: string): PageQuery {
  try {
    if (text.length > 400) throw new RangeError('too long');
    const parsed = cursorContent.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // not base64url JSON: refused below
  }
  throw new CompanionError('bad_request', 'cursor is not a next_cursor this tool gave: pass next_cursor exactly as it came, or leave it out to start again.');
}

/** A cursor stands for the range (and type) it continues: given together with them, it is refused rather than one silently winning. */
export function refuseCursorWith(args: Record<string, unknown>, keys: readonly string[]): void {
  const given = keys.filter((key) => args[key] !== undefined);
  if (given.length) throw new CompanionError('bad_request', `cursor carries the question it continues: give it without ${given.join(', ')}.`);
}

/**
 * One page of rows sorted newest first by date: `limit` rows after `skip`, and the cursor of the
 * rest (the same `from`, `to` moved to the last row's day, and how many rows of that day were
 * given), or null when nothing is left. `rows` holds at least skip + limit + 1 rows when more exist.
 */
export function pageOf<T>(rows: readonly T[], dateOf: (row: T) => string, query: PageQuery, limit: number): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(query.skip, query.skip + limit);
  if (rows.length <= query.skip + limit || page.length === 0) return { page, next_cursor: null };
  const lastDay = dateOf(page.at(-1)!);
  const given = rows.slice(0, query.skip + limit).filter((row) => dateOf(row) === lastDay).length;
  return { page, next_cursor: encodeCursor({ from: query.from, to: lastDay, ...(query.type ? { type: query.type } : {}), skip: given }) };
}

/** Rows as a table: the column names once, then one array of values per row, in that order. */
export const tableOf = <Columns extends readonly [string, ...string[]]>(columns: Columns) =>
  z.object({
    columns: z.array(z.enum(columns)),
    rows: z.array(z.array(z.union([z.number(), z.string(), z.boolean(), z.null()]))),
  });

/** A table of `rows`, each cell through `cell` (say, rounding). */
export function toTable<Row extends object, K extends keyof Row & string, Cell>(rows: readonly Row[], columns: readonly K[], cell: (value: Row[K]) => Cell): { columns: K[]; rows: Cell[][] } {
  return { columns: [...columns], rows: rows.map((row) => columns.map((column) => cell(row[column]))) };
}

/** A number to the whole unit (seconds, metres, beats per minute): a coach reads 4:05 /km, not 245.3 s. */
export const whole = <V>(value: V): V | number => (typeof value === 'number' ? Math.round(value) : value);

/**
 * An output schema that names each top-level field of an answer, and no more: what each field
 * holds is told in the tool's description, once, instead of again in every client's context on
 * each tools/list. Answers are still parsed with the full zod schema before they leave.
 */
export function leanOutputSchema(schema: z.ZodObject): { type: 'object'; properties: Record<string, Record<string, never>> } {
  return { type: 'object', properties: Object.fromEntries(Object.keys(schema.shape).map((key) => [key, {}])) };
}
