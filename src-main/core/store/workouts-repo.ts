import { randomBytes } from 'node:crypto';
import { parseWorkout, type Workout } from '../../../src-common/workout.js';
import { z } from 'zod';
import { DELIVERY_STATES, type DeliveryState } from '../../../src-common/workout-contract.js';
import { CompanionError } from '../errors.js';
import { rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { DbVersion } from './db-version.js';

const DECISIONS = ['proposed', 'approved', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

/** One stored workout: the plan as proposed, the runner's decision, the delivery's state. */
export interface WorkoutRecord {
  readonly id: string;
  readonly plan: Workout;
  readonly decision: Decision;
  readonly delivery: DeliveryState;
  readonly agent: string;
  readonly grant: string;
  readonly proposedAt: number;
  readonly decidedAt: number | null;
  readonly decidedVia: string | null;
  readonly garminWorkoutId: string | null;
  readonly garminScheduleId: string | null;
  /** The process delivering it, while it does (`creating`, `scheduling`, `removing`). */
  readonly deliveryPid: number | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
}

/** A workouts row as it leaves SQLite, parsed (never cast). */
const row = z.object({
  id: z.string(),
  plan: z.string(),
  decision: z.enum(DECISIONS),
  delivery: z.enum(DELIVERY_STATES),
  agent: z.string(),
  grant_name: z.string(),
  proposed_at: z.number(),
  decided_at: z.number().nullable(),
  decided_via: z.string().nullable(),
  garmin_workout_id: z.string().nullable(),
  garmin_schedule_id: z.string().nullable(),
  delivery_pid: z.number().nullable(),
  last_error_code: z.string().nullable(),
  last_error_message: z.string().nullable(),
  last_error_at: z.number().nullable(),
});
type Row = z.infer<typeof row>;
const rows = z.array(row);

const COLUMNS =
  'id, plan, decision, delivery, agent, grant_name, proposed_at, decided_at, decided_via, garmin_workout_id, garmin_schedule_id, delivery_pid, last_error_code, last_error_message, last_error_at';

/** A new workout id: `w_` and 16 random base64url characters. */
export const newWorkoutId = () => `w_${randomBytes(12).toString('base64url')}`;

/**
 * The workouts table. Every change of decision or delivery is a compare-and-set on the state it
 * comes from (one UPDATE … WHERE), so two processes (the app and the CLI) can never both start the
 * same request to Garmin: the one whose update changed no row stops.
 */
export class WorkoutsRepo {
  private readonly version: DbVersion;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.version = DbVersion.of(db);
  }

  private toRecord(row: Row): WorkoutRecord {
    // Written by this module from a parsed workout: a row that no longer parses is a damaged file.
    const plan = parseWorkout(JSON.parse(row.plan));
    if (!plan.ok) throw new CompanionError('storage_error', `The stored workout ${row.id} cannot be read (${plan.message}).`);
    return {
      id: row.id,
      plan: plan.value,
      decision: row.decision,
      delivery: row.delivery,
      agent: row.agent,
      grant: row.grant_name,
      proposedAt: row.proposed_at,
      decidedAt: row.decided_at,
      decidedVia: row.decided_via,
      garminWorkoutId: row.garmin_workout_id,
      garminScheduleId: row.garmin_schedule_id,
      deliveryPid: row.delivery_pid,
      lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message ?? '', at: row.last_error_at ?? row.proposed_at } : null,
    };
  }

  insert(plan: Workout, by: { agent: string; grant: string }, now: number): WorkoutRecord {
    const id = newWorkoutId();
    this.db
      .prepare(
        `INSERT INTO workouts (id, profile_id, name, sport, workout_date, plan, agent, grant_name, proposed_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, this.profileId, plan.name, plan.sport, plan.date ?? null, JSON.stringify(plan), by.agent, by.grant, now, now);
    this.version.touch();
    return this.get(id)!;
  }

  get(id: string): WorkoutRecord | null {
    const found = rowOrNull(row, this.db.prepare(`SELECT ${COLUMNS} FROM workouts WHERE profile_id = ? AND id = ?`).get(this.profileId, id));
    return found && this.toRecord(found);
  }

  /** Newest proposal first. */
  list(limit = 200): WorkoutRecord[] {
    return rows.parse(this.db.prepare(`SELECT ${COLUMNS} FROM workouts WHERE profile_id = ? ORDER BY proposed_at DESC, id LIMIT ?`).all(this.profileId, limit)).map((r) => this.toRecord(r));
  }

  /** Approved workouts planned for one of the runner's local dates. */
  approvedOn(date: string): WorkoutRecord[] {
    return rows
      .parse(this.db.prepare(`SELECT ${COLUMNS} FROM workouts WHERE profile_id = ? AND workout_date = ? AND decision = 'approved' ORDER BY proposed_at`).all(this.profileId, date))
      .map((r) => this.toRecord(r));
  }

  /** proposed → approved or rejected (the runner's decision); false when it was decided already. */
  decide(id: string, decision: 'approved' | 'rejected', via: string, now: number, from: readonly Decision[] = ['proposed']): boolean {
    const changed =
      this.db
        .prepare(
          `UPDATE workouts SET decision = ?, decided_at = ?, decided_via = ?, updated_at = ?
           WHERE profile_id = ? AND id = ? AND decision IN (${from.map(() => '?').join(', ')})`,
        )
        .run(decision, now, via, now, this.profileId, id, ...from).changes === 1;
    this.version.touch();
    return changed;
  }

  /**
   * Moves the delivery from `from` to `to` (compare-and-set); true when this call moved it. `set`
   * also writes Garmin's ids (null clears one) and who is delivering.
   */
  moveDelivery(
    id: string,
    from: DeliveryState,
    to: DeliveryState,
    now: number,
    set: { garminWorkoutId?: string | null; garminScheduleId?: string | null; pid?: number | null; clearError?: boolean } = {},
  ): boolean {
    const assignments = ['delivery = @to', 'updated_at = @now'];
    if (set.garminWorkoutId !== undefined) assignments.push('garmin_workout_id = @garminWorkoutId');
    if (set.garminScheduleId !== undefined) assignments.push('garmin_schedule_id = @garminScheduleId');
    if (set.pid !== undefined) assignments.push('delivery_pid = @pid', 'delivery_started_at = @now');
    if (set.clearError) assignments.push('last_error_code = NULL', 'last_error_message = NULL', 'last_error_at = NULL');
    const changed =
      this.db
        .prepare(`UPDATE workouts SET ${assignments.join(', ')} WHERE profile_id = @profileId AND id = @id AND delivery = @from`)
        .run({ to, now, from, id, profileId: this.profileId, garminWorkoutId: set.garminWorkoutId ?? null, garminScheduleId: set.garminScheduleId ?? null, pid: set.pid ?? null }).changes === 1;
    this.version.touch();
    return changed;
  }

  /** The last failed delivery (or removal): its code and words, shown until one succeeds. */
  recordError(id: string, error: { code: string; message: string }, now: number): void {
    this.db
      .prepare('UPDATE workouts SET last_error_code = ?, last_error_message = ?, last_error_at = ?, updated_at = ? WHERE profile_id = ? AND id = ?')
      .run(error.code, error.message.slice(0, 500), now, now, this.profileId, id);
    this.version.touch();
  }
}
