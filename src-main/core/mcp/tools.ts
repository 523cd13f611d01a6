/**
 * The MCP tools: what a coaching model may ask R42 Companion, each with a description written for
 * the model, its input and output schemas, and how it answers. They read the local database (no
 * network) except `sync_now`; none ever returns a Garmin token, and the answers are parsed through
 * their output schemas, so only the fields declared here leave.
 */
import { z } from 'zod';
import {
  activityLimit,
  activityType,
  DEFAULT_RANGE_DAYS,
  MAX_ACTIVITIES,
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
import { activityDetailsAnswer, personalRecordsAnswer, trainingLoadAnswer, trendsAnswer } from '../../../src-common/coaching-contract.js';
import { activityView, dailySummary, freshness as freshnessSchema, healthMeasurements, hrvNight, sleepNight, statusSummary, weekSummary, type ConnectionStatus, type EpochRow } from '../../../src-common/contract.js';
import { clockTime } from '../../../src-common/format.js';
import { CompanionError } from '../errors.js';
import type { Companion } from '../companion.js';
import type { SyncProgress, SyncResult } from '../sync/sync-engine.js';

/** What the tools need from the companion. */
export interface ToolDeps {
  status(): ConnectionStatus;
  readonly data: Companion['data'];
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

const dateArg = (which: 'from' | 'to') =>
  rangeFields[which].describe(
    which === 'from'
      ? `First day, YYYY-MM-DD in the runner's local calendar (inclusive). Default: ${DEFAULT_RANGE_DAYS} days before \`to\`.`
      : "Last day, YYYY-MM-DD in the runner's local calendar (inclusive). Default: today.",
  );
const rangeInput = z.strictObject({ from: dateArg('from'), to: dateArg('to') });

/** Default range of the coaching tools: a day each is a row, and a model's context is small. */
const COACHING_RANGE_DAYS = 28;
/** Most points of an activity's series in a tool answer (the HTTP route allows more). */
const MAX_TOOL_POINTS = 500;

/** Fills in the default range and refuses a reversed one, with the same words as the agent endpoint. */
function resolveRange(args: { from?: string | undefined; to?: string | undefined }, deps: ToolDeps, days = DEFAULT_RANGE_DAYS): { from: string; to: string } {
  const parsed = parseQuery(dateRange({ today: deps.today(), days }), { from: args.from, to: args.to });
  if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
  return parsed.value;
}

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const activity = z.object(activityView.shape);
const week = z.object(weekSummary.shape);
const daily = z.object(dailySummary.shape);
const sleep = z.object(sleepNight.shape);
const hrvNightRow = z.object(hrvNight.shape);

const lastSync = (f: { last_sync_at: string | null; stale: boolean }) =>
  f.last_sync_at ? `last sync ${f.last_sync_at}${f.stale ? ' (stale: sync_now brings it up to date)' : ''}` : 'never synced yet (sync_now loads the history)';

const STALE_HINT = 'Every answer carries `last_sync_at` and `stale`; when `stale` is true, say so or call sync_now first.';

/** The tools, in the order a model sees them. */
export const TOOLS: readonly ToolSpec[] = [
  tool({
    name: 'get_status',
    title: 'Garmin link and data freshness',
    description:
      "Tells whether the runner's Garmin account is linked to R42 Companion (state `connected`, `not_connected` or `reauth_required`, in which case the runner must run `r42-companion login` again), which Garmin permissions they granted, which data types they did not share, and how fresh the local copy of their training data is (`last_sync_at`, `stale`, and how far the history load has come). Call it first when other tools return little or nothing, or before telling the runner their data is missing. It never contacts Garmin.",
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
    description: `Lists the runner's recorded activities (runs, rides, …) between two dates of their local calendar, newest first: type, name, start, distance, duration, average pace (min/km), heart rate, cadence, elevation. Defaults to the last ${DEFAULT_RANGE_DAYS} days and ${100} activities; \`type\` keeps a family (\`running\`: every kind of run, road, trail, treadmill, track; \`cycling\`, \`swimming\`, \`walking\`) or one Garmin type in capitals (TRAIL_RUNNING, …); pace is given as \`avg_pace_s_per_km\` (seconds per km, use this one) and \`avg_pace_min_km\` (decimal minutes: 5.32 is 5:19, not 5:32), runs only; and \`truncated\` says whether more activities matched than \`limit\`. For weekly running volume use get_weekly_summary instead. ${STALE_HINT}`,
    input: z.strictObject({
      from: dateArg('from'),
      to: dateArg('to'),
      type: activityType
        .optional()
        .describe('Keep only a family, in lower case: running (every kind of run: road, trail, treadmill, track…), cycling, swimming, walking; or one Garmin type in upper case, e.g. TRAIL_RUNNING.'),
      limit: activityLimit.optional().describe(`At most this many activities, 1–${MAX_ACTIVITIES}. Default 100.`),
    }),
    output: z.object({ from: z.string(), to: z.string(), type: z.string().nullable(), activities: z.array(activity), truncated: z.boolean(), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const limit = args.limit ?? 100;
      // One more than asked tells whether the list was cut.
      const answer = deps.data.activities({ ...range, type: args.type, limit: limit + 1 });
      const activities = answer.data.slice(0, limit);
      const truncated = answer.data.length > limit;
      return {
        structured: { ...range, type: args.type ?? null, activities, truncated, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${activities.length}${truncated ? '+' : ''} ${args.type ?? ''}${args.type ? ' ' : ''}activities from ${range.from} to ${range.to}, newest first; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_weekly_summary',
    title: 'Weekly running volume',
    description: `Running volume per ISO week (Monday to Sunday, the runner's local dates) for the last \`weeks\` weeks including the current one, oldest first: number of runs, distance (km), time, longest run (km), average pace (total time / total distance, min/km) and time-weighted average heart rate. Only running types count (road, trail, treadmill, track); weeks without runs are included with zeros, so a gap is visible. \`weeks\` is 1–${MAX_WEEKS}, default 12. ${STALE_HINT}`,
    input: z.strictObject({ weeks: weeksCount.optional().describe(`How many weeks, 1–${MAX_WEEKS}, ending with the current week. Default 12.`) }),
    output: z.object({ weeks: z.array(week), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const answer = deps.data.weekly(args.weeks ?? 12, deps.today());
      const km = answer.data.reduce((sum, w) => sum + w.distance_km, 0);
      return {
        structured: { weeks: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.length} weeks from ${answer.data[0]?.week_start ?? '—'}, ${Math.round(km * 10) / 10} km of running in all; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_daily_summaries',
    title: 'Daily summaries',
    description: `One summary per calendar day between two dates of the runner's local calendar, newest first: steps, distance, active calories, resting, average and maximum heart rate, average stress and body battery charged and drained. Resting heart rate and stress trends show recovery and fatigue. Defaults to the last ${DEFAULT_RANGE_DAYS} days. ${STALE_HINT}`,
    input: rangeInput,
    output: z.object({ from: z.string(), to: z.string(), days: z.array(daily), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.dailies(range);
      return {
        structured: { ...range, days: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.length} days from ${range.from} to ${range.to}, newest first; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_sleep',
    title: 'Sleep',
    description: `The runner's sleep per night between two dates of their local calendar, newest first (\`calendar_date\` is the day they woke up): total duration, deep, light, REM and awake seconds, and Garmin's sleep score (0-100). Defaults to the last ${DEFAULT_RANGE_DAYS} days. ${STALE_HINT}`,
    input: rangeInput,
    output: z.object({ from: z.string(), to: z.string(), nights: z.array(sleep), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.sleeps(range);
      return {
        structured: { ...range, nights: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.length} nights from ${range.from} to ${range.to}, newest first; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_hrv',
    title: 'Heart rate variability',
    description: `Overnight heart rate variability per night between two dates of the runner's local calendar, newest first (\`calendar_date\` is the day they woke up): the night's average and its highest 5-minute value, in milliseconds. A drop against the runner's own recent baseline suggests fatigue or illness; compare a night with the nights before it, not with other people. Defaults to the last ${DEFAULT_RANGE_DAYS} days. ${STALE_HINT}`,
    input: rangeInput,
    output: z.object({ from: z.string(), to: z.string(), nights: z.array(hrvNightRow), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps);
      const answer = deps.data.hrv(range);
      return {
        structured: { ...range, nights: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
        summary: `${answer.data.length} nights of HRV from ${range.from} to ${range.to}, newest first; ${lastSync(answer)}.`,
      };
    },
  }),
  tool({
    name: 'get_activity_details',
    title: 'One activity in detail',
    description: `One activity, worked out from its stored per-second samples: splits per km (or mile: \`unit: "mi"\`), the laps the runner pressed, time in each heart rate zone, pace and HR drift (second half against first; decoupling above 5 % on an easy run suggests the aerobic base is short of the distance), best efforts inside it (fastest 1 km, 5 km, 10 km, half and full marathon), a training load (TRIMP from heart rate, or duration × intensity when there is none, and which method), and the pace, HR and elevation over distance downsampled to \`max_points\` points (default 100). Take \`id\` from list_activities (\`summary_id\`). \`has_details: false\` means Garmin sent no samples for it: only its summary figures are there. Zones come from the runner's max and resting HR, from their settings or estimated from their data (\`hr_profile.source\` says which; say so when estimated). ${STALE_HINT}`,
    input: z.strictObject({
      id: activityId.describe('The activity\'s summary_id from list_activities.'),
      unit: splitUnitParam.optional().describe('Splits per km (default) or per mile (mi).'),
      max_points: z.number().int().min(10).max(MAX_TOOL_POINTS).optional().describe(`Points of the series over distance, 10–${MAX_TOOL_POINTS}. Default 100.`),
    }),
    output: z.object({ activity: z.object(activityDetailsAnswer.shape), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const answer = deps.data.activity(args.id, { unit: args.unit ?? 'km', maxPoints: args.max_points ?? 100 });
      const a = answer.data;
      const s = a.summary;
      const distance = s.distance_m === null ? null : `${(s.distance_m / (a.unit === 'mi' ? 1609.344 : 1000)).toFixed(2)} ${a.unit}`;
      const facts = [
        `${a.type ?? 'Activity'}${a.name ? ` "${a.name}"` : ''} on ${a.local_date ?? 'an unknown day'}`,
        distance && s.moving_s !== null ? `${distance} in ${clockTime(s.moving_s)} moving` : null,
        s.avg_pace_s !== null ? `${clockTime(s.avg_pace_s)}/${a.unit}` : null,
        s.avg_hr !== null ? `avg HR ${Math.round(s.avg_hr)}` : null,
        a.has_details ? `${a.splits.length} splits, ${a.laps.length} laps` : 'no samples from Garmin (summary figures only)',
        `load ${a.load.trimp} (${a.load.method})`,
      ].filter((f): f is string => f !== null);
      return { structured: { activity: a, last_sync_at: answer.last_sync_at, stale: answer.stale }, summary: `${facts.join(', ')}; ${lastSync(answer)}.` };
    },
  }),
  tool({
    name: 'get_training_load',
    title: 'Training load: acute, chronic, ratio',
    description: `The runner's training load per day between two dates of their local calendar (default: the last ${COACHING_RANGE_DAYS} days), oldest first: that day's load (TRIMP, summed over activities), acute load (7-day average), chronic load (28-day average), their ratio (acute:chronic; 0.8–1.3 is the usual safe band, above 1.5 a spike that raises injury risk), monotony (7-day mean / standard deviation; above 2 means too little variation) and strain (7-day load × monotony); then per ISO week the load and the time in each heart rate zone. Ratios are null until 28 days of history exist. Computed locally from every stored activity, so ranges may reach years back. ${STALE_HINT}`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
    output: z.object({ load: z.object(trainingLoadAnswer.shape), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps, COACHING_RANGE_DAYS);
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
    description: `The runner's fastest 1 km, 5 km, 10 km, half marathon and marathon found inside any run with samples over their whole stored history (not only races: the fastest stretch of that length within a run), each with its time, pace and the activity and date it came from. Records update as runs arrive. ${STALE_HINT}`,
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
    title: 'Recovery trends: HRV, resting HR, sleep',
    description: `Recovery trends per day between two dates of the runner's local calendar (default: the last ${COACHING_RANGE_DAYS} days), oldest first: HRV status (the 7-night average against the runner's own 60-night baseline band: below, balanced or above; null until 21 nights exist), resting heart rate and sleep as 7- and 28-day means with their direction (rising, falling, stable), and per day the wellness figures Garmin sent (resting HR, HRV, sleep seconds and score, average stress, SpO2, breaths per minute, weight, intensity minutes, VO2 max and fitness age on the days Garmin computed them, the night's skin temperature deviation in °C, the day's last blood pressure). Below-baseline HRV with rising resting HR suggests accumulated fatigue or illness. ${STALE_HINT}`,
    input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
    output: z.object({ trends: z.object(trendsAnswer.shape), ...freshness }),
    readOnly: true,
    async run(args, deps) {
      const range = resolveRange(args, deps, COACHING_RANGE_DAYS);
      const answer = deps.data.trends(range);
      const hrv = answer.data.hrv.at(-1);
      const rest = answer.data.resting_hr.at(-1);
      const facts = [hrv?.status ? `HRV ${hrv.status} its baseline on ${hrv.date}` : 'HRV status not known yet (fewer than 21 nights)', rest?.direction ? `resting HR ${rest.direction}` : null].filter((f): f is string => f !== null);
      return { structured: { trends: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale }, summary: `${range.from} to ${range.to}: ${facts.join(', ')}; ${lastSync(answer)}.` };
    },
  }),
  tool({
    name: 'get_health_metrics',
    title: 'Health measurements: VO2 max, blood pressure, skin temperature, snapshots',
    description: `What Garmin measured of the runner's health between two dates of their local calendar (default: the last ${DEFAULT_RANGE_DAYS} days), newest first in each list: \`fitness\` (VO2 max in ml/kg/min and fitness age, as Garmin computes them about weekly; a rising VO2 max means aerobic fitness improves), \`blood_pressure\` (systolic/diastolic in mmHg and pulse, typed in or from a cuff), \`skin_temperature\` (the night's deviation from the runner's own baseline in °C; a rise of about 1 °C or more can come before an illness), and \`snapshots\` (2-minute health snapshots taken on the watch: heart rate, SpO2, breaths per minute, stress, HRV as RMSSD and SDRR). Lists are empty when the runner's devices do not measure that. ${STALE_HINT}`,
    input: rangeInput,
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
    title: 'Steps and intensity through the day',
    description: `How the runner moved through each day between two dates of their local calendar (default: the last ${DEFAULT_EPOCH_DAYS} days, at most ${MAX_EPOCH_DAYS}), from Garmin's 15-minute epochs, oldest first: per day the steps, the minutes active and highly active (intensity minutes), and per local hour (0-23) the steps and active minutes. Shows whether an easy day was really easy, how much the runner moves outside training, and when they run. ${STALE_HINT}`,
    input: rangeInput,
    output: z.object({
      from: z.string(),
      to: z.string(),
      days: z.array(
        z.object({
          date: z.string(),
          steps: z.number(),
          active_min: z.number(),
          highly_active_min: z.number(),
          hourly_steps: z.array(z.number()).describe('Steps in each local hour, 0 to 23.'),
          hourly_active_min: z.array(z.number()).describe('Active and highly active minutes in each local hour, 0 to 23.'),
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
      "Brings the local copy of the runner's Garmin data up to date now and answers how it went: records stored, upload windows fetched, data types the runner did not share, how far the history load has come, and the new `last_sync_at`. It needs the network and a linked account; without them it returns an error saying why, and what is already stored stays readable. Call it when an answer says `stale: true` or the runner says they just finished a workout; a first sync that loads months of history can take a while (progress is reported when you ask for it).",
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
