/**
 * The MCP tools: what a coaching model may ask R42 Companion, each with a description written for
 * the model, its input and output schemas, and how it answers. They read the local database (no
 * network) except `sync_now`; none ever returns a Garmin token, and the answers are parsed through
 * their output schemas, so only the fields declared here leave.
 */
import { z } from 'zod';
import {
  activityType,
  MAX_WEEKS,
  rangeFields,
  weeksCount,
  dateRange,
  parseQuery,
  activityId,
  splitUnitParam,
  epochsQuery,
  DEFAULT_EPOCH_DAYS,
  MAX_EPOCH_DAYS,
} from '../../../src-common/data-query.js';
import {
  activityDetailsAnswer,
  hrvAssessment,
  personalRecordsAnswer,
  trainingLoadAnswer,
  trend,
  trendsAnswer,
  wellnessDay,
  type lap,
  type seriesPoint,
  type split,
} from '../../../src-common/coaching-contract.js';
import {
  activityView,
  dailySummary,
  freshness as freshnessSchema,
  healthMeasurements,
  hrvNight,
  sleepNight,
  statusSummary,
  weekSummary,
  type ConnectionStatus,
  type EpochRow,
} from '../../../src-common/contract.js';
import { clockTime } from '../../../src-common/format.js';
import { CompanionError } from '../errors.js';
import { cursorArg, decodeCursor, fieldsArg, pageLimit, pageOf, refuseCursorWith, tableOf, toTable, whole, type PageQuery } from './compact.js';
import type { DataQueries } from '../data/data-service.js';
import type { SyncProgress, SyncResult } from '../sync/sync-engine.js';

/** What the tools need from the companion. */
export interface ToolDeps {
  status(): ConnectionStatus;
  readonly data: DataQueries;
  sync(options: { signal?: AbortSignal; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult>;
  /** The runner's local date today (YYYY-MM-DD): where date ranges end by default. */
  today(): string;
}

/** Per call: cancellation, and progress when the client asked for it. */
export interface ToolCallContext {
  readonly signal: AbortSignal;
  readonly progress?: (done: number, total: number, message: string) => void;
}

/** A tool's answer: the structured content and a one-line summary for the model. */
export interface ToolAnswer {
  readonly structured: Record<string, unknown>;
  readonly summary: string;
}

export interface ToolSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: z.ZodObject;
  readonly output: z.ZodObject;
  /** Whether the tool only reads (every tool but sync_now). */
  readonly readOnly: boolean;
  run(args: Record<string, unknown>, deps: ToolDeps, context: ToolCallContext): Promise<ToolAnswer>;
}

/** Typed at definition, erased in the table: each tool's `run` gets its own parsed input. */
function tool<I extends z.ZodObject, O extends z.ZodObject>(spec: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  readOnly: boolean;
  run(args: z.output<I>, deps: ToolDeps, context: ToolCallContext): Promise<{ structured: z.input<O>; summary: string }>;
}): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** Every answer's `last_sync_at` and `stale`, as src-common/contract.ts declares them. */
const freshness = freshnessSchema.shape;

/**
 * How many days a range covers when `from` is not given: four weeks. A day is a row, and a
 * model's context is small; a longer range is one argument away.
 */
const RANGE_DAYS = 28;

/** A range's end, YYYY-MM-DD (the server's instructions say so once, and each description says its default). */
const dateArg = (which: 'from' | 'to') => rangeFields[which];

/** Rows per page of the list tools. */
const ACTIVITIES_PAGE = 25;
const MAX_ACTIVITIES_PAGE = 200;
const DAYS_PAGE = 31;
const MAX_DAYS_PAGE = 366;
/** Most points of an activity's series in a tool answer (the HTTP route allows more). */
const MAX_TOOL_POINTS = 500;

/** Fills in the default range and refuses a reversed one, with the same words as the agent endpoint. */
function resolveRange(args: { from?: string | undefined; to?: string | undefined }, deps: ToolDeps): { from: string; to: string } {
  const parsed = parseQuery(dateRange({ today: deps.today(), days: RANGE_DAYS }), { from: args.from, to: args.to });
  if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
  return parsed.value;
}

/** The first page's query from the arguments, or the page a cursor stands for. */
function pageQuery(args: { from?: string; to?: string; type?: string; cursor?: string }, deps: ToolDeps): PageQuery {
  if (args.cursor === undefined) {
    const range = resolveRange(args, deps);
    return { ...range, ...(args.type ? { type: args.type } : {}), skip: 0 };
  }
  refuseCursorWith(args, ['from', 'to', 'type']);
  return decodeCursor(args.cursor);
}

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const activity = z.object(activityView.shape);
const coachActivity = z.object(activityView.pick({ summary_id: true, local_date: true, type: true, name: true, duration_s: true, distance_m: true, avg_pace_s_per_km: true, avg_hr: true, max_hr: true, elevation_gain_m: true }).shape);
const week = z.object(weekSummary.shape);
const coachWeek = z.object(weekSummary.pick({ week_start: true, runs: true, distance_km: true, duration_s: true, long_run_km: true, avg_pace_s_per_km: true, avg_hr: true }).shape);
const daily = z.object(dailySummary.shape);
const coachDaily = z.object(dailySummary.pick({ calendar_date: true, steps: true, resting_hr: true, avg_stress: true, body_battery_charged: true, body_battery_drained: true }).shape);
const sleep = z.object(sleepNight.shape);
const coachSleep = z.object(sleepNight.pick({ calendar_date: true, duration_s: true, deep_s: true, light_s: true, rem_s: true, awake_s: true, score: true }).shape);
const hrvNightRow = z.object(hrvNight.shape);
const coachHrvNight = z.object(hrvNight.pick({ calendar_date: true, last_night_avg_ms: true, last_night_5min_high_ms: true }).shape);

/** The rows of a list answer: every field when asked, else the coach's. Parsed later with the output schema, which takes either. */
const rowsOf = <Full extends z.ZodObject, Coach extends z.ZodObject>(full: Full, coach: Coach) => z.array(z.union([full, coach]));
const pick = <Row extends Record<string, unknown>, Coach extends z.ZodObject>(rows: readonly Row[], coach: Coach, fields: 'coach' | 'all' | undefined): Array<Row | z.output<Coach>> =>
  fields === 'all' ? [...rows] : rows.map((row) => coach.parse(row));

const listInput = { from: dateArg('from'), to: dateArg('to'), limit: pageLimit(MAX_DAYS_PAGE, DAYS_PAGE), cursor: cursorArg, fields: fieldsArg };
const pageOutput = { next_cursor: z.string().nullable(), ...freshness };

const lastSync = (f: { last_sync_at: string | null; stale: boolean }) =>
  f.last_sync_at ? `last sync ${f.last_sync_at}${f.stale ? ' (stale: sync_now brings it up to date)' : ''}` : 'never synced yet (sync_now loads the history)';
const more = (cursor: string | null) => (cursor ? '; more: call again with cursor = next_cursor' : '');

/** Said once per tool that pages: how to get the rest. (Freshness, `last_sync_at` and `stale`, is in the server's instructions.) */
const PAGING_HINT = '`next_cursor` (null at the end) continues.';

/** A list of days, newest first, paged. */
function dayList<Row extends { calendar_date: string }, Coach extends z.ZodObject>(
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

/** The splits' columns, and the laps' a coach reads (where and how long a lap ran is in its distance and time). */
const SPLIT_COLUMNS = ['index', 'distance_m', 'moving_s', 'pace_s', 'avg_hr', 'max_hr', 'elevation_gain_m'] as const satisfies ReadonlyArray<keyof typeof split.shape>;
const LAP_COLUMNS = ['index', 'distance_m', 'moving_s', 'pace_s', 'avg_hr', 'max_hr'] as const satisfies ReadonlyArray<keyof typeof lap.shape>;
const SERIES_COLUMNS = ['elapsed_s', 'distance_m', 'pace_s', 'hr', 'elevation_m'] as const satisfies ReadonlyArray<keyof typeof seriesPoint.shape>;

/** One activity in detail with its splits, laps and series as tables of whole numbers: a marathon's 42 splits in about a kilobyte. */
const compactDetails = z.object({
  ...activityDetailsAnswer.shape,
  splits: tableOf(SPLIT_COLUMNS),
  laps: tableOf(LAP_COLUMNS).nullable(),
  series: tableOf(SERIES_COLUMNS).nullable(),
});
const fullDetails = z.object({ ...activityDetailsAnswer.shape, series: activityDetailsAnswer.shape.series.nullable() });

/**
 * Laps the watch made by itself at the split distance (every lap but the last within 5 % of one
 * km or mile, as many as the splits): they tell what the splits tell, so a coach needs only one.
 */
function automaticLaps(laps: readonly { distance_m: number }[], splits: readonly unknown[], unitM: number): boolean {
  return laps.length >= 3 && Math.abs(laps.length - splits.length) <= 1 && laps.slice(0, -1).every((l) => Math.abs(l.distance_m - unitM) <= unitM * 0.05);
}

const coachTrends = z.object({
  from: z.string(),
  to: z.string(),
  hrv_baseline: hrvAssessment.shape.baseline.describe('The 60-night baseline band on the last day.'),
  hrv: z.array(z.object(hrvAssessment.pick({ date: true, seven_day_avg: true, status: true }).shape)),
  resting_hr: z.array(z.object(trend.pick({ date: true, mean_7d: true, mean_28d: true, direction: true }).shape)),
  sleep: z.array(z.object(trend.pick({ date: true, mean_7d: true, mean_28d: true, direction: true }).shape)),
  days: z.array(z.object(wellnessDay.pick({ date: true, resting_hr: true, hrv_ms: true, sleep_s: true, sleep_score: true, avg_stress: true, intensity_min: true }).shape)),
});

/** The tools, in the order a model sees them. */
export const TOOLS: readonly ToolSpec[] = [
  tool({
    name: 'get_status',
    title: 'Garmin link and data freshness',
    description:
      "Whether the runner's Garmin account is linked (`state`: connected, not_connected, or reauth_required: they must run `r42-companion login`), permissions granted, data types not shared, the copy's freshness and history load. Call it when other tools return little. Never contacts Garmin.",
    input: z.strictObject({}),
    output: z.object(statusSummary.shape),
    readOnly: true,
    async run(_args, deps) {
      const s = deps.status();
      const notShared = s.sync.streams.filter((st) => st.state === 'permission_missing').map((st) => st.stream);
      const link =
        s.state === 'connected'
          ? `Garmin linked (user ${s.garminUserId})`
          : s.state === 'reauth_required'
            ? 'Garmin needs the runner to reconnect: they should run `r42-companion login`'
            : 'No Garmin account is linked: the runner should run `r42-companion login`';
      return {
        structured: {
          state: s.state,
          garmin_user_id: s.garminUserId,
          permissions: [...s.permissions],
          not_shared: notShared,
          refresh_token_expires_soon: s.refreshTokenExpiresSoon,
          last_error: s.lastError,
          sync: { running: s.sync.running, history: { done: s.sync.backfill.done, total: s.sync.backfill.total } },
          last_sync_at: s.sync.lastSyncAt,
          stale: s.sync.stale,
        },
        summary: `${link}; ${lastSync({ last_sync_at: s.sync.lastSyncAt, stale: s.sync.stale })}${notShared.length ? `; not shared on Garmin: ${notShared.join(', ')}` : ''}.`,
      };
    },
  }),
  tool({
    name: 'list_activities',
    title: 'Activities',
    description:
      `Activities (runs, rides …), newest first: \`summary_id\` (for get_activity_details), \`local_date\`, \`type\` (Garmin's: RUNNING, TRAIL_RUNNING, CYCLING …), \`name\`, \`duration_s\`, \`distance_m\`, \`avg_pace_s_per_km\` (runs; 319 is 5:19 /km), \`avg_hr\`, \`max_hr\`, \`elevation_gain_m\`; \`fields: "all"\` adds start time, cadence, speed, calories, device. Default: the last ${RANGE_DAYS} days, ${ACTIVITIES_PAGE} a page; ${PAGING_HINT}`,
    input: z.strictObject({
      from: dateArg('from'),
      to: dateArg('to'),
      type: activityType.optional().describe('running (every kind), cycling, swimming, walking, or one Garmin type (TRAIL_RUNNING).'),
      limit: pageLimit(MAX_ACTIVITIES_PAGE, ACTIVITIES_PAGE),
      cursor: cursorArg,
      fields: fieldsArg,
    }),
    output: z.object({ from: z.string(), to: z.string(), type: z.string().nullable(), activities: rowsOf(activity, coachActivity), ...pageOutput }),
    readOnly: true,
    async run(args, deps) {
      const query = pageQuery(args, deps);
      const limit = args.limit ?? ACTIVITIES_PAGE;
      // One more than the page tells whether anything is left.
      const answer = deps.data.activities({ from: query.from, to: query.to, type: query.type, limit: query.skip + limit + 1 });
      const { page, next_cursor } = pageOf(answer.data, (a) => a.local_date, query, limit);
      const runs = page.filter((a) => a.avg_pace_s_per_km !== null);
      const km = runs.reduce((sum, a) => sum + (a.distance_m ?? 0), 0) / 1000;
      return {
        structured: { from: query.from, to: query.to, type: query.type ?? null, activities: pick(page, coachActivity, args.fields), next_cursor, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${page.length} ${query.type ? `${query.type} ` : ''}activities from ${query.from} to ${query.to}${query.skip ? ' (continued)' : ''}, newest first, ${runs.length} of them runs (${km.toFixed(1)} km)${more(next_cursor)}; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_weekly_summary',
    title: 'Weekly running volume',
    description:
      `Running volume per ISO week (Monday–Sunday, local), oldest first, ending this week: \`runs\`, \`distance_km\`, \`duration_s\`, \`long_run_km\`, \`avg_pace_s_per_km\`, \`avg_hr\` (time-weighted). Runs only; weeks without runs are zeros. \`weeks\` 1–${MAX_WEEKS}, default 12.`,
    input: z.strictObject({ weeks: weeksCount.optional(), fields: fieldsArg }),
    output: z.object({ weeks: rowsOf(week, coachWeek), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const answer = deps.data.weekly(args.weeks ?? 12, deps.today());
      const km = answer.data.reduce((sum, w) => sum + w.distance_km, 0);
      return {
        structured: { weeks: pick(answer.data, coachWeek, args.fields), last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.length} weeks from ${answer.data[0]?.week_start ?? '—'}, ${Math.round(km * 10) / 10} km of running in all; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_daily_summaries',
    title: 'Daily summaries',
    description:
      `One row per local day, newest first: \`steps\`, \`resting_hr\`, \`avg_stress\`, \`body_battery_charged\`/\`_drained\`; \`fields: "all"\` adds distance, calories, average and max HR. Resting HR and stress show recovery and fatigue. Default: the last ${RANGE_DAYS} days; ${PAGING_HINT}`,
    input: z.strictObject(listInput),
    output: z.object({ from: z.string(), to: z.string(), days: rowsOf(daily, coachDaily), ...pageOutput }),
    readOnly: true,
    async run(args, deps) {
      const { rows, ...rest } = dayList(args, deps, deps.data.dailies, coachDaily);
      return { structured: { ...rest, days: rows }, summary: `${rows.length} days from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
    },
  }),
  tool({
    name: 'get_sleep',
    title: 'Sleep',
    description:
      `Sleep per night, newest first (\`calendar_date\`: the day they woke up): \`duration_s\`, \`deep_s\`, \`light_s\`, \`rem_s\`, \`awake_s\`, \`score\` (Garmin's, 0-100). Short or broken nights slow recovery. Default: the last ${RANGE_DAYS} days; ${PAGING_HINT}`,
    input: z.strictObject(listInput),
    output: z.object({ from: z.string(), to: z.string(), nights: rowsOf(sleep, coachSleep), ...pageOutput }),
    readOnly: true,
    async run(args, deps) {
      const { rows, ...rest } = dayList(args, deps, deps.data.sleeps, coachSleep);
      return { structured: { ...rest, nights: rows }, summary: `${rows.length} nights from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
    },
  }),
  tool({
    name: 'get_hrv',
    title: 'Heart rate variability',
    description:
      `Overnight HRV per night, newest first (\`calendar_date\`: the day they woke up): average and highest 5-minute value, ms. Compare a night with the runner's own nights before it (get_trends: against their baseline). Default: the last ${RANGE_DAYS} days; ${PAGING_HINT}`,
    input: z.strictObject(listInput),
    output: z.object({ from: z.string(), to: z.string(), nights: rowsOf(hrvNightRow, coachHrvNight), ...pageOutput }),
    readOnly: true,
    async run(args, deps) {
      const { rows, ...rest } = dayList(args, deps, deps.data.hrv, coachHrvNight);
      return { structured: { ...rest, nights: rows }, summary: `${rows.length} nights of HRV from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
    },
  }),
  tool({
    name: 'get_activity_details',
    title: 'One activity in detail',
    description:
      `One activity from its samples: \`summary\`; \`splits\` per km (or \`unit: "mi"\`) and \`laps\` as tables (pace_s: s per unit; laps null when the watch's automatic ones repeat the splits); \`zones\` (s per HR zone; say so when \`hr_profile.source\` is estimated); \`drift\` (decoupling over 5 % on an easy run: aerobic base short of the distance); \`best_efforts\`; \`load\` (TRIMP). \`series_points\` adds pace, HR, elevation over distance; \`fields: "all"\` every lap, unrounded.`,
    input: z.strictObject({
      id: activityId.describe('summary_id from list_activities.'),
      unit: splitUnitParam.optional(),
      series_points: z.number().int().min(10).max(MAX_TOOL_POINTS).optional().describe('Points of the series; default none.'),
      fields: fieldsArg,
    }),
    output: z.object({ activity: z.union([compactDetails, fullDetails]), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const answer = deps.data.activity(args.id, { unit: args.unit ?? 'km', maxPoints: args.series_points ?? 10 });
      const a = answer.data;
      const s = a.summary;
      const unitM = a.unit === 'mi' ? 1609.344 : 1000;
      const auto = automaticLaps(a.laps, a.splits, unitM);
      const distance = s.distance_m === null ? null : `${(s.distance_m / unitM).toFixed(2)} ${a.unit}`;
      const facts = [
        `${a.type ?? 'Activity'}${a.name ? ` "${a.name}"` : ''} on ${a.local_date ?? 'an unknown day'}`,
        distance && s.moving_s !== null ? `${distance} in ${clockTime(s.moving_s)} moving` : null,
        s.avg_pace_s !== null ? `${clockTime(s.avg_pace_s)}/${a.unit}` : null,
        s.avg_hr !== null ? `avg HR ${Math.round(s.avg_hr)}` : null,
        a.has_details ? `${a.splits.length} splits, ${a.laps.length}${auto ? ' automatic' : ''} laps` : 'no samples from Garmin (summary figures only)',
        `load ${a.load.trimp} (${a.load.method})`,
      ].filter((f): f is string => f !== null);
      const series = args.series_points === undefined ? null : a.series;
      const activity =
        args.fields === 'all'
          ? { ...a, series }
          : {
              ...a,
              splits: toTable(a.splits, SPLIT_COLUMNS, whole),
              laps: auto ? null : toTable(a.laps, LAP_COLUMNS, whole),
              series: series && toTable(series, SERIES_COLUMNS, whole),
            };
      return { structured: { activity, last_sync_at: answer.last_sync_at, stale: answer.stale }, summary: `${facts.join(', ')}; ${lastSync(answer)}.` };
    },
  }),
  tool({
    name: 'get_training_load',
    title: 'Training load',
    description:
      `Training load per local day, oldest first (default: the last ${RANGE_DAYS} days): \`load\` (TRIMP), \`acute\` (7-day mean), \`chronic\` (28-day mean), \`acwr\` (acute:chronic; 0.8–1.3 safe, above 1.5 a spike that raises injury risk), \`monotony\` (above 2: too little variation), \`strain\`; per ISO week the load and seconds per HR zone. Ratios null until 28 days of history exist.`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
    output: z.object({ load: z.object(trainingLoadAnswer.shape), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.trainingLoad(range);
      const last = answer.data.days.at(-1);
      const ratio = last?.acwr != null ? `, acute:chronic ${last.acwr}` : '';
      return {
        structured: { load: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.days.length} days from ${range.from} to ${range.to}${last ? `; on ${last.date} acute ${last.acute ?? '—'}, chronic ${last.chronic ?? '—'}${ratio}` : ''}; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_personal_records',
    title: 'Personal records',
    description:
      "The runner's fastest 1 km, 5 km, 10 km, half and full marathon inside any run over their whole history (the fastest stretch of that length, not only races): time, pace, activity and date. A base for goal paces.",
    input: z.strictObject({}),
    output: z.object({ records: z.object(personalRecordsAnswer.shape), ...freshness }),
    readOnly: true,
    async run(_args, deps) {
      const answer = deps.data.records();
      const list = answer.data.records.map((r) => `${r.label} ${clockTime(r.time_s)} (${r.date})`);
      return {
        structured: { records: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${list.length ? list.join(', ') : 'No records yet'} from ${answer.data.runs_with_details} runs with samples; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_trends',
    title: 'Recovery trends',
    description:
      `Recovery per local day, oldest first (default: the last ${RANGE_DAYS} days): \`hrv\` (7-night mean, \`status\` below, balanced or above the runner's 60-night band \`hrv_baseline\`; null before 21 nights), \`resting_hr\` and \`sleep\` (7- and 28-day means, \`direction\` rising, falling or stable), \`days\` (resting HR, HRV, sleep s and score, stress, intensity min); \`fields: "all"\` adds SpO2, breaths, weight, VO2 max, skin temperature, blood pressure. Low HRV with rising resting HR: fatigue or illness.`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to'), fields: fieldsArg }),
    output: z.object({ trends: z.union([z.object(trendsAnswer.shape), coachTrends]), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.trends(range);
      const t = answer.data;
      const hrv = t.hrv.at(-1);
      const rest = t.resting_hr.at(-1);
      const facts = [
        hrv?.status ? `HRV ${hrv.status === 'balanced' ? 'within' : hrv.status} its baseline on ${hrv.date}` : 'HRV status not known yet (fewer than 21 nights)',
        rest?.direction ? `resting HR ${rest.direction}` : null,
      ].filter((f): f is string => f !== null);
      const trends = args.fields === 'all' ? t : coachTrends.parse({ ...t, hrv_baseline: hrv?.baseline ?? null });
      return { structured: { trends, last_sync_at: answer.last_sync_at, stale: answer.stale }, summary: `${range.from} to ${range.to}: ${facts.join(', ')}; ${lastSync(answer)}.` };
    },
  }),
  tool({
    name: 'get_health_metrics',
    title: 'Health measurements',
    description:
      `Health measurements (default: the last ${RANGE_DAYS} days), newest first: \`fitness\` (VO2 max, ml/kg/min, and fitness age, about weekly), \`blood_pressure\` (mmHg, pulse), \`skin_temperature\` (the night's deviation from baseline, °C; about +1 °C can come before an illness), \`snapshots\` (2-minute watch snapshots: HR, SpO2, breaths, stress, HRV). Empty when the devices do not measure that.`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
    output: z.object({ from: z.string(), to: z.string(), health: z.object(healthMeasurements.shape), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.health(range);
      const h = answer.data;
      const facts = [
        h.fitness[0] ? `VO2 max ${h.fitness[0].vo2max ?? '—'} on ${h.fitness[0].calendar_date}` : null,
        h.blood_pressure[0] ? `${h.blood_pressure.length} blood pressure readings, the last ${h.blood_pressure[0].systolic ?? '—'}/${h.blood_pressure[0].diastolic ?? '—'} on ${h.blood_pressure[0].local_date}` : null,
        h.skin_temperature[0] ? `skin temperature ${h.skin_temperature[0].deviation_c ?? '—'} °C from baseline on ${h.skin_temperature[0].calendar_date}` : null,
        h.snapshots.length ? `${h.snapshots.length} health snapshots` : null,
      ].filter((f): f is string => f !== null);
      return {
        structured: { ...range, health: h, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${range.from} to ${range.to}: ${facts.length ? facts.join('; ') : 'no health measurements'}; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_intraday_activity',
    title: 'Intraday activity',
    description:
      `Movement per local day from Garmin's 15-minute epochs (default: the last ${DEFAULT_EPOCH_DAYS} days, at most ${MAX_EPOCH_DAYS}), oldest first: \`steps\`, \`active_min\`, \`highly_active_min\`, and per local hour (0-23) \`hourly_steps\`, \`hourly_active_min\`. Was an easy day easy; how much they move outside training.`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
    output: z.object({
      from: z.string(),
      to: z.string(),
      days: z.array(
        z.object({
          date: z.string(),
          steps: z.number(),
          active_min: z.number(),
          highly_active_min: z.number(),
          hourly_steps: z.array(z.number()),
          hourly_active_min: z.array(z.number()),
        }),
      ),
      ...freshness,
    }),
    readOnly: true,
    async run(args, deps) {
      const parsed = parseQuery(epochsQuery({ today: deps.today(), days: DEFAULT_EPOCH_DAYS }), { from: args.from, to: args.to });
      if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
      const range = { from: parsed.value.from, to: parsed.value.to };
      const answer = deps.data.epochs(range);
      const days = intradayDays(answer.data);
      const steps = days.reduce((n, d) => n + d.steps, 0);
      return {
        structured: { ...range, days, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${days.length} days with epochs from ${range.from} to ${range.to}, ${steps} steps in all; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'sync_now',
    title: 'Sync with Garmin now',
    description:
      "Brings the local copy up to date from Garmin now: records stored, windows fetched, data types not shared, history loaded, the new `last_sync_at`. Needs the network and a linked account (else an error saying why). Call it when an answer is `stale` or after a workout; a first sync of months takes a while (progress when asked).",
    input: z.strictObject({}),
    output: z.object({
      outcome: z.literal('completed'),
      stored: z.number().describe('Records written (new or updated).'),
      windows: z.number().describe('Upload windows fetched.'),
      skipped: z.number().describe('Records Garmin sent that could not be read (logged, not stored).'),
      not_shared: z.array(z.string()),
      history: z.object({ done: z.number(), total: z.number() }),
      ...freshness,
    }),
    readOnly: false,
    async run(_args, deps, context) {
      let shown = -1;
      const result = await deps.sync({
        signal: context.signal,
        onProgress: (p) => {
          const percent = p.total ? Math.floor((p.done / p.total) * 100) : 100;
          if (percent === shown) return;
          shown = percent;
          context.progress?.(p.done, p.total, `${p.phase === 'backfill' ? 'loading history' : 'fetching new data'}: ${p.done}/${p.total} windows`);
        },
      });
      if (result.outcome === 'offline') {
        throw new CompanionError(
          'garmin_unreachable',
          'Garmin could not be reached (is this computer offline?). Nothing new was synced; what is already stored is still served, and the next sync resumes where this one stopped.',
        );
      }
      const s = deps.status();
      return {
        structured: {
          outcome: result.outcome,
          stored: result.stored,
          windows: result.windows,
          skipped: result.skipped,
          not_shared: [...result.permissionMissing],
          history: { done: s.sync.backfill.done, total: s.sync.backfill.total },
          last_sync_at: s.sync.lastSyncAt,
          stale: s.sync.stale,
        },
        summary: `Synced: ${result.stored} records in ${result.windows} windows${result.permissionMissing.length ? `; not shared on Garmin: ${result.permissionMissing.join(', ')}` : ''}; ${lastSync({ last_sync_at: s.sync.lastSyncAt, stale: s.sync.stale })}.`,
      };
    },
  }),
];

/** Garmin's 15-minute epochs summed per day and per local hour. */
function intradayDays(epochs: readonly EpochRow[]) {
  const days = new Map<string, { date: string; steps: number; active_min: number; highly_active_min: number; hourly_steps: number[]; hourly_active_min: number[] }>();
  for (const e of epochs) {
    let day = days.get(e.local_date);
    if (!day) days.set(e.local_date, (day = { date: e.local_date, steps: 0, active_min: 0, highly_active_min: 0, hourly_steps: new Array<number>(24).fill(0), hourly_active_min: new Array<number>(24).fill(0) }));
    const hour = Number(e.local_time.slice(0, 2));
    const activeMin = e.intensity === 'ACTIVE' || e.intensity === 'HIGHLY_ACTIVE' ? (e.active_s ?? 0) / 60 : 0;
    day.steps += e.steps ?? 0;
    day.hourly_steps[hour]! += e.steps ?? 0;
    day.hourly_active_min[hour]! += activeMin;
    if (e.intensity === 'ACTIVE') day.active_min += activeMin;
    if (e.intensity === 'HIGHLY_ACTIVE') day.highly_active_min += activeMin;
  }
  return [...days.values()].map((d) => ({
    ...d,
    steps: Math.round(d.steps),
    active_min: Math.round(d.active_min),
    highly_active_min: Math.round(d.highly_active_min),
    hourly_steps: d.hourly_steps.map(Math.round),
    hourly_active_min: d.hourly_active_min.map(Math.round),
  }));
}
