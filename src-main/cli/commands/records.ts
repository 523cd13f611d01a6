import { usageError } from '../args.js';
import { lastSync, table } from '../coaching-format.js';
import { withCompanion } from '../session.js';
import { clockTime } from '../../../src-common/format.js';
import type { Command } from './command.js';

const LABELS: Record<string, string> = { '1k': '1 km', '5k': '5 km', '10k': '10 km', half_marathon: 'Half marathon', marathon: 'Marathon' };

const records: Command = {
  name: 'records',
  group: 'data',
  synopsis: 'records [--json]',
  summary: 'Personal records: the fastest 1 km, 5 km, 10 km, half and full marathon inside any run (works offline).',
  flags: [{ name: 'json', description: 'as JSON' }],
  examples: ['r42-companion records'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    if (flags.positionals.length) throw usageError(`records takes no arguments: ${flags.positionals.join(' ')}`);
    return withCompanion(ctx, async (companion) => {
      const answer = companion.data.records();
      if (flags.boolean('json')) {
        io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
        return 0;
      }
      const rows = answer.data.records.map((r) => [LABELS[r.label] ?? r.label, clockTime(r.time_s), `${clockTime(r.pace_s_per_km)}/km`, r.date, r.summary_id]);
      io.stdout(`${table(['DISTANCE', 'TIME', 'PACE', 'DATE', 'ACTIVITY'], rows)}\n`);
      io.stderr(`From ${answer.data.runs_with_details} runs with samples; last sync ${lastSync(answer)}.\n`);
      return 0;
    });
  },
};

export default records;
