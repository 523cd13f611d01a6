import { z } from 'zod';
import { workoutRow, workoutStatusFilter } from '../../../../src-common/workout-contract.js';
import { freshness, lastSync, tool } from './tool-kit.js';

export const listWorkouts = tool({
  name: 'list_workouts',
  description:
    'Proposed workouts, newest first, each with its status: awaiting_approval, approved (not on Garmin yet; last_error says why), on_garmin (no date), scheduled, done (get_workout: how the run went), missed, rejected.',
  input: z.strictObject({
    status: workoutStatusFilter.optional(),
    limit: z.number().int().min(1, 'must be from 1 to 200').max(200, 'must be from 1 to 200').optional().describe('default 20'),
  }),
  output: z.object({ workouts: z.array(z.object(workoutRow.shape)), ...freshness }),
  readOnly: true,
  async run(args, deps) {
    const answer = deps.workouts.list({ status: args.status, limit: args.limit ?? 20 });
    const waiting = answer.data.filter((w) => w.status === 'awaiting_approval').length;
    return {
      structured: { workouts: answer.data, last_sync_at: answer.last_sync_at, stale: answer.stale },
      summary: `${answer.data.length} workouts${args.status ? ` (${args.status})` : ''}, ${waiting} awaiting the runner's approval; ${lastSync(answer)}.`,
    };
  },
});
