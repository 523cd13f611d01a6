/**
 * Workouts an agent proposes and the runner decides (issue 21): the one service behind the MCP
 * tools, the agent endpoint, the CLI's `workouts` and the app's approval cards.
 *
 * Agents can only propose. Approving is the runner's alone (the CLI, the app): no grant reaches
 * `approve` or `reject`. Once approved, the workout goes to Garmin's Training API with the
 * runner's token: create the workout, then schedule it on its date. Each step is committed to
 * SQLite before and after its request (store/workouts-repo.ts), so a retry picks up where the last
 * attempt stopped and never makes a second workout: a create whose answer was lost is
 * `create_uncertain` and is not sent again unless the runner says so (`--resend`), a schedule is
 * looked up on Garmin's calendar before it is made again. Rejecting a delivered workout removes
 * its schedule, then the workout. Every proposal, decision, delivery and removal is in the audit
 * log with the agent's name.
 */
import { errorAnswer, type ErrorAnswer, type Freshness } from '../../../src-common/contract.js';
import { parseWorkout, stepCount, type Workout } from '../../../src-common/workout.js';
import type { DecisionAnswer, PlannedWorkout, PlanVsDone, ProposalAnswer, WorkoutViewsAnswer, WorkoutAnswer, WorkoutRow, WorkoutsAnswer, WorkoutStatus, WorkoutView } from '../../../src-common/workout-contract.js';
import { summarizeWorkout } from '../../../src-common/workout-words.js';
import { CompanionError, isCompanionError } from '../errors.js';
import { TrainingApiFailure, type TrainingApi } from '../garmin/training-api.js';
import type { Clock, Logger } from '../ports.js';
import type { AuditRepo } from '../store/repos.js';
import type { WorkoutRecord, WorkoutsRepo } from '../store/workouts-repo.js';
import type { FitTarget } from './fit-export.js';
import { createHash } from 'node:crypto';
import { trainingApiWorkout } from './garmin-workout.js';

/** Who proposes: the agent's name (its MCP client's, or its grant's) and the grant it came in with (`runner` over stdio). */
export interface WorkoutAgent {
  readonly agent: string;
  readonly grant: string;
}

/** Where the runner decided. */
export type DecisionVia = 'cli' | 'app';

/** Proposals waiting for the runner at most: an agent cannot bury the real ones. */
export const MAX_AWAITING = 50;

export interface WorkoutServiceDeps {
  readonly repo: WorkoutsRepo;
  readonly audit: AuditRepo;
  readonly profileId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pid: number;
  isProcessAlive(pid: number): boolean;
  /** The Training API on the runner's token (throws not_connected or reauth_required without a usable link). */
  trainingApi(): Promise<TrainingApi>;
  /** What the runner shared on Garmin's consent page, or null when no account is linked. */
  permissions(): readonly string[] | null;
  /** The runner's local date today. */
  today(): string;
  freshness(): Freshness;
  /** The run on a planned workout's date, compared step by step; null when there is none. */
  planVsDone(plan: Workout): PlanVsDone | null;
  /** A stored activity's summary_id and local date (by either id), or null. */
  activityDate(id: string): { summaryId: string; localDate: string } | null;
}

export interface Workouts {
  /** An agent's proposal: checked, stored, waiting for the runner. */
  propose(input: unknown, by: WorkoutAgent): ProposalAnswer;
  list(query?: { status?: WorkoutStatus | 'proposed' | undefined; limit?: number | undefined }): WorkoutsAnswer;
  get(id: string): WorkoutAnswer;
  /** The newest workouts in full, newest proposal first (the app's cards). */
  recent(limit: number): WorkoutViewsAnswer;
  /** The runner approves: then the workout goes to Garmin (again, after a failure; `resend` after a lost answer). */
  approve(id: string, options: { via: DecisionVia; resend?: boolean }): Promise<DecisionAnswer>;
  /** The runner rejects: a workout already on Garmin is removed from it (schedule first, then the workout). */
  reject(id: string, options: { via: DecisionVia }): Promise<DecisionAnswer>;
  /**
   * An approved workout as a FIT workout file (Garmin's encoder), checked by reading it back with
   * Garmin's decoder into the same steps, saved where the runner chose (a file, or a watch's
   * GARMIN/NewFiles); in the audit log.
   */
  exportFit(id: string, target: FitTarget): Promise<FitExport>;
  /** The approved workout a run did (matched on its date), with how it went; null for a run no workout planned. */
  forActivity(activityId: string): PlannedWorkout | null;
}

/** Where a FIT file went and what it holds. */
export interface FitExport {
  readonly path: string;
  readonly to: 'file' | 'watch';
  readonly bytes: number;
  /** workout_step messages in the file (a repeat is one beside its steps). */
  readonly steps: number;
}

/** A file name a watch's FAT drive takes: the name in plain letters, and the id to tell two apart. */
export function fitFileName(record: Pick<WorkoutRecord, 'id' | 'plan'>): string {
  const slug = record.plan.name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'workout';
  return `${slug}-${record.id.slice(2, 10)}.fit`;
}

const workoutImportMissing = () =>
  new CompanionError(
    'workout_import_missing',
    'Garmin has not given R42 Companion permission to add workouts to your account (Workout import, WORKOUT_IMPORT, not among what you shared). The workout is approved and waits here: reconnect Garmin (`r42-companion login`) and tick it on Garmin’s page, then approve it again to send it. Or export it as a FIT file (`r42-companion workouts export`).',
  );

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createWorkouts(deps: WorkoutServiceDeps): Workouts {
  const { repo, audit, profileId, clock, logger } = deps;

  const mustGet = (id: string): WorkoutRecord => {
    const record = repo.get(id);
    if (!record) throw new CompanionError('not_found', `There is no workout ${id}. See \`r42-companion workouts list\` (or list_workouts).`);
    return record;
  };

  /** The run on the workout's date, for an approved workout whose day has come. */
  const doneBy = (r: WorkoutRecord): PlanVsDone | null => (r.decision === 'approved' && r.plan.date !== undefined && r.plan.date <= deps.today() ? deps.planVsDone(r.plan) : null);

  const statusOf = (r: WorkoutRecord, done: PlanVsDone | null): WorkoutStatus => {
    if (r.decision === 'proposed') return 'awaiting_approval';
    if (r.decision === 'rejected') return 'rejected';
    if (done) return 'done';
    if (r.plan.date !== undefined && r.plan.date < deps.today()) return 'missed';
    if (r.delivery === 'scheduled') return 'scheduled';
    if (r.delivery === 'created' || r.delivery === 'scheduling') return 'on_garmin';
    return 'approved';
  };

  const lastError = (r: WorkoutRecord): ErrorAnswer | null => (r.lastError ? { code: r.lastError.code, message: r.lastError.message } : null);

  const view = (r: WorkoutRecord): WorkoutView => {
    const done = doneBy(r);
    return {
      id: r.id,
      status: statusOf(r, done),
      name: r.plan.name,
      sport: r.plan.sport,
      date: r.plan.date ?? null,
      notes: r.plan.notes ?? null,
      summary: summarizeWorkout(r.plan),
      steps: r.plan.steps,
      proposed_by: { agent: r.agent, grant: r.grant },
      proposed_at: iso(r.proposedAt)!,
      decided_at: iso(r.decidedAt),
      garmin: { workout_id: r.garminWorkoutId, schedule_id: r.garminScheduleId },
      delivery: { state: r.delivery, last_error: lastError(r) },
      plan_vs_done: done,
    };
  };

  const row = (r: WorkoutRecord): WorkoutRow => ({
    id: r.id,
    status: statusOf(r, doneBy(r)),
    name: r.plan.name,
    sport: r.plan.sport,
    date: r.plan.date ?? null,
    proposed_by: r.agent,
    proposed_at: iso(r.proposedAt)!,
    steps: stepCount(r.plan.steps),
    last_error: r.lastError?.code ?? null,
  });

  const note = (event: string, r: WorkoutRecord, detail: Record<string, string | number | boolean | null> = {}) =>
    audit.append(profileId, clock.now(), event, { workout: r.id, name: r.plan.name.slice(0, 80), agent: r.agent, grant: r.grant, ...detail });

  /** A failure kept on the workout, logged and audited; its code and words for the answer. */
  const failed = (r: WorkoutRecord, stage: string, error: unknown): ErrorAnswer => {
    const known = isCompanionError(error) ? error : new CompanionError('garmin_bad_response', 'Sending the workout to Garmin failed unexpectedly; see the log.');
    if (!isCompanionError(error)) logger.log('error', 'workout.unexpected_failure', { stage, name: error instanceof Error ? error.name : typeof error });
    repo.recordError(r.id, known, clock.now());
    note('workout.delivery_failed', r, { stage, code: known.code });
    logger.log('warn', 'workout.delivery_failed', { stage, code: known.code });
    return errorAnswer.parse(known.toJSON());
  };

  /** Another live process is at this workout's delivery right now. */
  const busyElsewhere = (r: WorkoutRecord) => r.deliveryPid !== null && r.deliveryPid !== deps.pid && deps.isProcessAlive(r.deliveryPid);
  const busy = () => new CompanionError('conflict', 'Another R42 Companion process is sending this workout to Garmin right now; look again in a moment.');

  /** Brings an approved workout onto Garmin as far as it can: created, then scheduled on its date. Null when it is all there. */
  const deliver = async (id: string, resend: boolean): Promise<ErrorAnswer | null> => {
    let r = mustGet(id);
    const permissions = deps.permissions();
    if (permissions === null) {
      return failed(r, 'link', new CompanionError('not_connected', 'No Garmin account is linked, so the approved workout waits here. Run `r42-companion login`, then approve it again to send it; or export it as a FIT file (`r42-companion workouts export`).'));
    }
    if (!permissions.includes('WORKOUT_IMPORT')) return failed(r, 'permission', workoutImportMissing());

    // A step left half-done by a process that died: a create may have reached Garmin; a schedule is looked up before it is made again.
    if ((r.delivery === 'creating' || r.delivery === 'scheduling') && busyElsewhere(r)) throw busy();
    if (r.delivery === 'creating') repo.moveDelivery(id, 'creating', 'create_uncertain', clock.now());
    const scheduleInterrupted = r.delivery === 'scheduling';
    if (scheduleInterrupted) repo.moveDelivery(id, 'scheduling', 'created', clock.now());
    r = mustGet(id);

    if (r.delivery === 'create_uncertain') {
      if (!resend) {
        return failed(
          r,
          'create',
          new CompanionError(
            'delivery_uncertain',
            `Garmin may already have “${r.plan.name}”: the answer to sending it was lost, and Garmin offers no way to look it up. Look in Garmin Connect’s workouts: if it is not there, send it again with \`r42-companion workouts approve ${r.id} --resend\`.`,
          ),
        );
      }
      repo.moveDelivery(id, 'create_uncertain', 'none', clock.now(), { clearError: true });
      r = mustGet(id);
    }

    let api: TrainingApi | null = null;
    if (r.delivery === 'none') {
      if (!repo.moveDelivery(id, 'none', 'creating', clock.now(), { pid: deps.pid })) throw busy();
      let workoutId: string;
      try {
        api = await deps.trainingApi();
        workoutId = await api.createWorkout(trainingApiWorkout(r.plan));
      } catch (error) {
        const uncertain = error instanceof TrainingApiFailure && error.mayHaveApplied;
        repo.moveDelivery(id, 'creating', uncertain ? 'create_uncertain' : 'none', clock.now(), { pid: null });
        if (!uncertain) return failed(r, 'create', error);
        return failed(
          r,
          'create',
          new CompanionError(
            'delivery_uncertain',
            `${(error as Error).message} Garmin may have made the workout anyway, and offers no way to look it up: look in Garmin Connect’s workouts; if “${r.plan.name}” is not there, send it again with \`r42-companion workouts approve ${r.id} --resend\`.`,
          ),
        );
      }
      repo.moveDelivery(id, 'creating', 'created', clock.now(), { garminWorkoutId: workoutId, pid: null, clearError: true });
      note('workout.sent_to_garmin', r, { garminWorkoutId: workoutId });
      r = mustGet(id);
      // Rejected while it was on its way (the app and the CLI at once): it comes off again.
      if (r.decision !== 'approved') return removeFromGarmin(id);
    }

    const date = r.plan.date;
    if (r.delivery === 'created' && date !== undefined && r.garminWorkoutId !== null) {
      const workoutId = r.garminWorkoutId;
      // A schedule attempt before this one may have reached Garmin: find it rather than make a second.
      const lookFirst = scheduleInterrupted || r.lastError !== null;
      if (!repo.moveDelivery(id, 'created', 'scheduling', clock.now(), { pid: deps.pid })) throw busy();
      try {
        api ??= await deps.trainingApi();
        const onCalendar = async () => (await api!.schedulesBetween(date, date)).find((s) => s.workoutId === workoutId)?.scheduleId ?? null;
        let scheduleId = lookFirst ? await onCalendar() : null;
        // An answer without an id: Garmin's calendar says which it made.
        if (scheduleId === null) scheduleId = (await api.createSchedule(workoutId, date)) ?? (await onCalendar());
        if (scheduleId === null) throw new CompanionError('garmin_bad_response', `Garmin accepted the schedule for ${date} but does not show it on the calendar. Approve the workout again to retry.`);
        repo.moveDelivery(id, 'scheduling', 'scheduled', clock.now(), { garminScheduleId: scheduleId, pid: null, clearError: true });
        note('workout.scheduled', r, { date, garminWorkoutId: workoutId, garminScheduleId: scheduleId });
      } catch (error) {
        repo.moveDelivery(id, 'scheduling', 'created', clock.now(), { pid: null });
        return failed(r, 'schedule', error);
      }
    }
    return null;
  };

  /** Takes a rejected workout off Garmin: its schedule first, then the workout. Null when nothing is left there. */
  const removeFromGarmin = async (id: string): Promise<ErrorAnswer | null> => {
    let r = mustGet(id);
    // A create cut off with its process: Garmin may have it, and its id is not known here.
    if (r.delivery === 'creating' && !busyElsewhere(r) && repo.moveDelivery(id, 'creating', 'create_uncertain', clock.now())) r = mustGet(id);
    if (r.delivery === 'create_uncertain') {
      repo.moveDelivery(id, 'create_uncertain', 'removed', clock.now());
      return failed(
        r,
        'remove',
        new CompanionError('delivery_uncertain', `Garmin may hold “${r.plan.name}” from an attempt whose answer was lost; R42 Companion cannot know its id. Delete it in Garmin Connect if it is there.`),
      );
    }
    if (r.delivery === 'none' || r.delivery === 'removed') return null;
    if (r.delivery !== 'removing') {
      if (busyElsewhere(r)) throw busy();
      if (!repo.moveDelivery(id, r.delivery, 'removing', clock.now(), { pid: deps.pid })) throw busy();
      r = mustGet(id);
    }
    try {
      const api = await deps.trainingApi();
      // A schedule whose answer was lost is on the calendar without its id here: found by the workout.
      if (r.garminScheduleId === null && r.garminWorkoutId !== null && r.plan.date !== undefined && r.lastError !== null) {
        const lost = (await api.schedulesBetween(r.plan.date, r.plan.date)).find((s) => s.workoutId === r.garminWorkoutId);
        if (lost) repo.moveDelivery(id, 'removing', 'removing', clock.now(), { garminScheduleId: lost.scheduleId });
        r = mustGet(id);
      }
      if (r.garminScheduleId !== null) {
        await api.deleteSchedule(r.garminScheduleId);
        repo.moveDelivery(id, 'removing', 'removing', clock.now(), { garminScheduleId: null });
        note('workout.unscheduled', r, { garminScheduleId: r.garminScheduleId });
      }
      if (r.garminWorkoutId !== null) {
        await api.deleteWorkout(r.garminWorkoutId);
        repo.moveDelivery(id, 'removing', 'removing', clock.now(), { garminWorkoutId: null });
      }
      repo.moveDelivery(id, 'removing', 'removed', clock.now(), { pid: null, clearError: true });
      note('workout.removed_from_garmin', r, { garminWorkoutId: r.garminWorkoutId });
      return null;
    } catch (error) {
      return failed(r, 'remove', error);
    }
  };

  return {
    propose(input, by) {
      const parsed = parseWorkout(input);
      if (!parsed.ok) throw new CompanionError('bad_request', parsed.message);
      const plan = parsed.value;
      const today = deps.today();
      if (plan.date !== undefined && plan.date < today) {
        throw new CompanionError('bad_request', `The workout is not valid: date ${plan.date} has passed (today is ${today} for the runner); give today or a later date, or none.`);
      }
      const waiting = repo.list(MAX_AWAITING + 1).filter((r) => r.decision === 'proposed').length;
      if (waiting >= MAX_AWAITING) {
        throw new CompanionError('conflict', `${waiting} proposals already wait for the runner; they decide on those first (list_workouts with status awaiting_approval).`);
      }
      const record = repo.insert(plan, by, clock.now());
      note('workout.proposed', record, { date: plan.date ?? null });
      return { id: record.id, status: 'awaiting_approval', summary: summarizeWorkout(plan) };
    },

    list(query = {}) {
      const wanted = query.status === 'proposed' ? 'awaiting_approval' : query.status;
      const rows = repo
        .list()
        .map(row)
        .filter((r) => wanted === undefined || r.status === wanted)
        .slice(0, query.limit ?? 50);
      return { data: rows, ...deps.freshness() };
    },

    get(id) {
      return { data: view(mustGet(id)), ...deps.freshness() };
    },

    recent(limit) {
      return { data: repo.list(limit).map(view), ...deps.freshness() };
    },

    async approve(id, options) {
      const r = mustGet(id);
      if (r.decision === 'rejected') throw new CompanionError('conflict', `“${r.plan.name}” was rejected; a rejected workout stays rejected (the agent can propose it again).`);
      if (r.decision === 'proposed') {
        if (!repo.decide(id, 'approved', options.via, clock.now())) throw new CompanionError('conflict', 'This workout was just decided elsewhere; look at it again.');
        note('workout.approved', r, { via: options.via });
      }
      const error = await deliver(id, options.resend === true);
      return { workout: view(mustGet(id)), delivery_error: error };
    },

    async reject(id, options) {
      const r = mustGet(id);
      if (r.decision !== 'rejected') {
        if (!repo.decide(id, 'rejected', options.via, clock.now(), ['proposed', 'approved'])) throw new CompanionError('conflict', 'This workout was just decided elsewhere; look at it again.');
        note('workout.rejected', r, { via: options.via, wasApproved: r.decision === 'approved' });
      }
      const error = await removeFromGarmin(id);
      return { workout: view(mustGet(id)), delivery_error: error };
    },

    forActivity(activityId) {
      const activity = deps.activityDate(activityId);
      if (!activity) return null;
      for (const r of repo.approvedOn(activity.localDate)) {
        const done = deps.planVsDone(r.plan);
        if (done?.activity_id === activity.summaryId) return { workout_id: r.id, name: r.plan.name, date: activity.localDate, plan_vs_done: done };
      }
      return null;
    },

    async exportFit(id, target) {
      const r = mustGet(id);
      if (r.decision !== 'approved') {
        throw new CompanionError(
          'conflict',
          r.decision === 'proposed' ? `“${r.plan.name}” is not approved yet: approve it first (\`r42-companion workouts approve ${r.id}\`); only approved workouts go to a watch.` : `“${r.plan.name}” was rejected; only approved workouts go to a watch.`,
        );
      }
      // Garmin's FIT SDK is loaded for exports only.
      const [{ encodeWorkoutFit, decodeWorkoutFit, stepsAsOnWatch }, { saveFit }] = await Promise.all([import('./fit-workout.js'), import('./fit-export.js')]);
      // The same workout gives the same serial number: a watch takes a file written again as that file.
      const serialNumber = createHash('sha256').update(r.id).digest().readUInt32BE(0);
      const bytes = encodeWorkoutFit(r.plan, { timeCreated: new Date(clock.now()), serialNumber });
      const back = decodeWorkoutFit(bytes);
      if (!back.ok || JSON.stringify(back.steps) !== JSON.stringify(stepsAsOnWatch(r.plan.steps))) {
        throw new CompanionError('storage_error', `Garmin's decoder does not read the FIT file back as “${r.plan.name}”; nothing was saved.`);
      }
      const saved = await saveFit(bytes, fitFileName(r), target);
      note('workout.exported', r, { to: saved.to });
      return { path: saved.path, to: saved.to, bytes: bytes.length, steps: back.messages.length };
    },
  };
}
