import { clockTime } from '../../../src-common/format.js';
import { workoutId, workoutsQuery, type DecisionAnswer, type PlanVsDone, type WorkoutView } from '../../../src-common/workout-contract.js';
import { dayWords, itemWords, STATUS_WORDS } from '../../../src-common/workout-words.js';
import { parseQuery } from '../../../src-common/data-query.js';
import { CompanionError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { usageError, type ParsedFlags } from '../args.js';
import { num, table } from '../coaching-format.js';
import { withCompanion } from '../session.js';
import { defaultWatchRoots } from '../../core/fit/watch-finder.js';
import type { FitTarget } from '../../core/workouts/fit-export.js';
import type { Command, CommandContext } from './command.js';


/** A workout as a runner reads it in a terminal: what, when, where it is, its steps, and how the run went. */
export function describeWorkout(w: WorkoutView): string {
  const out: string[] = [];
  out.push(`“${w.name}” (${w.sport})${w.date ? `, ${dayWords(w.date)}` : ', no date'}: ${STATUS_WORDS[w.status]}`);
  out.push(`Proposed by ${w.proposed_by.agent}${w.proposed_by.grant !== w.proposed_by.agent ? ` (grant ${w.proposed_by.grant})` : ''} on ${w.proposed_at.slice(0, 16).replace('T', ' ')} UTC${w.decided_at ? `; decided ${w.decided_at.slice(0, 16).replace('T', ' ')} UTC` : ''}.`);
  out.push('');
  w.steps.forEach((item, i) => out.push(`  ${i + 1}. ${itemWords(item)}`));
  if (w.notes) out.push('', `Notes: ${w.notes}`);
  if (w.garmin.workout_id) out.push('', `Garmin: workout ${w.garmin.workout_id}${w.garmin.schedule_id ? `, on the calendar (schedule ${w.garmin.schedule_id})` : ''}.`);
  if (w.delivery.last_error) out.push('', `Last problem: ${w.delivery.last_error.message} [${w.delivery.last_error.code}]`);
  if (w.plan_vs_done) out.push('', describePlanVsDone(w.plan_vs_done));
  return `${out.join('\n')}\n`;
}

/** The plan against the run, step by step. */
export function describePlanVsDone(p: PlanVsDone): string {
  const rows = p.steps.map((s) => [
    s.label,
    s.status.replace('_', ' '),
    s.seconds === null ? '—' : clockTime(s.seconds),
    s.meters === null ? '—' : num(s.meters),
    s.pace_s_per_km === null ? '—' : clockTime(s.pace_s_per_km),
    num(s.avg_hr),
    s.in_target_pct === null ? '—' : `${num(s.in_target_pct)} %`,
  ]);
  return `${p.summary}\n${table(['STEP', 'STATUS', 'TIME', 'M', 'PACE/KM', 'HR', 'IN TARGET'], rows)}`;
}

const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

function idOf(flags: ParsedFlags, action: string): string {
  if (flags.positionals.length !== 2) throw usageError(`Give one workout id: \`r42-companion workouts ${action} <id>\` (ids from \`workouts list\`).`);
  const parsed = parseQuery(workoutId, flags.positionals[1]);
  if (!parsed.ok) throw usageError(`The workout id ${parsed.message.slice(1)}`);
  return parsed.value;
}

/** Prints a decision's outcome; a failed delivery or removal ends the command with its code after saying what was decided. */
function decided(ctx: CommandContext, flags: ParsedFlags, answer: DecisionAnswer, words: string): number {
  const { io } = ctx;
  if (flags.boolean('json')) io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  else io.stdout(describeWorkout(answer.workout));
  io.stderr(`${words}\n`);
  const failure = answer.delivery_error;
  if (failure) throw new CompanionError(isErrorCode(failure.code) ? failure.code : 'garmin_bad_response', failure.message);
  return 0;
}

const workouts: Command = {
  name: 'workouts',
  group: 'agents',
  synopsis: 'workouts list [--json] [--status S] | workouts show <id> [--json] | workouts approve <id> [--resend] | workouts reject <id> | workouts export <id> [--out PATH | --watch [DRIVE]]',
  summary: 'Workouts your agents proposed: look, then approve (it goes to Garmin and your watch) or reject.',
  flags: [
    { name: 'json', description: 'as JSON' },
    { name: 'status', value: 'S', description: 'with `list`: awaiting_approval, approved, on_garmin, scheduled, done, missed or rejected' },
    { name: 'resend', description: 'with `approve`: send again a workout whose first sending lost its answer (check Garmin Connect first)' },
    { name: 'out', value: 'PATH', description: 'with `export`: the FIT file to write, or a folder for it (default: this folder)' },
    { name: 'watch', description: 'with `export`: into GARMIN/NewFiles of the watch connected as a drive (or of the drive named after it)' },
  ],
  examples: ['r42-companion workouts list', 'r42-companion workouts show w_Ab12Cd34Ef56Gh78', 'r42-companion workouts approve w_Ab12Cd34Ef56Gh78', 'r42-companion workouts reject w_Ab12Cd34Ef56Gh78'],
  subcommands: [
    { name: 'workouts list', synopsis: 'workouts list [--json] [--status S]', summary: 'The workouts agents proposed, newest first, with where each is.' },
    { name: 'workouts show', synopsis: 'workouts show <id> [--json]', summary: 'One workout: its steps in words, where it is, and how the run on its day went.' },
    {
      name: 'workouts approve',
      synopsis: 'workouts approve <id> [--resend] [--json]',
      summary: 'Approve a workout: it is created in Garmin Connect and scheduled on its date, and reaches\nthe watch at its next sync. Run it again to retry a sending that failed.',
    },
    { name: 'workouts reject', synopsis: 'workouts reject <id> [--json]', summary: 'Reject a workout; one already on Garmin is removed from its calendar, then from Garmin.' },
    {
      name: 'workouts export',
      synopsis: 'workouts export <id> [--out PATH | --watch [DRIVE]] [--json]',
      summary: 'Write an approved workout as a FIT workout file (Garmin’s own encoder, read back by its decoder\nto check it): to a file, or into the GARMIN/NewFiles folder of a watch connected over USB as a drive.\nNewer watches connect over MTP and show no drive: then save it and copy it with an MTP file manager.',
      examples: ['r42-companion workouts export w_Ab12Cd34Ef56Gh78 --watch', 'r42-companion workouts export w_Ab12Cd34Ef56Gh78 --out ~/Desktop'],
    },
  ],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const action = flags.positionals[0];
    if (action !== 'list' && flags.string('status') !== undefined) throw usageError('--status is for `workouts list`.');
    if (action !== 'approve' && flags.boolean('resend')) throw usageError('--resend is for `workouts approve <id>`.');
    if (action !== 'export' && (flags.string('out') !== undefined || flags.boolean('watch'))) throw usageError('--out and --watch are for `workouts export <id>`.');
    switch (action) {
      case 'list': {
        if (flags.positionals.length !== 1) throw usageError('`workouts list` takes no arguments, only flags.');
        const query = parseQuery(workoutsQuery, { status: flags.string('status') }, (flag) => `--${flag}`);
        if (!query.ok) throw usageError(query.message);
        return withCompanion(ctx, async (companion) => {
          const answer = companion.workouts.list({ status: query.value.status, limit: 200 });
          if (flags.boolean('json')) {
            io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
            return 0;
          }
          if (answer.data.length === 0) io.stdout('No workouts yet. An agent proposes them (propose_workout, POST /v1/workouts); you approve them here.\n');
          else io.stdout(`${table(['ID', 'STATUS', 'DATE', 'NAME', 'BY'], answer.data.map((w) => [w.id, w.status, w.date ?? '—', w.name, w.proposed_by]))}\n`);
          const waiting = answer.data.filter((w) => w.status === 'awaiting_approval').length;
          if (waiting) io.stderr(`${waiting} waiting for you: \`r42-companion workouts show <id>\`, then approve or reject.\n`);
          return 0;
        });
      }
      case 'show': {
        const id = idOf(flags, 'show');
        return withCompanion(ctx, async (companion) => {
          const answer = companion.workouts.get(id);
          io.stdout(flags.boolean('json') ? `${JSON.stringify(answer, null, 2)}\n` : describeWorkout(answer.data));
          return 0;
        });
      }
      case 'approve': {
        const id = idOf(flags, 'approve');
        return withCompanion(ctx, async (companion) => {
          const answer = await companion.workouts.approve(id, { via: 'cli', resend: flags.boolean('resend') });
          const w = answer.workout;
          const where =
            w.status === 'scheduled'
              ? `It is on your Garmin calendar for ${dayWords(w.date!)} and reaches your watch at its next sync.`
              : w.status === 'on_garmin'
                ? 'It is in your Garmin Connect workouts (it has no date to schedule it on) and reaches your watch at its next sync.'
                : 'It is approved but not on Garmin yet.';
          return decided(ctx, flags, answer, `Approved “${w.name}”. ${where}`);
        });
      }
      case 'reject': {
        const id = idOf(flags, 'reject');
        return withCompanion(ctx, async (companion) => {
          const answer = await companion.workouts.reject(id, { via: 'cli' });
          const removed = answer.workout.delivery.state === 'removed' ? ' It was removed from your Garmin calendar and workouts.' : '';
          return decided(ctx, flags, answer, `Rejected “${answer.workout.name}”.${removed}`);
        });
      }
      case 'export': {
        const watch = flags.boolean('watch');
        const out = flags.string('out');
        if (watch && out !== undefined) throw usageError('Give --out or --watch, not both.');
        const drive = watch ? flags.positionals[2] : undefined;
        if (flags.positionals.length > (watch ? 3 : 2)) throw usageError('`workouts export <id>` takes the id, and after --watch the watch’s drive if you name it.');
        const id = idOf({ ...flags, positionals: flags.positionals.slice(0, 2) }, 'export');
        const target: FitTarget = watch ? { kind: 'watch', roots: defaultWatchRoots(process.platform), ...(drive === undefined ? {} : { mount: drive }) } : { kind: 'file', path: out ?? '.' };
        return withCompanion(ctx, async (companion) => {
          const saved = await companion.workouts.exportFit(id, target);
          if (flags.boolean('json')) io.stdout(`${JSON.stringify(saved, null, 2)}\n`);
          else io.stdout(`${saved.path}\n`);
          io.stderr(
            saved.to === 'watch'
              ? `Copied to the watch (${saved.steps} steps, ${saved.bytes} bytes): it moves the file into its workouts; unplug it, then look in its workouts list.\n`
              : `Saved (${saved.steps} steps, ${saved.bytes} bytes). Copy it into the watch's GARMIN/NewFiles folder to put it on the watch.\n`,
          );
          return 0;
        });
      }
      default:
        throw usageError('Use `workouts list`, `workouts show <id>`, `workouts approve <id>`, `workouts reject <id>` or `workouts export <id>`.');
    }
  },
};

export default workouts;
