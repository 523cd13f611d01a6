/**
 * What every MCP tool module is made of (docs/architecture.md rule 14): the tool's spec and what
 * it may use, and the pieces the tools share (default ranges, paging, the coach's rows, the
 * one-line summary's words). The tools themselves are one module each beside this one, listed in
 * ../tools.ts.
 */
import { z } from 'zod';
import { rangeFields, dateRange, parseQuery } from '../../../../src-common/data-query.js';
import { freshness as freshnessSchema, type ConnectionStatus } from '../../../../src-common/contract.js';
import { CompanionError } from '../../errors.js';
import { cursorArg, decodeCursor, fieldsArg, pageLimit, pageOf, refuseCursorWith, type PageQuery } from '../compact.js';
import type { DataQueries } from '../../data/data-service.js';
import type { SyncProgress, SyncResult } from '../../sync/sync-engine.js';
import type { Workouts } from '../../workouts/workout-service.js';

/** What the tools need from the companion. */
export interface ToolDeps {
  status(): ConnectionStatus;
  readonly data: DataQueries;
  sync(options: { signal?: AbortSignal; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult>;
  /** The runner's local date today (YYYY-MM-DD): where date ranges end by default. */
  today(): string;
  /** Workouts agents propose (and only the runner approves, elsewhere). */
  readonly workouts: Workouts;
}

/** Per call: cancellation, progress when the client asked for it, and who is calling. */
export interface ToolCallContext {
  readonly signal: AbortSignal;
  readonly progress?: (done: number, total: number, message: string) => void;
  /** The grant the call came in with (`runner` over stdio) and the client's name (`unknown` when it gave none). */
  readonly caller?: { readonly grant: string; readonly client: string };
}

/** A tool's answer: the structured content and a one-line summary for the model. */
export interface ToolAnswer {
  readonly structured: Record<string, unknown>;
  readonly summary: string;
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodObject;
  readonly output: z.ZodObject;
  /** Whether the tool only reads (every tool but sync_now). */
  readonly readOnly: boolean;
  run(args: Record<string, unknown>, deps: ToolDeps, context: ToolCallContext): Promise<ToolAnswer>;
}

/** Typed at definition, erased in the table: each tool's `run` gets its own parsed input. */
export function tool<I extends z.ZodObject, O extends z.ZodObject>(spec: {
  name: string;
  description: string;
  input: I;
  output: O;
  readOnly: boolean;
  run(args: z.output<I>, deps: ToolDeps, context: ToolCallContext): Promise<{ structured: z.input<O>; summary: string }>;
}): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** Every answer's `last_sync_at` and `stale`, as src-common/contract.ts declares them. */
export const freshness = freshnessSchema.shape;

/**
 * How many days a range covers when `from` is not given: four weeks. A day is a row, and a
 * model's context is small; a longer range is one argument away.
 */
export const RANGE_DAYS = 28;

/** A range's end, YYYY-MM-DD (the server's instructions say so once, and each description says its default). */
export const dateArg = (which: 'from' | 'to') => rangeFields[which];

/** Rows per page of the list tools. */
export const ACTIVITIES_PAGE = 25;
export const MAX_ACTIVITIES_PAGE = 200;
export const DAYS_PAGE = 31;
export const MAX_DAYS_PAGE = 366;

/** Fills in the default range and refuses a reversed one, with the same words as the agent endpoint. */
export function resolveRange(args: { from?: string | undefined; to?: string | undefined }, deps: ToolDeps): { from: string; to: string } {
  const parsed = parseQuery(dateRange({ today: deps.today(), days: RANGE_DAYS }), { from: args.from, to: args.to });
  if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
  return parsed.value;
}

/** The first page's query from the arguments, or the page a cursor stands for. */
export function pageQuery(args: { from?: string; to?: string; type?: string; cursor?: string }, deps: ToolDeps): PageQuery {
  if (args.cursor === undefined) {
    const range = resolveRange(args, deps);
    return { ...range, ...(args.type ? { type: args.type } : {}), skip: 0 };
  }
  refuseCursorWith(args, ['from', 'to', 'type']);
  return decodeCursor(args.cursor);
}

/** The rows of a list answer: every field when asked, else the coach's. Parsed later with the output schema, which takes either. */
export const rowsOf = <Full extends z.ZodObject, Coach extends z.ZodObject>(full: Full, coach: Coach) => z.array(z.union([full, coach]));
export const pick = <Row extends Record<string, unknown>, Coach extends z.ZodObject>(rows: readonly Row[], coach: Coach, fields: 'coach' | 'all' | undefined): Array<Row | z.output<Coach>> =>
  fields === 'all' ? [...rows] : rows.map((row) => coach.parse(row));

export const listInput = { from: dateArg('from'), to: dateArg('to'), limit: pageLimit(MAX_DAYS_PAGE, DAYS_PAGE), cursor: cursorArg, fields: fieldsArg };
export const pageOutput = { next_cursor: z.string().nullable(), ...freshness };

export const lastSync = (f: { last_sync_at: string | null; stale: boolean }) =>
  f.last_sync_at ? `last sync ${f.last_sync_at}${f.stale ? ' (stale: sync_now brings it up to date)' : ''}` : 'never synced yet (sync_now loads the history)';
export const more = (cursor: string | null) => (cursor ? '; more: call again with cursor = next_cursor' : '');

/** Said once per tool that pages: how to get the rest. (Freshness, `last_sync_at` and `stale`, is in the server's instructions.) */
export const PAGING_HINT = '`next_cursor` (null at the end) continues.';

/** A list of days, newest first, paged. */
export function dayList<Row extends { calendar_date: string }, Coach extends z.ZodObject>(
  args: { from?: string; to?: string; limit?: number; cursor?: string; fields?: 'coach' | 'all' },
  deps: ToolDeps,
  read: (range: { from: string; to: string }) => { data: readonly Row[]; last_sync_at: string | null; stale: boolean },
  coach: Coach,
) {
  const query = pageQuery(args, deps);
  const answer = read({ from: query.from, to: query.to });
  const { page, next_cursor } = pageOf(answer.data, (row) => row.calendar_date, query, args.limit ?? DAYS_PAGE);
  return { from: query.from, to: query.to, rows: pick(page, coach, args.fields), next_cursor, last_sync_at: answer.last_sync_at, stale: answer.stale };
}
