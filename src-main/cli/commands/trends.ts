import { lastSync, num, RANGE_FLAGS, rangeOf, table } from '../coaching-format.js';
import { withCompanion } from '../session.js';
import { clockTime, trendWord } from '../../../src-common/format.js';
import type { Command } from './command.js';

const trends: Command = {
  name: 'trends',
  group: 'data',
  synopsis: 'trends [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD]',
  summary: 'Recovery per day: HRV against your 60-night baseline, resting HR and sleep trends (works offline).',
  flags: [
    { name: 'json', description: 'as JSON (with the wellness figures per day)' },
    ...RANGE_FLAGS,
  ],
  examples: ['r42-companion trends', 'r42-companion trends --from 2026-10-01 --json'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const range = rangeOf('trends', flags);
    return withCompanion(ctx, async (companion) => {
      const answer = companion.data.trends(range);
      if (flags.boolean('json')) {
        io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
        return 0;
      }
      const { hrv, resting_hr: rest, sleep, days } = answer.data;
      const byDate = <T extends { date: string }>(rows: readonly T[]) => new Map(rows.map((r) => [r.date, r]));
      const hrvOf = byDate(hrv);
      const restOf = byDate(rest);
      const sleepOf = byDate(sleep);
      const rows = days.map((d) => {
        const h = hrvOf.get(d.date);
        const band = h?.baseline ? `${num(h.baseline.low)}–${num(h.baseline.high)}` : '—';
        return [d.date, num(d.hrv_ms), num(h?.seven_day_avg, 1), band, h?.status ?? '—', num(d.resting_hr), trendWord(restOf.get(d.date)?.direction, '—'), clockTime(d.sleep_s), trendWord(sleepOf.get(d.date)?.direction, '—')];
      });
      io.stdout(`${table(['DATE', 'HRV', 'HRV 7D', 'BASELINE', 'STATUS', 'REST HR', 'TREND', 'SLEEP', 'TREND'], rows)}\n`);
      io.stderr(`${days.length} days from ${answer.data.from} to ${answer.data.to}; last sync ${lastSync(answer)}.\n`);
      return 0;
    });
  },
};

export default trends;
