import { z } from 'zod';
import { activityId, splitUnitParam } from '../../../../src-common/data-query.js';
import { activityDetailsAnswer, watchRecorded, type lap, type seriesPoint, type split, type watchLap } from '../../../../src-common/coaching-contract.js';
import { clockTime } from '../../../../src-common/format.js';
import { fieldsArg, tableOf, toTable, whole } from '../compact.js';
import { plannedWorkout } from '../../../../src-common/workout-contract.js';
import { freshness, lastSync, tool } from './tool-kit.js';

/** Most points of an activity's series in a tool answer (the HTTP route allows more). */
const MAX_TOOL_POINTS = 500;

/** The splits' columns, and the laps' a coach reads (where and how long a lap ran is in its distance and time). */
const SPLIT_COLUMNS = ['index', 'distance_m', 'moving_s', 'pace_s', 'avg_hr', 'max_hr', 'elevation_gain_m'] as const satisfies ReadonlyArray<keyof typeof split.shape>;
const LAP_COLUMNS = ['index', 'distance_m', 'moving_s', 'pace_s', 'avg_hr', 'max_hr'] as const satisfies ReadonlyArray<keyof typeof lap.shape>;
const SERIES_COLUMNS = ['elapsed_s', 'distance_m', 'pace_s', 'hr', 'elevation_m'] as const satisfies ReadonlyArray<keyof typeof seriesPoint.shape>;
/** The watch's own laps of an activity imported from its FIT file (a pool swim has a hundred). */
const WATCH_LAP_COLUMNS = ['index', 'distance_m', 'timer_s', 'avg_hr', 'avg_power_w', 'avg_cadence_spm'] as const satisfies ReadonlyArray<keyof typeof watchLap.shape>;

/** One activity in detail with its splits, laps and series as tables of whole numbers: a marathon's 42 splits in about a kilobyte. */
const compactDetails = z.object({
  ...activityDetailsAnswer.shape,
  splits: tableOf(SPLIT_COLUMNS),
  laps: tableOf(LAP_COLUMNS).nullable(),
  series: tableOf(SERIES_COLUMNS).nullable(),
  recorded: z.object({ ...watchRecorded.shape, laps: tableOf(WATCH_LAP_COLUMNS) }).optional(),
});
const fullDetails = z.object({ ...activityDetailsAnswer.shape, series: activityDetailsAnswer.shape.series.nullable() });

/** The answer without what the watch's file recorded (the compact answer puts the watch's laps in a table). */
function withoutRecorded<A extends { recorded?: unknown }>(answer: A): Omit<A, 'recorded'> {
  const { recorded: _recorded, ...rest } = answer;
  return rest;
}

/**
 * Laps the watch made by itself at the split distance (every lap but the last within 5 % of one
 * km or mile, as many as the splits): they tell what the splits tell, so a coach needs only one.
 */
function automaticLaps(laps: readonly { distance_m: number }[], splits: readonly unknown[], unitM: number): boolean {
  return laps.length >= 3 && Math.abs(laps.length - splits.length) <= 1 && laps.slice(0, -1).every((l) => Math.abs(l.distance_m - unitM) <= unitM * 0.05);
}

export const getActivityDetails = tool({
  name: 'get_activity_details',
  description:
    `One activity from its samples: \`summary\`; \`splits\` per km (or \`unit: "mi"\`) and \`laps\` as tables (pace_s: s per unit; laps null when the watch's automatic ones repeat the splits); \`zones\` (s per HR zone; \`hr_profile.source\`: estimated or settings); \`drift\` (decoupling over 5 % on an easy run: aerobic base short of the distance); \`best_efforts\`; \`load\` (TRIMP). \`series_points\` adds pace, HR, elevation over distance; \`fields: "all"\` every lap, unrounded. \`planned_workout\`: the approved workout it did, step by step against the plan.`,
  input: z.strictObject({
    id: activityId.describe('summary_id from list_activities.'),
    unit: splitUnitParam.optional(),
    series_points: z.number().int().min(10).max(MAX_TOOL_POINTS).optional().describe('Points of the series; default none.'),
    fields: fieldsArg,
  }),
  output: z.object({ activity: z.union([compactDetails, fullDetails]), planned_workout: z.object(plannedWorkout.shape).nullable(), ...freshness }),
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
            ...withoutRecorded(a),
            splits: toTable(a.splits, SPLIT_COLUMNS, whole),
            laps: auto ? null : toTable(a.laps, LAP_COLUMNS, whole),
            series: series && toTable(series, SERIES_COLUMNS, whole),
            ...(a.recorded ? { recorded: { ...a.recorded, laps: toTable(a.recorded.laps, WATCH_LAP_COLUMNS, whole) } } : {}),
          };
    const planned = deps.workouts.forActivity(args.id);
    if (planned) facts.push(`the workout “${planned.name}”: ${planned.plan_vs_done.summary.replace(/\.$/, '')}`);
    return { structured: { activity, planned_workout: planned, last_sync_at: answer.last_sync_at, stale: answer.stale }, summary: `${facts.join(', ')}; ${lastSync(answer)}.` };
  },
});
