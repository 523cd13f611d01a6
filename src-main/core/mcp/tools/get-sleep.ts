import { z } from 'zod';
import { sleepNight } from '../../../../src-common/contract.js';
import { dayList, lastSync, listInput, more, PAGING_HINT, pageOutput, rowsOf, tool } from './tool-kit.js';

// The rows are src-common/contract.ts's shapes; an MCP answer strips (rather than refuses) a field the shape does not declare.
const sleep = z.object(sleepNight.shape);
const coachSleep = z.object(sleepNight.pick({ calendar_date: true, duration_s: true, deep_s: true, light_s: true, rem_s: true, awake_s: true, score: true }).shape);

export const getSleep = tool({
  name: 'get_sleep',
  description:
    `Sleep per night, newest first (\`calendar_date\`: the day they woke up): \`duration_s\`, \`deep_s\`, \`light_s\`, \`rem_s\`, \`awake_s\`, \`score\` (Garmin's, 0-100). Short or broken nights slow recovery. ${PAGING_HINT}`,
  input: z.strictObject(listInput),
  output: z.object({ from: z.string(), to: z.string(), nights: rowsOf(sleep, coachSleep), ...pageOutput }),
  readOnly: true,
  async run(args, deps) {
    const { rows, ...rest } = dayList(args, deps, deps.data.sleeps, coachSleep);
    return { structured: { ...rest, nights: rows }, summary: `${rows.length} nights from ${rest.from} to ${rest.to}, newest first${more(rest.next_cursor)}; ${lastSync(rest)}.` };
  },
});
