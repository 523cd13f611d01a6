/**
 * Personal records over the whole history: the fastest best effort per distance, kept up to date
 * one activity at a time as runs arrive (no rescan of the history).
 */
import type { BestEffort, EffortLabel, PersonalRecord, RecordsByLabel } from '../../../src-common/coaching-contract.js';

/** The store reads records in the contract's type (src-common/coaching-contract.ts). */
export type { PersonalRecord };

/** Records by distance label (src-common/coaching-contract.ts). */
export type Records = RecordsByLabel;

/** One activity's contribution: its id, local date and best efforts. */
export interface ActivityEfforts {
  readonly summary_id: string;
  readonly date: string;
  readonly efforts: readonly BestEffort[];
}

/**
 * Records after one more activity, the labels it improved, and whether the history must be scanned
 * again. Only a strictly faster time replaces a record (a tie keeps the earlier one). When the
 * activity holding a record arrives again (an upsert) slower or without that effort, the runner's
 * next-best time is not known here: the record is kept and `rebuild` asks for `recordsOver`.
 */
export function updateRecords(records: Records, activity: ActivityEfforts): { records: Records; improved: EffortLabel[]; rebuild: boolean } {
  const next: Partial<Record<EffortLabel, PersonalRecord>> = { ...records };
  const improved: EffortLabel[] = [];
  let rebuild = false;
  const byLabel = new Map(activity.efforts.filter((e) => Number.isFinite(e.time_s) && e.time_s > 0).map((e) => [e.label, e]));
  for (const current of Object.values(records)) {
    if (current.summary_id !== activity.summary_id) continue;
    const again = byLabel.get(current.label);
    if (again === undefined || again.time_s > current.time_s) rebuild = true;
  }
  for (const e of byLabel.values()) {
    const current = next[e.label];
    if (current !== undefined && e.time_s >= current.time_s) continue;
    next[e.label] = { label: e.label, distance_m: e.distance_m, time_s: e.time_s, pace_s_per_km: e.pace_s_per_km, summary_id: activity.summary_id, date: activity.date };
    improved.push(e.label);
  }
  return { records: next, improved, rebuild };
}

/** Records over a whole history, in the order the activities happened. */
export function recordsOver(activities: Iterable<ActivityEfforts>): Records {
  const sorted = [...activities].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let records: Records = {};
  for (const a of sorted) records = updateRecords(records, a).records;
  return records;
}
