import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkout, type Workout } from '../../src-common/workout.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { WorkoutsRepo } from '../../src-main/core/store/workouts-repo.js';
import { DEFAULT_PROFILE_ID } from '../../src-main/core/store/repos.js';
import { tempDir } from '../support/harness.js';
import { INTERVALS } from '../support/workouts.js';

const plan = (parseWorkout(INTERVALS) as { value: Workout }).value;

describe('the workouts store', () => {
  it('keeps the plan as proposed and moves decision and delivery only from the state a caller saw, across two connections', () => {
    const file = path.join(tempDir(), 'companion.db');
    const app = new WorkoutsRepo(openDatabase(file), DEFAULT_PROFILE_ID);
    const cli = new WorkoutsRepo(openDatabase(file), DEFAULT_PROFILE_ID);
    const w = app.insert(plan, { agent: 'coach', grant: 'coach-grant' }, 1_000);
    expect(w).toMatchObject({ decision: 'proposed', delivery: 'none', agent: 'coach', grant: 'coach-grant', garminWorkoutId: null, lastError: null });
    expect(w.id).toMatch(/^w_[A-Za-z0-9_-]{16}$/);
    expect(cli.get(w.id)!.plan).toEqual(plan);

    // Two processes decide at once: one wins.
    expect(cli.decide(w.id, 'approved', 'cli', 2_000)).toBe(true);
    expect(app.decide(w.id, 'rejected', 'app', 2_001)).toBe(false);
    expect(app.get(w.id)).toMatchObject({ decision: 'approved', decidedVia: 'cli', decidedAt: 2_000 });

    // Two processes start the delivery at once: one does.
    expect(cli.moveDelivery(w.id, 'none', 'creating', 3_000, { pid: 11 })).toBe(true);
    expect(app.moveDelivery(w.id, 'none', 'creating', 3_000, { pid: 12 })).toBe(false);
    expect(app.get(w.id)).toMatchObject({ delivery: 'creating', deliveryPid: 11 });
    cli.recordError(w.id, { code: 'garmin_rate_limited', message: 'wait' }, 3_500);
    expect(app.get(w.id)!.lastError).toEqual({ code: 'garmin_rate_limited', message: 'wait', at: 3_500 });
    expect(cli.moveDelivery(w.id, 'creating', 'created', 4_000, { garminWorkoutId: '9007199254740993', clearError: true })).toBe(true);
    expect(app.get(w.id)).toMatchObject({ delivery: 'created', garminWorkoutId: '9007199254740993', lastError: null });
    expect(app.approvedOn('2026-11-24').map((r) => r.id)).toEqual([w.id]);
    expect(app.approvedOn('2026-11-25')).toEqual([]);
    expect(app.list().map((r) => r.id)).toEqual([w.id]);
  });
});
