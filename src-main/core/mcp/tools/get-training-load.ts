import { z } from 'zod';
import { trainingLoadAnswer } from '../../../../src-common/coaching-contract.js';
import { dateArg, freshness, lastSync, resolveRange, tool } from './tool-kit.js';

export const getTrainingLoad = tool({
  name: 'get_training_load',
  description:
    `Training load per local day, oldest first: \`load\` (TRIMP), \`acute\` (7-day mean), \`chronic\` (28-day mean), \`acwr\` (acute:chronic; 0.8–1.3 safe, above 1.5 a spike that raises injury risk), \`monotony\` (above 2: too little variation), \`strain\`; per ISO week the load and seconds per HR zone. Ratios null before 28 days of history.`,
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
});
