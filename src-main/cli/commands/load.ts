import { lastSync, num, RANGE_FLAGS, rangeOf, table } from '../coaching-format.js';
import { withCompanion } from '../session.js';
import { clockTime } from '../../../src-common/format.js';
import type { Command } from './command.js';

const load: Command = {
  name: 'load',
  group: 'data',
  synopsis: 'load [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD]',
  summary: 'Training load per day: acute (7 d), chronic (28 d), their ratio, monotony and strain;\nand per week the load and time in HR zones (computed locally, works offline).',
  flags: [
    { name: 'json', description: 'as JSON (every day and week, and how each load was computed)' },
    ...RANGE_FLAGS,
  ],
  examples: ['r42-companion load', 'r42-companion load --from 2026-01-01 --json'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const range = rangeOf('load', flags);
    return withCompanion(ctx, async (companion) => {
      const answer = companion.data.trainingLoad(range);
      if (flags.boolean('json')) {
        io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
        return 0;
      }
      const { days, weeks } = answer.data;
      io.stdout(`${table(['DATE', 'LOAD', 'ACUTE', 'CHRONIC', 'RATIO', 'MONOTONY', 'STRAIN'], days.map((d) => [d.date, num(d.load), num(d.acute, 1), num(d.chronic, 1), num(d.acwr, 2), num(d.monotony, 2), num(d.strain)]))}\n\n`);
      io.stdout(
        `${table(
          ['WEEK', 'LOAD', 'Z1', 'Z2', 'Z3', 'Z4', 'Z5', 'NO HR'],
          weeks.map((w) => [w.week_start, num(w.load), clockTime(w.zones.z1_s), clockTime(w.zones.z2_s), clockTime(w.zones.z3_s), clockTime(w.zones.z4_s), clockTime(w.zones.z5_s), clockTime(w.zones.no_hr_s)]),
        )}\n`,
      );
      const last = days.at(-1);
      const band = last?.acwr == null ? 'not enough history for a ratio yet (28 days)' : last.acwr > 1.5 ? 'a spike: above 1.5' : last.acwr > 1.3 ? 'above the 0.8–1.3 band' : last.acwr < 0.8 ? 'below the 0.8–1.3 band' : 'inside the 0.8–1.3 band';
      const hr = answer.data.hr_source === 'estimated' ? ' HR zones use an estimated max/resting HR (set R42_MAX_HR and R42_RESTING_HR).' : '';
      io.stderr(`${days.length} days from ${answer.data.from} to ${answer.data.to}; acute:chronic ${band}.${hr} Last sync ${lastSync(answer)}.\n`);
      return 0;
    });
  },
};

export default load;
