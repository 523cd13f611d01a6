import { z } from 'zod';
import { personalRecordsAnswer } from '../../../../src-common/coaching-contract.js';
import { clockTime } from '../../../../src-common/format.js';
import { freshness, lastSync, tool } from './tool-kit.js';

export const getPersonalRecords = tool({
  name: 'get_personal_records',
  description:
    "The runner's fastest 1 km, 5 km, 10 km, half and full marathon inside any run of their whole history (the fastest stretch of that length, not only races): time, pace, activity, date. A base for goal paces.",
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
});
