import { z } from 'zod';
import { MAX_WEEKS, weeksCount } from '../../../../src-common/data-query.js';
import { weekSummary } from '../../../../src-common/contract.js';
import { fieldsArg } from '../compact.js';
import { freshness, lastSync, pick, rowsOf, tool } from './tool-kit.js';

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const week = z.object(weekSummary.shape);
const coachWeek = z.object(weekSummary.pick({ week_start: true, runs: true, distance_km: true, duration_s: true, long_run_km: true, avg_pace_s_per_km: true, avg_hr: true }).shape);

export const getWeeklySummary = tool({
  name: 'get_weekly_summary',
  description:
    `Running volume per ISO week, oldest first, ending this week: \`runs\`, \`distance_km\`, \`duration_s\`, \`long_run_km\`, \`avg_pace_s_per_km\`, \`avg_hr\` (time-weighted). Runs only; weeks without runs are zeros. \`weeks\` 1–${MAX_WEEKS}, default 12.`,
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
});
