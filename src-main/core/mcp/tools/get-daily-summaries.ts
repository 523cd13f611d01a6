import { z } from 'zod';
import { dailySummary } from '../../../../src-common/contract.js';
import { dayList, lastSync, listInput, more, PAGING_HINT, pageOutput, rowsOf, tool } from './tool-kit.js';

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const daily = z.object(dailySummary.shape);
const coachDaily = z.object(dailySummary.pick({ calendar_date: true, steps: true, resting_hr: true, avg_stress: true, body_battery_charged: true, body_battery_drained: true }).shape);

export const getDailySummaries = tool({
  name: 'get_daily_summaries',
  description:
    `One row per local day, newest first: \`steps\`, \`resting_hr\`, \`avg_stress\`, \`body_battery_charged\`/\`_drained\`; \`fields: "all"\` adds distance, calories, average and max HR. Resting HR and stress show recovery. ${PAGING_HINT}`,
  input: z.strictObject(listInput),
  output: z.object({ from: z.string(), to: z.string(), days: rowsOf(daily, coachDaily), ...pageOutput }),
  readOnly: true,
  async run(args, deps) {
    const { rows, ...rest } = dayList(args, deps, deps.data.dailies, coachDaily);
    return { structured: { ...rest, days: rows }, summary: `${rows.length} days from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
  },
});
