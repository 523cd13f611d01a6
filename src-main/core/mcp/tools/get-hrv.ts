import { z } from 'zod';
import { hrvNight } from '../../../../src-common/contract.js';
import { dayList, lastSync, listInput, more, PAGING_HINT, pageOutput, rowsOf, tool } from './tool-kit.js';

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const hrvNightRow = z.object(hrvNight.shape);
const coachHrvNight = z.object(hrvNight.pick({ calendar_date: true, last_night_avg_ms: true, last_night_5min_high_ms: true }).shape);

export const getHrv = tool({
  name: 'get_hrv',
  description:
    `Overnight HRV per night, newest first (\`calendar_date\`: the day they woke up): average and highest 5-minute value, ms; compare with the runner's own nights (get_trends: with their baseline). ${PAGING_HINT}`,
  input: z.strictObject(listInput),
  output: z.object({ from: z.string(), to: z.string(), nights: rowsOf(hrvNightRow, coachHrvNight), ...pageOutput }),
  readOnly: true,
  async run(args, deps) {
    const { rows, ...rest } = dayList(args, deps, deps.data.hrv, coachHrvNight);
    return { structured: { ...rest, nights: rows }, summary: `${rows.length} nights of HRV from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
  },
});
