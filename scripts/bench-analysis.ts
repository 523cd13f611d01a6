/* The analysis library's cost, for `npm run bench` to call (not wired yet):
   1. the details query of one activity: parse the stored activityDetails JSON, clean its samples,
      splits, laps, zones, drift, best efforts and TRIMP (`analyzeActivity`), over a spread of the
      simulator's activities (long runs and interval sessions included), p50/p99;
   2. training load over 5 years: the daily load series (acute, chronic, ACWR, monotony, strain)
      and 261 ISO weeks from every activity's TRIMP, p50/p99.
   Run alone with `tsx scripts/bench-analysis.ts`. */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { analyzeActivity } from '../src-main/core/analysis/activity.js';
import { dateOfDay } from '../src-main/core/analysis/dates.js';
import { activityLoad, loadSeries, weeklyLoad, type DatedLoad } from '../src-main/core/analysis/load.js';
import { parseActivityDetails } from '../src-main/core/analysis/samples.js';
import { zonesFor, type HrProfile } from '../src-main/core/analysis/zones.js';
import { activityDetailsFor } from '../tests/simulator/activity-details.js';
import { recordsForDay, RUNNER_OFFSET_S } from '../tests/simulator/garmin-data.js';

export interface Percentiles {
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface AnalysisBench {
  readonly activities: number;
  readonly detailSamples: { readonly min: number; readonly max: number };
  readonly detailsQuery: Percentiles;
  readonly loadOver5Years: Percentiles;
}

function percentiles(ms: number[]): Percentiles {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { runs: sorted.length, p50Ms: Math.round(at(50) * 1000) / 1000, p99Ms: Math.round(at(99) * 1000) / 1000 };
}

const PROFILE: HrProfile = { model: 'hrr', max_hr: 190, resting_hr: 48, estimated: false, max_hr_source: 'setting', resting_hr_source: 'setting', zones: zonesFor('hrr', 190, 48) };

/** Measures both figures over `years` of simulated data ending at local day `lastDay`. */
export function benchAnalysis(options: { years?: number; lastDay?: number; detailRuns?: number; loadRuns?: number } = {}): AnalysisBench {
  const years = options.years ?? 5;
  const lastDay = options.lastDay ?? Math.floor((Date.now() / 1000 + RUNNER_OFFSET_S) / 86_400);
  const firstDay = lastDay - Math.round(years * 365.25) + 1;
  const summaries: Array<Record<string, unknown>> = [];
  for (let day = firstDay; day <= lastDay; day++) summaries.push(...recordsForDay('activities', day).map((r) => r.body));

  // 1. Details: the stored raw JSON of a spread of activities, each analysed as the query would.
  const detailRuns = options.detailRuns ?? 200;
  const step = Math.max(1, Math.floor(summaries.length / detailRuns));
  const stored = summaries.filter((_, i) => i % step === 0).slice(0, detailRuns).map((s) => JSON.stringify(activityDetailsFor(s)));
  const sampleCounts = stored.map((raw) => (JSON.parse(raw) as { samples: unknown[] }).samples.length);
  analyzeActivity(parseActivityDetails(JSON.parse(stored[0]!))!, PROFILE); // warm-up
  const detailMs: number[] = [];
  for (const raw of stored) {
    const t0 = performance.now();
    const details = parseActivityDetails(JSON.parse(raw));
    if (details) analyzeActivity(details, PROFILE);
    detailMs.push(performance.now() - t0);
  }

  // 2. Load: each activity's TRIMP as the store would keep it (from its summary's average HR here,
  // since generating 5 years of details would time the simulator, not the analysis).
  const loads: Array<DatedLoad & { zones: null }> = summaries.map((s) => ({
    date: dateOfDay(Math.floor(((s.startTimeInSeconds as number) + RUNNER_OFFSET_S) / 86_400)),
    load: activityLoad({ avgHr: s.averageHeartRateInBeatsPerMinute as number, durationS: s.durationInSeconds as number }, { maxHr: 190, restingHr: 48 }).trimp,
    zones: null,
  }));
  const from = dateOfDay(firstDay);
  const to = dateOfDay(lastDay);
  const loadMs: number[] = [];
  for (let run = 0; run < (options.loadRuns ?? 30); run++) {
    const t0 = performance.now();
    loadSeries(loads, from, to, from);
    weeklyLoad(loads, 261, to, from);
    loadMs.push(performance.now() - t0);
  }
  return {
    activities: summaries.length,
    detailSamples: { min: Math.min(...sampleCounts), max: Math.max(...sampleCounts) },
    detailsQuery: percentiles(detailMs),
    loadOver5Years: percentiles(loadMs),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchAnalysis();
  console.log(`analysis: ${r.activities} activities over 5 years`);
  console.log(`  details query of one activity (${r.detailSamples.min}–${r.detailSamples.max} samples): p50 ${r.detailsQuery.p50Ms} ms, p99 ${r.detailsQuery.p99Ms} ms (${r.detailsQuery.runs} activities)`);
  console.log(`  training load over 5 years (daily series + 261 weeks): p50 ${r.loadOver5Years.p50Ms} ms, p99 ${r.loadOver5Years.p99Ms} ms (${r.loadOver5Years.runs} runs)`);
}
