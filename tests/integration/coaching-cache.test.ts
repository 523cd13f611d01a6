/**
 * Issue 11, "Speed and size": the training load reads each activity's HR figures (hr_samples TRIMP,
 * zone seconds) from a cache keyed by the HR profile (activity_hr_figures, migration 6) instead of
 * parsing every histogram. The answers must be exactly those computed from the histograms, and the
 * cache must never outlive what it was computed from: the HR settings, the activity's details, the
 * data itself.
 */
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, dateOfDay, isoWeekStart } from '../../src-common/dates.js';
import { loadFromHistogram, zonesFromHistogram } from '../../src-main/core/analysis/histogram.js';
import { loadSeries, weeklyLoad } from '../../src-main/core/analysis/load.js';
import type { LoadMethod, TrainingLoadAnswer, ZoneModel } from '../../src-common/coaching-contract.js';
import { zonesFor } from '../../src-main/core/analysis/zones.js';
import { createCoaching, hrFiguresKey } from '../../src-main/core/coaching/coaching-service.js';
import { openDatabase, type Database } from '../../src-main/core/store/database.js';
import { AnalysisRepo } from '../../src-main/core/store/analysis-repo.js';
import type { TrainingRepo } from '../../src-main/core/store/training-repo.js';
import { trainingRepo } from '../support/training-store.js';
import { RUNNER_OFFSET_S } from '../simulator/garmin-data.js';
import { simRecordsForDay, SIM_STREAMS } from '../simulator/streams.js';
import { tempDir } from '../support/harness.js';

const DAY = 86_400;
/** A fixed last day (2026-03-15 local): the same data every run. */
const LAST_DAY = Math.floor((Date.UTC(2026, 2, 15, 11) / 1000 + RUNNER_OFFSET_S) / DAY);
const FIRST_DAY = LAST_DAY - 69;
const FROM = dateOfDay(FIRST_DAY + 35);
const TO = dateOfDay(LAST_DAY);
const clock = { now: () => (LAST_DAY * DAY + 12 * 3600) * 1000 };
type Hr = { maxHr: number; restingHr: number; zoneModel: ZoneModel };
const HR: Hr = { maxHr: 190, restingHr: 48, zoneModel: 'hrr' };

/** Ten weeks of the simulator's runner, stored as a sync would. */
function store(file: string): { db: Database; repo: TrainingRepo } {
  const db = openDatabase(file);
  const repo = trainingRepo(db);
  for (let day = FIRST_DAY; day <= LAST_DAY; day++) {
    db.transaction(() => {
      for (const stream of SIM_STREAMS) repo.upsertRecords(stream, simRecordsForDay(stream, day).map((r) => r.body), day * DAY);
    })();
  }
  return { db, repo };
}

/**
 * The load as computed before the cache existed: every histogram parsed and turned into TRIMP and
 * zone seconds for the profile, then the same series. The cached answer must equal it exactly.
 */
function uncachedLoad(db: Database, hr: Hr, from: string, to: string): Pick<TrainingLoadAnswer, 'days' | 'weeks' | 'methods'> {
  const p = { maxHr: hr.maxHr, restingHr: hr.restingHr };
  const zones = zonesFor(hr.zoneModel, hr.maxHr, hr.restingHr);
  const loadFrom = addDays(isoWeekStart(from), -35);
  const historyStart = db.prepare('SELECT min(local_date) FROM activities').pluck().get() as string;
  const rows = db.prepare('SELECT summary_id, local_date, avg_hr, duration_s FROM activities WHERE local_date BETWEEN ? AND ? ORDER BY local_date, rowid').all(loadFrom, to) as Array<{
    summary_id: string;
    local_date: string;
    avg_hr: number | null;
    duration_s: number | null;
  }>;
  const analyses = new AnalysisRepo(db, 'default').analysesBetween(loadFrom, to);
  const methods: Record<LoadMethod, number> = { hr_samples: 0, avg_hr: 0, duration: 0 };
  const loads = rows.map((r) => {
    const a = analyses.get(r.summary_id) ?? null;
    const load = loadFromHistogram(a?.hr ?? null, { avgHr: r.avg_hr, durationS: r.duration_s }, p);
    if (r.local_date >= from && r.local_date <= to) methods[load.method]++;
    return { date: r.local_date, load: load.trimp, zones: a && a.hr.hrS > 0 ? zonesFromHistogram(a.hr, zones) : null };
  });
  const weeks = Math.round((Date.parse(isoWeekStart(to)) - Date.parse(isoWeekStart(from))) / (7 * DAY * 1000)) + 1;
  return { days: loadSeries(loads, from, to, historyStart), weeks: weeklyLoad(loads, weeks, to, historyStart), methods };
}

const cached = (db: Database) => db.prepare('SELECT summary_id, hr_key, trimp FROM activity_hr_figures ORDER BY summary_id').all() as Array<{ summary_id: string; hr_key: string; trimp: number | null }>;
const keyOf = (hr: Hr) => hrFiguresKey({ model: hr.zoneModel, max_hr: hr.maxHr, resting_hr: hr.restingHr, estimated: false, max_hr_source: 'setting', resting_hr_source: 'setting', zones: zonesFor(hr.zoneModel, hr.maxHr, hr.restingHr) });
const pick = ({ days, weeks, methods }: TrainingLoadAnswer) => ({ days, weeks, methods });

describe('the training load’s HR figures cache', () => {
  const { db, repo } = store(path.join(tempDir(), 'companion.db'));
  const analyses = db.prepare('SELECT count(*) FROM activity_analysis WHERE local_date >= ?').pluck();

  it('caches each activity’s figures under the profile’s key and answers exactly what the histograms give', () => {
    const coaching = createCoaching({ db, config: { hr: HR }, clock });
    expect(cached(db)).toEqual([]);
    const first = coaching.trainingLoad({ from: FROM, to: TO });
    expect(pick(first)).toEqual(uncachedLoad(db, HR, FROM, TO));
    expect(first.methods.hr_samples).toBeGreaterThan(10);
    const rows = cached(db);
    expect(rows.length).toBe(analyses.get(addDays(isoWeekStart(FROM), -35)));
    expect(new Set(rows.map((r) => r.hr_key))).toEqual(new Set([keyOf(HR)]));
    // The second answer reads the cache: a figure planted there shows, then goes with a recompute.
    expect(coaching.trainingLoad({ from: FROM, to: TO })).toEqual(first);
    const planted = db
      .prepare('SELECT f.summary_id FROM activity_hr_figures f JOIN activity_analysis a USING (profile_id, summary_id) WHERE f.trimp IS NOT NULL AND a.local_date >= ? LIMIT 1')
      .get(FROM) as { summary_id: string };
    db.prepare('UPDATE activity_hr_figures SET trimp = 999 WHERE summary_id = ?').run(planted.summary_id);
    expect(coaching.trainingLoad({ from: FROM, to: TO }).days.some((d) => d.load >= 999)).toBe(true);
    db.prepare('DELETE FROM activity_hr_figures WHERE summary_id = ?').run(planted.summary_id);
    expect(coaching.trainingLoad({ from: FROM, to: TO })).toEqual(first);
  });

  it('recomputes every figure when the HR settings change, and again when they change back', () => {
    const before = createCoaching({ db, config: { hr: HR }, clock }).trainingLoad({ from: FROM, to: TO });
    for (const hr of [{ maxHr: 176, restingHr: 55, zoneModel: 'hrr' }, { maxHr: 176, restingHr: 55, zoneModel: 'max' }, HR] satisfies Hr[]) {
      const answer = createCoaching({ db, config: { hr }, clock }).trainingLoad({ from: FROM, to: TO });
      expect(pick(answer)).toEqual(uncachedLoad(db, hr, FROM, TO));
      expect(new Set(cached(db).map((r) => r.hr_key))).toEqual(new Set([keyOf(hr)]));
      if (hr !== HR) expect(answer.days).not.toEqual(before.days);
    }
    expect(createCoaching({ db, config: { hr: HR }, clock }).trainingLoad({ from: FROM, to: TO })).toEqual(before);
  });

  it('drops an activity’s figures when Garmin re-delivers its details, and answers from the new samples', () => {
    const coaching = createCoaching({ db, config: { hr: HR }, clock });
    const before = coaching.trainingLoad({ from: FROM, to: TO });
    const day = LAST_DAY - 3;
    const record = simRecordsForDay('activityDetails', day).map((r) => r.body).find((r) => (r.samples as Array<{ heartRate?: number }>)[0]?.heartRate !== undefined)!;
    const harder = { ...record, samples: (record.samples as Array<Record<string, number>>).map((s) => ({ ...s, heartRate: s.heartRate! + 15 })) };
    expect(cached(db).some((r) => r.summary_id === record.summaryId)).toBe(true);
    db.transaction(() => repo.upsertRecords('activityDetails', [harder], day * DAY + 60))();
    // The analysis upsert emptied the row (migration 6's trigger) before any read.
    expect(cached(db).some((r) => r.summary_id === record.summaryId)).toBe(false);
    const after = coaching.trainingLoad({ from: FROM, to: TO });
    expect(pick(after)).toEqual(uncachedLoad(db, HR, FROM, TO));
    expect(after.days.find((d) => d.date === dateOfDay(day))!.load).toBeGreaterThan(before.days.find((d) => d.date === dateOfDay(day))!.load);
    expect(cached(db).some((r) => r.summary_id === record.summaryId)).toBe(true);
  });

  it('follows a re-delivered summary of an activity without details (its load is never cached)', () => {
    const coaching = createCoaching({ db, config: { hr: HR }, clock });
    const start = (LAST_DAY - 1) * DAY + 18 * 3600 - RUNNER_OFFSET_S;
    const ride = { summaryId: 'ride-1', activityId: 99_001, activityType: 'CYCLING', startTimeInSeconds: start, startTimeOffsetInSeconds: RUNNER_OFFSET_S, durationInSeconds: 3600, averageHeartRateInBeatsPerMinute: 120 };
    const loadOn = () => coaching.trainingLoad({ from: FROM, to: TO }).days.find((d) => d.date === dateOfDay(LAST_DAY - 1))!.load;
    const without = loadOn();
    db.transaction(() => repo.upsertRecords('activities', [ride], start))();
    const easy = loadOn();
    db.transaction(() => repo.upsertRecords('activities', [{ ...ride, averageHeartRateInBeatsPerMinute: 165 }], start + 60))();
    const hard = loadOn();
    expect(easy).toBeGreaterThan(without);
    expect(hard).toBeGreaterThan(easy);
    expect(pick(coaching.trainingLoad({ from: FROM, to: TO }))).toEqual(uncachedLoad(db, HR, FROM, TO));
  });

  it('asked again over unchanged data answers the same; a write by another connection shows at once; a rolled-back one never', () => {
    const coaching = createCoaching({ db, config: { hr: HR }, clock });
    const before = coaching.trainingLoad({ from: FROM, to: TO });
    expect(coaching.trainingLoad({ from: FROM, to: TO })).toEqual(before);
    const start = (LAST_DAY - 2) * DAY + 18 * 3600 - RUNNER_OFFSET_S;
    const swim = { summaryId: 'swim-1', activityId: 99_002, activityType: 'LAP_SWIMMING', startTimeInSeconds: start, startTimeOffsetInSeconds: RUNNER_OFFSET_S, durationInSeconds: 2400, averageHeartRateInBeatsPerMinute: 140 };
    const loadOn = (a: TrainingLoadAnswer) => a.days.find((d) => d.date === dateOfDay(LAST_DAY - 2))!.load;
    // Inside a transaction the answer sees its writes; after the rollback they are gone.
    expect(() => db.transaction(() => {
      repo.upsertRecords('activities', [swim], start);
      expect(loadOn(coaching.trainingLoad({ from: FROM, to: TO }))).toBeGreaterThan(loadOn(before));
      throw new Error('roll back');
    })()).toThrow('roll back');
    expect(coaching.trainingLoad({ from: FROM, to: TO })).toEqual(before);
    // Another connection (another process, say) commits the swim: the next answer has it.
    const other = openDatabase(db.name);
    try {
      trainingRepo(other).upsertRecords('activities', [swim], start);
    } finally {
      other.close();
    }
    const after = coaching.trainingLoad({ from: FROM, to: TO });
    expect(loadOn(after)).toBeGreaterThan(loadOn(before));
    expect(pick(after)).toEqual(uncachedLoad(db, HR, FROM, TO));
  });

  it('answers the same on a read-only connection, where nothing can be cached', () => {
    const file = db.name;
    const expected = createCoaching({ db, config: { hr: HR }, clock }).trainingLoad({ from: FROM, to: TO });
    db.prepare('DELETE FROM activity_hr_figures').run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const readOnly = new BetterSqlite3(file, { readonly: true }) as unknown as Database;
    try {
      expect(createCoaching({ db: readOnly, config: { hr: HR }, clock }).trainingLoad({ from: FROM, to: TO })).toEqual(expected);
    } finally {
      readOnly.close();
    }
    expect(cached(db)).toEqual([]);
  });

  it('goes with the data when it is deleted (disconnect without keeping it)', () => {
    const coaching = createCoaching({ db, config: { hr: HR }, clock });
    coaching.trainingLoad({ from: FROM, to: TO });
    expect(cached(db).length).toBeGreaterThan(0);
    repo.deleteAll();
    expect(cached(db)).toEqual([]);
    const empty = coaching.trainingLoad({ from: FROM, to: TO });
    expect(empty.days.every((d) => d.load === 0)).toBe(true);
    expect(empty.methods).toEqual({ hr_samples: 0, avg_hr: 0, duration: 0 });
  });
});
