import { z } from 'zod';
import { workoutId, workoutView } from '../../../../src-common/workout-contract.js';
import { freshness, lastSync, tool } from './tool-kit.js';

export const getWorkout = tool({
  name: 'get_workout',
  description:
    "One workout: steps, summary, status, Garmin's ids, the last delivery problem, and once a run on its date matched it `plan_vs_done`: per step completed, cut short or skipped, time, pace, HR, seconds in, under and over the target.",
  input: z.strictObject({ id: workoutId }),
  output: z.object({ workout: z.object(workoutView.shape), ...freshness }),
  readOnly: true,
  async run(args, deps) {
    const answer = deps.workouts.get(args.id);
    const w = answer.data;
    const done = w.plan_vs_done;
    return {
      structured: { workout: w, last_sync_at: answer.last_sync_at, stale: answer.stale },
      summary: `“${w.name}”${w.date ? ` on ${w.date}` : ''}: ${w.status.replace('_', ' ')}${done ? `; ${done.summary}` : ''}${w.delivery.last_error ? `; last problem: ${w.delivery.last_error.code}` : ''}; ${lastSync(answer)}.`,
    };
  },
});
