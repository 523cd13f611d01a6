import { z } from 'zod';
import { DEFAULT_EPOCH_DAYS, epochsQuery, MAX_EPOCH_DAYS, parseQuery } from '../../../../src-common/data-query.js';
import type { EpochRow } from '../../../../src-common/contract.js';
import { CompanionError } from '../../errors.js';
import { dateArg, freshness, lastSync, tool } from './tool-kit.js';

export const getIntradayActivity = tool({
  name: 'get_intraday_activity',
  description:
    `Movement per local day from Garmin's 15-minute epochs (default: the last ${DEFAULT_EPOCH_DAYS} days, at most ${MAX_EPOCH_DAYS}), oldest first: \`steps\`, \`active_min\`, \`highly_active_min\`, and per local hour (0-23) \`hourly_steps\`, \`hourly_active_min\`. Was an easy day easy?`,
  input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
  output: z.object({
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        date: z.string(),
        steps: z.number(),
        active_min: z.number(),
        highly_active_min: z.number(),
        hourly_steps: z.array(z.number()),
        hourly_active_min: z.array(z.number()),
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
});

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
