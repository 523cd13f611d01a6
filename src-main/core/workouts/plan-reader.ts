/**
 * Finds the run that did a planned workout and compares them (analysis/plan-vs-done.ts): on the
 * workout's date, a run of its sport (every kind of run for running), preferring one with samples
 * and the one whose length is nearest the plan's. Reads the store only.
 */
import type { PlanVsDone } from '../../../src-common/workout-contract.js';
import type { Workout } from '../../../src-common/workout.js';
import { workoutEstimate } from '../../../src-common/workout-words.js';
import { comparePlan } from '../analysis/plan-vs-done.js';
import { cleanSamples } from '../analysis/samples.js';
import type { Coaching } from '../coaching/coaching-service.js';
import type { TrainingRepo } from '../store/training-repo.js';

export interface PlanReader {
  /** The run on the plan's date compared with it, or null when there is none (or the plan has no date). */
  compare(plan: Workout): PlanVsDone | null;
  /** An activity's summary_id and local date, by its summary_id or Garmin activity id; null when not stored. */
  activityDate(id: string): { summaryId: string; localDate: string } | null;
}

export function createPlanReader(deps: { training: TrainingRepo; coaching: () => Coaching }): PlanReader {
  return {
    compare(plan) {
      if (plan.date === undefined) return null;
      const runs = deps.training.activities(plan.date, plan.date, plan.sport);
      if (runs.length === 0) return null;
      const planned = workoutEstimate(plan).seconds;
      const withDetails = runs.map((run) => ({ run, found: deps.training.details.find(run.summary_id) }));
      const candidates = withDetails.some((c) => c.found) ? withDetails.filter((c) => c.found) : withDetails;
      const best = candidates.reduce((a, b) => (Math.abs((b.run.duration_s ?? 0) - planned) < Math.abs((a.run.duration_s ?? 0) - planned) ? b : a));
      const { run, found } = best;
      const head = { activity_id: run.summary_id, activity_name: run.name, local_date: run.local_date };
      if (!found) {
        return { ...head, steps_found_by: 'plan', steps: [], completed: 0, cut_short: 0, skipped: 0, in_target_pct: null, summary: 'Garmin sent no samples for this run, so its steps cannot be compared with the plan.' };
      }
      const zones = deps.coaching().hrProfile().zones;
      const compared = comparePlan(plan, cleanSamples(found.details.samples), found.details.lapStarts, zones.length ? zones : null);
      return { ...head, ...compared };
    },
    activityDate: (id) => deps.training.activityDate(id),
  };
}
