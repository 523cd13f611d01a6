/**
 * The answers about proposed workouts, declared once (docs/architecture.md rule 13): what the MCP
 * tools `propose_workout`, `list_workouts` and `get_workout`, the agent endpoint's `/v1/workouts`,
 * the CLI's `workouts` and the app's approval cards answer. Strict objects; plain zod.
 */
import { z } from 'zod';
import { activityDetailsData, errorAnswer, freshness } from './contract.js';
import { WORKOUT_SPORTS, workoutItem } from './workout.js';

/**
 * Where a workout is: waiting for the runner, approved (not on Garmin yet, or its delivery
 * failed), on Garmin (no date to schedule it on), scheduled on its date, done (a run on its date
 * matched it), missed (its date passed without one) or rejected.
 */
export const WORKOUT_STATUSES = ['awaiting_approval', 'approved', 'on_garmin', 'scheduled', 'done', 'missed', 'rejected'] as const;
export type WorkoutStatus = (typeof WORKOUT_STATUSES)[number];

/** How far the delivery to Garmin's Training API came (the state machine kept in SQLite). */
export const DELIVERY_STATES = ['none', 'creating', 'created', 'scheduling', 'scheduled', 'create_uncertain', 'removing', 'removed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Who proposed a workout: the agent's name as its MCP client gave it, and the grant it used (`runner` over stdio). */
export const proposedBy = z.strictObject({ agent: z.string(), grant: z.string() });

/** One planned step against what the run did in it. */
export const stepResult = z.strictObject({
  index: z.number().int().describe('0-based, in the order the watch runs the steps (repeats written out).'),
  label: z.string().describe('"Interval 2 of 6".'),
  planned: z.string().describe('The step in words.'),
  status: z.enum(['completed', 'cut_short', 'skipped']).describe('completed: its time or distance was covered (or its end reached); cut_short: started, less than 90 % covered; skipped: not run.'),
  seconds: z.number().nullable().describe('Moving seconds run in this step.'),
  meters: z.number().nullable(),
  pace_s_per_km: z.number().nullable(),
  avg_hr: z.number().nullable(),
  target: z.string().nullable().describe('The target in words, or null for an open step.'),
  in_target_s: z.number().nullable().describe('Moving seconds within the target range; null without a target or without the data to judge it.'),
  in_target_pct: z.number().nullable(),
  under_s: z.number().nullable().describe('Seconds below the range: slower than the pace range, or heart rate, cadence under it.'),
  over_s: z.number().nullable().describe('Seconds above the range: faster than the pace range, or heart rate, cadence over it.'),
});
export type StepResult = z.infer<typeof stepResult>;

/** A planned workout against the run that did it. */
export const planVsDone = z.strictObject({
  activity_id: z.string().describe('The run\'s summary_id.'),
  activity_name: z.string().nullable(),
  local_date: z.string(),
  steps_found_by: z.enum(['laps', 'plan']).describe('laps: one lap per step, as the watch records a workout; plan: the samples cut by the planned times and distances.'),
  steps: z.array(stepResult),
  completed: z.number().int(),
  cut_short: z.number().int(),
  skipped: z.number().int(),
  in_target_pct: z.number().nullable().describe('Share of the time in steps with a target spent within it.'),
  summary: z.string(),
});
export type PlanVsDone = z.infer<typeof planVsDone>;

/** The workout a run did, with how it went (get_activity_details, the activity page). */
export const plannedWorkout = z.strictObject({
  workout_id: z.string(),
  name: z.string(),
  date: z.string(),
  plan_vs_done: planVsDone,
});
export type PlannedWorkout = z.infer<typeof plannedWorkout>;

/**
 * `GET /v1/activities/{id}`: the activity's details and, beside them as in MCP's
 * get_activity_details, the approved workout the run did with how it went (null for a run no
 * workout planned).
 */
export const activityWithPlanAnswer = z.strictObject({ ...activityDetailsData.shape, planned_workout: plannedWorkout.nullable() });
export type ActivityWithPlanAnswer = z.infer<typeof activityWithPlanAnswer>;

/** A workout in full: the plan, in words, where it is, and how the run went. */
export const workoutView = z.strictObject({
  id: z.string(),
  status: z.enum(WORKOUT_STATUSES),
  name: z.string(),
  sport: z.enum(WORKOUT_SPORTS),
  date: z.string().nullable(),
  notes: z.string().nullable(),
  summary: z.string().describe('The workout in one paragraph.'),
  steps: z.array(workoutItem),
  proposed_by: proposedBy,
  proposed_at: z.string(),
  decided_at: z.string().nullable(),
  garmin: z.strictObject({ workout_id: z.string().nullable(), schedule_id: z.string().nullable() }),
  delivery: z.strictObject({ state: z.enum(DELIVERY_STATES), last_error: errorAnswer.nullable() }),
  plan_vs_done: planVsDone.nullable(),
});
export type WorkoutView = z.infer<typeof workoutView>;

/** A workout in a list: enough to pick one (get_workout gives the rest). */
export const workoutRow = z.strictObject({
  id: z.string(),
  status: z.enum(WORKOUT_STATUSES),
  name: z.string(),
  sport: z.enum(WORKOUT_SPORTS),
  date: z.string().nullable(),
  proposed_by: z.string().describe('The agent that proposed it.'),
  proposed_at: z.string(),
  steps: z.number().int().describe('Steps as the watch counts them.'),
  last_error: z.string().nullable().describe('The code of the last failed delivery, if any.'),
});
export type WorkoutRow = z.infer<typeof workoutRow>;

export const workoutsAnswer = z.strictObject({ data: z.array(workoutRow), ...freshness.shape });
export const workoutAnswer = z.strictObject({ data: workoutView, ...freshness.shape });
/** The newest workouts in full (the app's approval cards). */
export const workoutViewsAnswer = z.strictObject({ data: z.array(workoutView), ...freshness.shape });
export type WorkoutViewsAnswer = z.infer<typeof workoutViewsAnswer>;
export type WorkoutsAnswer = z.infer<typeof workoutsAnswer>;
export type WorkoutAnswer = z.infer<typeof workoutAnswer>;

/** What a proposal answers: its id, the workout in words, and that it waits for the runner. */
export const proposalAnswer = z.strictObject({
  id: z.string(),
  status: z.literal('awaiting_approval'),
  summary: z.string(),
});
export type ProposalAnswer = z.infer<typeof proposalAnswer>;

/** What the runner's decision did: the workout now, and whether delivering it to Garmin worked. */
export const decisionAnswer = z.strictObject({
  workout: workoutView,
  /** Null when there was nothing to deliver or remove; else what failed, in words. */
  delivery_error: errorAnswer.nullable(),
});
export type DecisionAnswer = z.infer<typeof decisionAnswer>;

/** A workout list query (`GET /v1/workouts`, `list_workouts`): by status, newest first; `proposed` is awaiting_approval. */
export const WORKOUT_STATUS_FILTERS = [...WORKOUT_STATUSES, 'proposed'] as const;
/** The status filter both surfaces parse, in the same words. */
export const workoutStatusFilter = z.enum(WORKOUT_STATUS_FILTERS, `must be one of ${WORKOUT_STATUSES.join(', ')} (or proposed, the same as awaiting_approval)`);
export const workoutsQuery = z.object({
  status: workoutStatusFilter.optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 200, written in digits')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be from 1 to 200').max(200, 'must be from 1 to 200'))
    .optional(),
});

/** A workout id as the companion makes them. */
export const workoutId = z.string().regex(/^w_[A-Za-z0-9_-]{6,40}$/, 'must be a workout id as list_workouts gives it (w_…)');
export const workoutIdQuery = z.object({ id: workoutId });
