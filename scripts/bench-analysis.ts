/* The analysis library's cost, run by `npm run bench`. Each figure is printed with its aim and,
   where one makes sense, as a ratio against a baseline measured in the same run, interleaved with
   it (this machine is shared: a busy moment slows both alike):
   1. the details query of one activity: parse the stored activityDetails JSON, clean its samples,
      splits, laps, zones, drift, best efforts and TRIMP (`analyzeActivity`), over a spread of the
      simulator's activities (long runs and interval sessions included), p50/p99;
   2. training load over 5 years: the daily load series (acute, chronic, ACWR, monotony, strain)
      and 261 ISO weeks from every activity's TRIMP, p50/p99.
   3. storage (issue 11): sample-codec bytes per hour of samples (the simulator's 5 s samples and
      the same runs resampled to 1 s); then 5 years of a runner stored in a real SQLite file through
      TrainingRepo (summaries, details, wellness) and read through the coaching service: activity
      details query p50/p99, training load over 5 years p50/p99, records after a new run
      (incremental) and a full rebuild, and the database size, scaled to 6 runs a week.
   Baselines: the details query against a bare SELECT of the same activity's samples BLOB plus
   its inflate (what any answer from the stored samples must at least do); the training load
   against a bare SQL sum over the same activities' rows.
   Run alone with `tsx scripts/bench-analysis.ts`. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { activityIngest, rebuildRecords } from '../src-main/core/coaching/activity-ingest.js';
import { createCoaching } from '../src-main/core/coaching/coaching-service.js';
import { openDatabase } from '../src-main/core/store/database.js';
import { encodeSamples } from '../src-main/core/store/sample-codec.js';
import { TrainingRepo } from '../src-main/core/store/training-repo.js';
import { simRecordsForDay, SIM_STREAMS } from '../tests/simulator/streams.js';
import { fileURLToPath } from 'node:url';
import { analyzeActivity } from '../src-main/core/analysis/activity.js';
import { dateOfDay } from '../src-common/dates.js';
import { activityLoad, loadSeries, weeklyLoad, type DatedLoad } from '../src-main/core/analysis/load.js';
import { parseActivityDetails } from '../src-main/core/garmin/activity-details.js';
import { zonesFor, type HrProfile } from '../src-main/core/analysis/zones.js';
import { activityDetailsFor } from '../tests/simulator/activity-details.js';
import { recordsForDay, RUNNER_OFFSET_S } from '../tests/simulator/garmin-data.js';

export interface Percentiles {
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** A figure and its baseline, timed alternately in the same run. */
export interface Compared {
  readonly measured: Percentiles;
  readonly baseline: Percentiles;
  /**
   * The measured figure in CPU time of this process (process.cpuUsage): what the code costs
   * without the moments the shared machine gave the core to someone else, but with the garbage
   * collector's helper threads (so it can exceed the wall time).
   */
  readonly cpu: Percentiles;
}

/** Aims of issue 11 ("Speed and size"), p99 in ms. */
export const AIMS = { detailsQueryP99Ms: 5, loadOver5YearsP99Ms: 20 } as const;

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

export interface StorageBench {
  readonly bytesPerHour5s: number;
  readonly bytesPerHour1s: number;
  readonly jsonBytesPerHour1s: number;
  readonly activities: number;
  readonly runsPerWeek: number;
  readonly storeSeconds: number;
  readonly detailsQuery: Compared;
  /** Asked again over unchanged data (the activities' loads remembered by the service). */
  readonly loadOver5Years: Compared;
  /** Asked of a new service: every activity's row read again. */
  readonly loadOver5YearsCold: Compared;
  readonly recordsAfterNewRunMs: number;
  readonly recordsRebuildMs: number;
  readonly dbBytes: number;
  readonly dbBytesAt6PerWeek: number;
  readonly activityBytes: number;
}

/** The simulator's 5 s samples linearly resampled to 1 s, as a watch at its fastest rate records. */
function atOneHertz(record: Record<string, unknown>): Array<Record<string, number>> {
  const samples = record.samples as Array<Record<string, number>>;
  const out: Array<Record<string, number>> = [];
  for (let i = 0; i + 1 < samples.length; i++) {
    const a = samples[i]!;
    const b = samples[i + 1]!;
    const dt = b.startTimeInSeconds! - a.startTimeInSeconds!;
    for (let k = 0; k < dt; k++) {
      const f = k / dt;
      const mix: Record<string, number> = {};
      for (const key of Object.keys(a)) if (typeof b[key] === 'number') mix[key] = key === 'heartRate' ? Math.round(a[key]! + f * (b[key]! - a[key]!)) : Math.round((a[key]! + f * (b[key]! - a[key]!)) * 1e6) / 1e6;
      out.push(mix);
    }
  }
  return out;
}

/** Storage figures over `years` of simulated data ending at local day `lastDay`. */
export function benchStorage(options: { years?: number; lastDay?: number; runs?: number } = {}): StorageBench {
  const years = options.years ?? 5;
  // The last day is a run's: its details are the new run stored after the history (a day without
  // one would time nothing).
  let lastDay = options.lastDay ?? Math.floor((Date.now() / 1000 + RUNNER_OFFSET_S) / 86_400);
  while (!simRecordsForDay('activities', lastDay).some((r) => /RUN/.test(String(r.body.activityType)))) lastDay--;
  const firstDay = lastDay - Math.round(years * 365.25) + 1;
  const home = mkdtempSync(path.join(tmpdir(), 'r42-bench-analysis-'));
  try {
    const file = path.join(home, 'companion.db');
    const db = openDatabase(file);
    const repo = new TrainingRepo(db, 'default', activityIngest);
    const t0 = performance.now();
    let hours = 0;
    let bytes5 = 0;
    let hours1 = 0;
    let bytes1 = 0;
    let json1 = 0;
    let activities = 0;
    let runs = 0;
    const write = db.transaction((day: number) => {
      for (const stream of SIM_STREAMS) {
        const records = simRecordsForDay(stream, day).map((r) => r.body);
        repo.upsertRecords(stream, records, day * 86_400);
        if (stream === 'activities') {
          activities += records.length;
          runs += records.filter((r) => /RUN/.test(String(r.activityType))).length;
        }
        if (stream === 'activityDetails') {
          for (const r of records) {
            const samples = r.samples as Array<Record<string, number>>;
            const h = (samples.at(-1)!.startTimeInSeconds! - samples[0]!.startTimeInSeconds!) / 3600;
            hours += h;
            bytes5 += (db.prepare('SELECT length(samples) FROM activity_samples WHERE summary_id = ?').pluck().get(r.summaryId) as number) ?? 0;
            if (day % 20 === 0) {
              const one = atOneHertz(r);
              const parsed = parseActivityDetails({ ...r, samples: one })!;
              hours1 += h;
              bytes1 += encodeSamples(parsed.samples).length;
              json1 += JSON.stringify(one).length;
            }
          }
        }
      }
    });
    for (let day = firstDay; day <= lastDay - 1; day++) write(day);
    const storeSeconds = (performance.now() - t0) / 1000;
    const clock = { now: () => lastDay * 86_400_000 };
    const coaching = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock });
    const ids = db.prepare('SELECT activity_summary_id FROM activity_samples ORDER BY start_time').pluck().all() as string[];
    const pick = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / (options.runs ?? 200))) === 0);
    const timed = (f: () => unknown, cpuMs?: number[]) => {
      const c = process.cpuUsage();
      const t = performance.now();
      f();
      const ms = performance.now() - t;
      const used = process.cpuUsage(c);
      cpuMs?.push((used.user + used.system) / 1000);
      return ms;
    };
    // Baseline: the same activity's samples BLOB read by a bare prepared SELECT and inflated.
    const bareSamples = db.prepare('SELECT samples FROM activity_samples WHERE profile_id = ? AND activity_summary_id = ?').pluck();
    const bareDetails = (id: string) => inflateRawSync((bareSamples.get('default', id) as Buffer).subarray(2));
    // Warm-up: twenty activities not measured (the JIT compiles the analysis on the first calls).
    for (const id of ids.slice(1, 21)) {
      coaching.activityDetails(id);
      bareDetails(id);
    }
    const detailMs: number[] = [];
    const detailCpuMs: number[] = [];
    const detailBaseMs: number[] = [];
    for (const id of pick) {
      detailBaseMs.push(timed(() => bareDetails(id)));
      detailMs.push(timed(() => coaching.activityDetails(id), detailCpuMs));
    }
    const from = dateOfDay(firstDay);
    const to = dateOfDay(lastDay - 1);
    // Baseline: a bare SQL sum over the same activities' rows (the load query's range).
    const bareSum = db.prepare('SELECT sum(duration_s), sum(avg_hr) FROM activities WHERE profile_id = ? AND local_date BETWEEN ? AND ?');
    // The first query fills the HR figures cache for this profile (once per settings change).
    coaching.trainingLoad({ from, to });
    bareSum.get('default', from, to);
    const loadMs: number[] = [];
    const loadCpuMs: number[] = [];
    const loadColdMs: number[] = [];
    const loadColdCpuMs: number[] = [];
    const loadBaseMs: number[] = [];
    for (let run = 0; run < 30; run++) {
      loadBaseMs.push(timed(() => bareSum.get('default', from, to)));
      loadMs.push(timed(() => coaching.trainingLoad({ from, to }), loadCpuMs));
      // Cold: a new service remembers nothing, so every activity's row is read again (the
      // per-profile HR figures stay cached in SQLite, as they do across restarts).
      const fresh = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock });
      fresh.personalRecords();
      loadColdMs.push(timed(() => fresh.trainingLoad({ from, to }), loadColdCpuMs));
    }
    // A new run arrives (the last day's): its details update the records incrementally.
    const newRun = simRecordsForDay('activityDetails', lastDay).map((r) => r.body);
    db.transaction(() => repo.upsertRecords('activities', simRecordsForDay('activities', lastDay).map((r) => r.body), lastDay * 86_400))();
    const t1 = performance.now();
    db.transaction(() => repo.upsertRecords('activityDetails', newRun, lastDay * 86_400))();
    const recordsAfterNewRunMs = (performance.now() - t1) / Math.max(1, newRun.length);
    const t2 = performance.now();
    rebuildRecords(repo.details.analysis);
    const recordsRebuildMs = performance.now() - t2;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    let activityBytes = 0;
    try {
      activityBytes = db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name IN ('activities', 'activity_samples', 'activity_analysis', 'activities_date', 'activity_samples_activity', 'activity_samples_activity_id', 'activity_analysis_activity', 'activity_hr_figures', 'activities_activity_id') OR name LIKE 'sqlite_autoindex_activit%'").pluck().get() as number;
    } catch {
      activityBytes = 0; // dbstat not compiled in
    }
    db.close();
    const dbBytes = statSync(file).size;
    const weeks = (lastDay - firstDay) / 7;
    const perWeek = runs / weeks;
    return {
      bytesPerHour5s: Math.round(bytes5 / hours),
      bytesPerHour1s: Math.round(bytes1 / hours1),
      jsonBytesPerHour1s: Math.round(json1 / hours1),
      activities,
      runsPerWeek: Math.round(perWeek * 10) / 10,
      storeSeconds: Math.round(storeSeconds * 10) / 10,
      detailsQuery: { measured: percentiles(detailMs), baseline: percentiles(detailBaseMs), cpu: percentiles(detailCpuMs) },
      loadOver5Years: { measured: percentiles(loadMs), baseline: percentiles(loadBaseMs), cpu: percentiles(loadCpuMs) },
      loadOver5YearsCold: { measured: percentiles(loadColdMs), baseline: percentiles(loadBaseMs), cpu: percentiles(loadColdCpuMs) },
      recordsAfterNewRunMs: Math.round(recordsAfterNewRunMs * 100) / 100,
      recordsRebuildMs: Math.round(recordsRebuildMs * 100) / 100,
      dbBytes,
      activityBytes,
      dbBytesAt6PerWeek: Math.round(dbBytes + (activityBytes * (6 / perWeek - 1))),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchAnalysis();
  console.log(`analysis library alone (in memory, no aim of its own): ${r.activities} activities over 5 years`);
  console.log(`  analysis of one activity's Garmin JSON (${r.detailSamples.min}–${r.detailSamples.max} samples): p50 ${r.detailsQuery.p50Ms} ms, p99 ${r.detailsQuery.p99Ms} ms (${r.detailsQuery.runs} activities)`);
  console.log(`  load series over 5 years (daily series + 261 weeks): p50 ${r.loadOver5Years.p50Ms} ms, p99 ${r.loadOver5Years.p99Ms} ms (${r.loadOver5Years.runs} runs)`);
  const st = benchStorage();
  const mb = (b: number) => `${Math.round(b / 1e5) / 10} MB`;
  console.log(`storage: 5 years, ${st.activities} activities (${st.runsPerWeek} runs a week) with details and wellness, stored in ${st.storeSeconds} s`);
  console.log(`  samples: ${Math.round(st.bytesPerHour5s / 100) / 10} KB per hour at 5 s, ${Math.round(st.bytesPerHour1s / 100) / 10} KB per hour at 1 s (Garmin's JSON: ${Math.round(st.jsonBytesPerHour1s / 1e5) / 10} MB per hour at 1 s)`);
  const compared = (title: string, c: Compared, baseline: string, aimMs: number) => {
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
    console.log(`  ${title}: p50 ${c.measured.p50Ms} ms, p99 ${c.measured.p99Ms} ms (aim: p99 < ${aimMs} ms: ${c.measured.p99Ms < aimMs ? 'met' : 'NOT met'}; ${c.measured.runs} runs)`);
    console.log(`    baseline, ${baseline}: p50 ${c.baseline.p50Ms} ms, p99 ${c.baseline.p99Ms} ms; ratio ${ratio(c.measured.p50Ms, c.baseline.p50Ms)} at p50, ${ratio(c.measured.p99Ms, c.baseline.p99Ms)} at p99`);
    console.log(`    CPU time of this process over the same runs (all its threads, the GC's helpers included): p50 ${c.cpu.p50Ms} ms, p99 ${c.cpu.p99Ms} ms`);
  };
  compared('activity details query (coaching service, from SQLite)', st.detailsQuery, 'bare SELECT of the same samples BLOB + inflate', AIMS.detailsQueryP99Ms);
  compared('training load over 5 years (coaching service, asked again)', st.loadOver5Years, 'bare SQL sum over the same activities', AIMS.loadOver5YearsP99Ms);
  compared('training load over 5 years (coaching service, cold: a new service)', st.loadOver5YearsCold, 'bare SQL sum over the same activities', AIMS.loadOver5YearsP99Ms);
  console.log(`  records: ${st.recordsAfterNewRunMs} ms to store a new run with its details and update the records; ${st.recordsRebuildMs} ms to rebuild them over the whole history (no aim: reported)`);
  console.log(`  database: ${mb(st.dbBytes)} (activities ${mb(st.activityBytes)}); at 6 runs a week: about ${mb(st.dbBytesAt6PerWeek)} (no aim: reported)`);
}
