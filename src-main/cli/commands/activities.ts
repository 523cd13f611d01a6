import { ACTIVITY_FAMILIES, activitiesQuery, activityDetailsQuery, parseQuery } from '../../../src-common/data-query.js';
import type { ActivityDetailsData } from '../../../src-common/contract.js';
import { localDate } from '../../../src-common/dates.js';
import { isRunType } from '../../core/store/training-repo.js';
import { usageError } from '../args.js';
import { lastSync, num, pct, table } from '../coaching-format.js';
import { withCompanion } from '../session.js';
import { clockTime } from '../../../src-common/format.js';
import { describeRecorded } from '../watch-format.js';
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
  subcommands: [
    {
      name: 'activities show',
      synopsis: 'activities show <id> [--json] [--unit km|mi] [--points N]',
      summary: 'One activity in detail: splits, laps, time in HR zones, drift, best efforts, load\n(computed locally from its samples, works offline). <id> is a summary_id from `activities --json`.',
      flags: [
        { name: 'unit', value: 'km|mi', description: 'splits per kilometre (default) or per mile' },
        { name: 'points', value: 'N', description: 'with --json: points of the series over distance, 2–2000 (default 300)' },
      ],
      examples: ['r42-companion activities show 12345678', 'r42-companion activities show 12345678 --unit mi --json'],
    },
  ],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    if (flags.positionals[0] === 'show') return show(ctx, flags);
    if (flags.positionals.length) throw usageError(`Unknown argument for activities: ${flags.positionals.join(' ')}. Did you mean \`activities show <id>\`?`);
    if (flags.string('unit') !== undefined || flags.string('points') !== undefined) throw usageError('--unit and --points are for `activities show <id>`.');
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
        // The same pace, rounded the same way, as the app's list and the activity's page.
        const pace = isRunType(a.type) ? clockTime(a.avg_pace_s_per_km) : '—';
        const secs = Math.round(a.duration_s ?? 0);
        const time = `${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
        io.stdout(
          `${a.local_date.padEnd(11)} ${a.type.padEnd(18)} ${((a.distance_m ?? 0) / 1000).toFixed(2).padStart(7)} ${time.padStart(9)} ${pace.padStart(7)} ${String(a.avg_hr === null ? '—' : Math.round(a.avg_hr)).padStart(4)}\n`,
        );
      }
      io.stderr(`${result.data.length} activities from ${from} to ${to}; last sync ${lastSync(result)}.\n`);
      return 0;
    });
  },
};

type Flags = ReturnType<Parameters<Command['run']>[0]['parse']>;

async function show(ctx: Parameters<Command['run']>[0], flags: Flags): Promise<number> {
  const { io } = ctx;
  if (flags.positionals.length !== 2) throw usageError('Give one activity id: `r42-companion activities show <id>` (a summary_id from `activities --json`).');
  for (const name of ['from', 'to', 'type']) if (flags.string(name) !== undefined) throw usageError(`--${name} is for the activity list, not \`activities show\`.`);
  // The same schema as the agent endpoint's /v1/activities/{id}.
  const query = parseQuery(activityDetailsQuery, { id: flags.positionals[1], unit: flags.string('unit'), points: flags.string('points') }, (field) => (field === 'id' ? 'The activity id' : `--${field}`));
  if (!query.ok) throw usageError(query.message);
  return withCompanion(ctx, async (companion) => {
    const answer = companion.data.activity(query.value.id, { unit: query.value.unit, maxPoints: query.value.points });
    if (flags.boolean('json')) {
      io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
      return 0;
    }
    io.stdout(describeActivity(answer));
    io.stderr(`Last sync ${lastSync(answer)}.\n`);
    return 0;
  });
}

/** An activity's details as a runner reads them in a terminal. */
export function describeActivity({ data: a }: ActivityDetailsData): string {
  const s = a.summary;
  const unitM = a.unit === 'mi' ? 1609.344 : 1000;
  const out: string[] = [];
  out.push(`${a.name ?? a.type ?? 'Activity'} (${a.type ?? 'unknown type'}), ${a.local_date ?? 'unknown day'}${a.start_time ? ` ${a.start_time.slice(11, 16)}` : ''}`);
  out.push(
    [
      s.distance_m !== null ? `${(s.distance_m / unitM).toFixed(2)} ${a.unit}` : null,
      s.moving_s !== null ? `${clockTime(s.moving_s)} moving` : null,
      s.elapsed_s !== null ? `${clockTime(s.elapsed_s)} elapsed` : null,
      s.avg_pace_s !== null ? `${clockTime(s.avg_pace_s)} /${a.unit}` : null,
      s.avg_hr !== null ? `avg HR ${num(s.avg_hr)}${s.max_hr !== null ? `, max ${num(s.max_hr)}` : ''}` : 'no heart rate',
      s.avg_cadence_spm !== null ? `${num(s.avg_cadence_spm)} spm` : null,
      s.elevation_gain_m !== null ? `+${num(s.elevation_gain_m)} m` : null,
    ]
      .filter((x): x is string => x !== null)
      .join(', '),
  );
  const method = { hr_samples: 'TRIMP from HR samples', avg_hr: 'TRIMP from average HR', duration: 'duration × intensity, no HR' }[a.load.method];
  out.push(`Load ${num(a.load.trimp, 1)} (${method}).`);
  if (a.recorded) out.push(describeRecorded(a.recorded));
  if (a.hr_profile) out.push(`HR zones from max ${a.hr_profile.max_hr}, resting ${a.hr_profile.resting_hr} (${a.hr_profile.model === 'hrr' ? 'heart-rate reserve' : '% of max'}, ${a.hr_profile.source === 'settings' ? 'your settings' : 'estimated from your data: set R42_MAX_HR and R42_RESTING_HR'}).`);
  if (!a.has_details) {
    out.push('', 'Garmin sent no samples for this activity: only its summary figures are known.');
    return `${out.join('\n')}\n`;
  }
  if (!s.has_gps) out.push('No GPS: distance comes from the watch (footpod or wrist).');
  if (a.splits.length) {
    out.push('', table(['SPLIT', a.unit.toUpperCase(), 'TIME', 'PACE', 'HR', 'ELEV'], a.splits.map((x) => [String(x.index), (x.distance_m / unitM).toFixed(2), clockTime(x.moving_s), clockTime(x.pace_s), num(x.avg_hr), x.elevation_gain_m === null ? '—' : `+${num(x.elevation_gain_m)}`])));
  }
  if (a.laps.length > 1) {
    out.push('', table(['LAP', 'KM', 'TIME', 'PACE', 'HR', 'MAX HR'], a.laps.map((l) => [String(l.index), (l.distance_m / 1000).toFixed(2), clockTime(l.moving_s), clockTime(l.pace_s), num(l.avg_hr), num(l.max_hr)])));
  }
  if (a.zones) {
    const z = a.zones;
    out.push('', table(['ZONE', 'TIME'], [['below Z1', clockTime(z.below_s)], ['Z1', clockTime(z.z1_s)], ['Z2', clockTime(z.z2_s)], ['Z3', clockTime(z.z3_s)], ['Z4', clockTime(z.z4_s)], ['Z5', clockTime(z.z5_s)], ['no HR', clockTime(z.no_hr_s)]]));
  }
  out.push('', `Drift (second half against first): pace ${pct(a.drift.pace_drift_pct)}, HR ${pct(a.drift.hr_drift_pct)}, decoupling ${pct(a.drift.decoupling_pct)}.`);
  if (a.best_efforts.length) out.push(`Best efforts: ${a.best_efforts.map((e) => `${e.label} ${clockTime(e.time_s)}`).join(', ')}.`);
  return `${out.join('\n')}\n`;
}

export default activities;
