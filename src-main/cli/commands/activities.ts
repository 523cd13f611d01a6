import { ACTIVITY_FAMILIES, activitiesQuery, parseQuery } from '../../../src-common/data-query.js';
import { isRunType, localDate } from '../../core/store/training-repo.js';
import { usageError } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const activities: Command = {
  name: 'activities',
  group: 'data',
  synopsis: 'activities [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--type running|RUNNING]',
  summary: 'List synced activities (works offline).',
  flags: [
    { name: 'json', description: 'as JSON' },
    { name: 'from', value: 'YYYY-MM-DD', description: 'the first day, a local date (default: the 28 days ending at --to)' },
    { name: 'to', value: 'YYYY-MM-DD', description: 'the last day, a local date (default: today)' },
    { name: 'type', value: 'TYPE', description: 'a family (running, cycling, swimming, walking) or one Garmin type such as TRAIL_RUNNING' },
  ],
  examples: ['r42-companion activities', 'r42-companion activities --type running --from 2026-01-01 --json'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const type = flags.string('type');
    // The same schema as the agent endpoint's /v1/activities, with the CLI's 28-day default.
    const query = parseQuery(activitiesQuery({ today: localDate(Date.now()), days: 28 }), { from: flags.string('from'), to: flags.string('to'), type: type !== undefined && type in ACTIVITY_FAMILIES ? type : type?.toUpperCase() }, (flag) => `--${flag}`);
    if (!query.ok) throw usageError(query.message);
    const { from, to } = query.value;
    return withCompanion(ctx, async (companion) => {
      const result = companion.data.activities(query.value);
      if (flags.boolean('json')) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      io.stdout(`${'DATE'.padEnd(11)} ${'TYPE'.padEnd(18)} ${'KM'.padStart(7)} ${'TIME'.padStart(9)} ${'PACE'.padStart(7)} ${'HR'.padStart(4)}\n`);
      for (const a of result.data) {
        const pace = a.avg_pace_min_km === null || !isRunType(a.type) ? '—' : `${Math.floor(a.avg_pace_min_km)}:${String(Math.round((a.avg_pace_min_km % 1) * 60)).padStart(2, '0')}`;
        const secs = Math.round(a.duration_s ?? 0);
        const time = `${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
        io.stdout(
          `${a.local_date.padEnd(11)} ${a.type.padEnd(18)} ${((a.distance_m ?? 0) / 1000).toFixed(2).padStart(7)} ${time.padStart(9)} ${pace.padStart(7)} ${String(a.avg_hr === null ? '—' : Math.round(a.avg_hr)).padStart(4)}\n`,
        );
      }
      io.stderr(`${result.data.length} activities from ${from} to ${to}; last sync ${result.last_sync_at ?? 'never'}${result.stale ? ' (stale: run `r42-companion sync`)' : ''}.\n`);
      return 0;
    });
  },
};

export default activities;
