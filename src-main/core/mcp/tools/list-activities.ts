import { z } from 'zod';
import { activityType } from '../../../../src-common/data-query.js';
import { activityView } from '../../../../src-common/contract.js';
import { cursorArg, fieldsArg, pageLimit, pageOf } from '../compact.js';
import { ACTIVITIES_PAGE, dateArg, lastSync, MAX_ACTIVITIES_PAGE, more, PAGING_HINT, pageOutput, pageQuery, pick, rowsOf, tool } from './tool-kit.js';

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const activity = z.object(activityView.shape);
const coachActivity = z.object(activityView.pick({ summary_id: true, local_date: true, type: true, name: true, duration_s: true, distance_m: true, avg_pace_s_per_km: true, avg_hr: true, max_hr: true, elevation_gain_m: true }).shape);

export const listActivities = tool({
  name: 'list_activities',
  description:
    `Activities (runs, rides …), newest first: \`summary_id\`, \`local_date\`, \`type\` (RUNNING, TRAIL_RUNNING, CYCLING …), \`name\`, \`duration_s\`, \`distance_m\`, \`avg_pace_s_per_km\` (runs; 319 is 5:19 /km), \`avg_hr\`, \`max_hr\`, \`elevation_gain_m\`; \`fields: "all"\` adds the rest. ${ACTIVITIES_PAGE} a page; ${PAGING_HINT}`,
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
});
