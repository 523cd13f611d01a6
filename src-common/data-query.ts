/**
 * The one parser of training-data queries (dates, ranges, weeks, activity type), shared by the
 * agent endpoint, the CLI and the IPC layer so they accept and refuse exactly the same things.
 * Plain zod and no Node module: the renderer can import it too.
 */
import { z } from 'zod';
import { addDays, dayNumber } from './dates.js';
import { MAX_MIN_VALID_SECONDS } from './limits.js';
import { SPLIT_UNITS } from './units.js';

/** The most weeks a weekly summary covers (10 years). */
export const MAX_WEEKS = 520;

/** The most activities one answer lists. */
export const MAX_ACTIVITIES = 1000;

/** How many days a range covers when `from` is not given, on the agent endpoint and in MCP tools (12 weeks). */
export const DEFAULT_RANGE_DAYS = 84;

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a day that exists in the proleptic Gregorian calendar (2026-02-30 does not). */
function isCalendarDay(text: string): boolean {
  const match = DATE_SHAPE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** A calendar date written YYYY-MM-DD, as the runner's local dates are stored. */
export const isoDate = z
  .string()
  .refine((text) => isCalendarDay(text), 'must be a real calendar date written YYYY-MM-DD, like 2026-11-23');

/** A whole number of weeks from 1 to MAX_WEEKS. */
export const weeksCount = z.number().int().min(1, `must be from 1 to ${MAX_WEEKS}`).max(MAX_WEEKS, `must be from 1 to ${MAX_WEEKS}`);

/** `weeks` as text (a query string, a flag): plain decimal digits only, so 0x10, 1e2 and " 12" are refused. */
export const weeksText = z
  .string()
  .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${MAX_WEEKS}, written in digits`)
  .transform(Number)
  .pipe(weeksCount);

/** A whole number of activities from 1 to MAX_ACTIVITIES. */
export const activityLimit = z.number().int().min(1, `must be from 1 to ${MAX_ACTIVITIES}`).max(MAX_ACTIVITIES, `must be from 1 to ${MAX_ACTIVITIES}`);

/** `limit` as text (a query string): plain decimal digits only, like `weeks`. */
export const limitText = z
  .string()
  .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${MAX_ACTIVITIES}, written in digits`)
  .transform(Number)
  .pipe(activityLimit);

/**
 * Families of Garmin activity types, written in lower case: `running` is every type with RUN in it
 * (RUNNING, TRAIL_RUNNING, TREADMILL_RUNNING, TRACK_RUNNING, VIRTUAL_RUN…), as the weekly summary
 * counts runs. A type in capitals (RUNNING) is that one Garmin type only.
 */
export const ACTIVITY_FAMILIES = {
  running: ['RUN'],
  cycling: ['CYCLING', 'BIKING', 'RIDE'],
  swimming: ['SWIM'],
  walking: ['WALK', 'HIK'],
} as const;

export type ActivityFamily = keyof typeof ACTIVITY_FAMILIES;

/** A family (running, cycling, swimming, walking) or one Garmin activity type such as TRAIL_RUNNING. */
export const activityType = z
  .string()
  .refine(
    (value) => value in ACTIVITY_FAMILIES || /^[A-Z_]{1,40}$/.test(value),
    'must be running, cycling, swimming or walking (a family), or one Garmin activity type such as TRAIL_RUNNING',
  );

/** The fields of a date range before defaults: typed callers (MCP tools) build their input schemas from these. */
export const rangeFields = { from: isoDate.optional(), to: isoDate.optional() };

/** Fills the defaults of a range and refuses a reversed one. */
function resolveRange(defaults: RangeDefaults) {
  return <Q extends { from?: string | undefined; to?: string | undefined }>(query: Q, ctx: z.RefinementCtx<Q>) => {
    const to = query.to ?? defaults.today;
    const from = query.from ?? addDays(to, -(defaults.days - 1));
    if (from > to) {
      ctx.issues.push({ code: 'custom', path: ['from'], message: `must be on or before to (${to}), but is ${from}`, input: query });
      return z.NEVER;
    }
    return { ...query, from, to };
  };
}

/** Where a range ends when `to` is not given, and how many days it covers when `from` is not. */
export interface RangeDefaults {
  readonly today: string;
  readonly days: number;
}

/**
 * A date range: `to` defaults to `today`, `from` to `days` days ending at `to` (both inclusive).
 * A `from` after `to` is refused, also when one of them is the default.
 */
export function dateRange(defaults: RangeDefaults) {
  return z.object(rangeFields).transform(resolveRange(defaults));
}

/** Most days one epochs answer covers: Garmin sends an epoch per 15 minutes and activity type, about 100 a day. */
export const MAX_EPOCH_DAYS = 31;
/** How many days the epochs query covers when `from` is not given. */
export const DEFAULT_EPOCH_DAYS = 7;

/** The epochs query: a date range of at most MAX_EPOCH_DAYS days, by default the last DEFAULT_EPOCH_DAYS. */
export function epochsQuery(defaults: RangeDefaults) {
  return dateRange({ today: defaults.today, days: DEFAULT_EPOCH_DAYS }).refine((range) => dayNumber(range.to) - dayNumber(range.from) < MAX_EPOCH_DAYS, {
    path: ['from'],
    message: `must be at most ${MAX_EPOCH_DAYS} days before to (epochs come every 15 minutes)`,
  });
}

/** The activities query: a date range, an optional activity type and, in a query string, an optional `limit`. */
export function activitiesQuery(defaults: RangeDefaults) {
  return z.object({ ...rangeFields, type: activityType.optional(), limit: limitText.optional() }).transform(resolveRange(defaults));
}

/** Most points of an activity's series an answer carries (MCP tools cap lower: a model's context is small). */
export const MAX_SERIES_POINTS = 2000;
/** Points of an activity's series by default: enough for a chart, a few KB of JSON. */
export const DEFAULT_SERIES_POINTS = 300;

/** An activity's id as the activity list gives it (`summary_id`, or Garmin's `activity_id`). */
export const activityId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be an activity id from the activity list (letters, digits, . _ : -)');
/** Splits per kilometre or per mile. */
export const splitUnitParam = z.enum(SPLIT_UNITS, 'must be km or mi');
/** A series length: 2 to MAX_SERIES_POINTS points. */
export const seriesPoints = z.number().int().min(2, `must be from 2 to ${MAX_SERIES_POINTS}`).max(MAX_SERIES_POINTS, `must be from 2 to ${MAX_SERIES_POINTS}`);
/** `points` as text (a query string, a flag). */
export const seriesPointsText = z
  .string()
  .regex(/^\d{1,4}$/, `must be a whole number from 2 to ${MAX_SERIES_POINTS}, written in digits`)
  .transform(Number)
  .pipe(seriesPoints);

/** One activity's details: `/v1/activities/{id}?unit=mi&points=300`. */
export const activityDetailsQuery = z
  .object({ id: activityId, unit: splitUnitParam.optional(), points: seriesPointsText.optional() })
  .transform(({ id, unit, points }) => ({ id, unit: unit ?? 'km', points: points ?? DEFAULT_SERIES_POINTS }));

/** No parameters (the personal records, the HR profile); unknown parameters are ignored, as on every route. */
export const noQuery = z.object({});

const MIN_VALID_WORDS = `must be a whole number of seconds from 0 to ${MAX_MIN_VALID_SECONDS}`;
/** `min_valid` as text: plain digits, 0 to MAX_MIN_VALID_SECONDS. */
export const minValidText = z
  .string()
  .regex(/^\d{1,6}$/, MIN_VALID_WORDS)
  .transform(Number)
  .pipe(z.number().int().max(MAX_MIN_VALID_SECONDS, MIN_VALID_WORDS));
/** `GET /v1/token?min_valid=SECONDS`. The endpoint's hot path matches the plain form with a regex first (TOKEN_TARGET in agent-server.ts); a test holds the two to the same answers. */
export const tokenQuery = z.object({ min_valid: minValidText.optional() });

/** The weekly-summary query. */
export const weeklyQuery = z.object({ weeks: weeksText.optional() }).transform(({ weeks }) => ({ weeks: weeks ?? 12 }));

/** How a wrong type is named: query strings and flags always give text, JSON callers (MCP) may give anything. */
const EXPECTED: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object' };

/** What a parse gives: the value, or one sentence that names the parameter and what is wrong. */
export type QueryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Parses `input` with `schema`. `names` turns a field name into how this caller spells it
 * (`--from` for the CLI); the message never repeats the value given, only what is expected.
 */
export function parseQuery<T>(schema: z.ZodType<T>, input: unknown, names: (field: string) => string = (field) => field): QueryResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const field = typeof issue.path[0] === 'string' ? issue.path[0] : '';
  const message = issue.code === 'invalid_type' ? `must be ${EXPECTED[issue.expected] ?? issue.expected}` : issue.message;
  return { ok: false, message: `${names(field)} ${message}.` };
}

/**
 * The query parameters `keys` of a URL as an object for these schemas. A parameter given twice
 * is refused rather than silently taking one of the two.
 */
export function searchParamsInput(params: URLSearchParams, keys: readonly string[]): QueryResult<Record<string, string>> {
  const input: Record<string, string> = {};
  for (const key of keys) {
    const values = params.getAll(key);
    if (values.length > 1) return { ok: false, message: `${key} must be given at most once.` };
    if (values.length === 1) input[key] = values[0]!;
  }
  return { ok: true, value: input };
}
