import { z } from 'zod';
import { hrvAssessment, trend, trendsAnswer, wellnessDay } from '../../../../src-common/coaching-contract.js';
import { fieldsArg } from '../compact.js';
import { dateArg, freshness, lastSync, resolveRange, tool } from './tool-kit.js';

const coachTrends = z.object({
  from: z.string(),
  to: z.string(),
  hrv_baseline: hrvAssessment.shape.baseline.describe('The 60-night baseline band on the last day.'),
  hrv: z.array(z.object(hrvAssessment.pick({ date: true, seven_day_avg: true, status: true }).shape)),
  resting_hr: z.array(z.object(trend.pick({ date: true, mean_7d: true, mean_28d: true, direction: true }).shape)),
  sleep: z.array(z.object(trend.pick({ date: true, mean_7d: true, mean_28d: true, direction: true }).shape)),
  days: z.array(z.object(wellnessDay.pick({ date: true, resting_hr: true, hrv_ms: true, sleep_s: true, sleep_score: true, avg_stress: true, intensity_min: true }).shape)),
});

export const getTrends = tool({
  name: 'get_trends',
  description:
    `Recovery per local day, oldest first: \`hrv\` (7-night mean, \`status\` below, balanced or above the runner's 60-night band \`hrv_baseline\`; null before 21 nights), \`resting_hr\` and \`sleep\` (7- and 28-day means, \`direction\` rising, falling or stable), \`days\` (resting HR, HRV, sleep and its score, stress, intensity); \`fields: "all"\` adds SpO2, breaths, weight, VO2 max, skin temperature, blood pressure. Low HRV with rising resting HR: fatigue or illness.`,
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
});
