import { z } from 'zod';
import { proposalAnswer } from '../../../../src-common/workout-contract.js';
import { MAX_WORKOUT_STEPS, workoutInput } from '../../../../src-common/workout.js';
import { tool } from './tool-kit.js';

/**
 * An agent proposes a workout; only the runner approves (nothing reaches Garmin before). The steps
 * are described in words rather than as a nested JSON Schema (a few hundred bytes instead of
 * kilobytes of tools/list), and checked by src-common/workout.ts's one schema, whose words name
 * the place of each problem (`steps[1].steps[0].target: the pace range is backwards …`).
 */
export const proposeWorkout = tool({
  name: 'propose_workout',
  description: `Proposes a structured workout. Only the runner approves it (in R42 Companion; you cannot); then it goes to their Garmin calendar on \`date\` and the watch. Answers \`id\`, the workout in words, \`awaiting_approval\`. steps: {kind, end, target?, note?} or {kind:"repeat", times:2-99, steps:[…]} (one level). kind: warmup, active, interval, recovery, rest, cooldown. end: {by:"time",seconds} | {by:"distance",meters} | {by:"lap_button"} | {by:"hr_below"|"hr_above",bpm}. target: {type:"pace",fast_s_per_km,slow_s_per_km} | {type:"heart_rate"|"cadence"|"power",low,high} (bpm, spm, W) | {type:"heart_rate_zone",zone:1-5} | {type:"power_zone",zone:1-7}. At most ${MAX_WORKOUT_STEPS} steps.`,
  input: z.strictObject({
    name: workoutInput.shape.name,
    sport: workoutInput.shape.sport,
    date: workoutInput.shape.date.describe('YYYY-MM-DD, today or later'),
    notes: workoutInput.shape.notes,
    steps: z.array(z.unknown()).min(1, 'a workout needs at least one step'),
  }),
  output: z.object(proposalAnswer.shape),
  readOnly: false,
  async run(args, deps, context) {
    const caller = context.caller ?? { grant: 'runner', client: 'unknown' };
    // The agent as its client names itself; the grant it came in with.
    const answer = deps.workouts.propose(args, { agent: caller.client === 'unknown' ? caller.grant : caller.client, grant: caller.grant });
    return { structured: answer, summary: `Proposed ${answer.id} (“${args.name}”): it waits for the runner's approval; nothing is on Garmin yet.` };
  },
});
