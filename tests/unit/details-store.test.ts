/**
 * Bad input through storage: details with no samples, no HR, GPS gaps, pauses, duplicate and
 * out-of-order samples and absurd values are stored, read back by the coaching service, and answer
 * what the analysis answers on Garmin's JSON: no crash, no NaN.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src-main/core/analysis/activity.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { zonesFor } from '../../src-main/core/analysis/zones.js';
import { createCoaching } from '../../src-main/core/coaching/coaching-service.js';
import { migrate } from '../../src-main/core/store/database.js';
import { trainingRepo } from '../support/training-store.js';

const START = Date.UTC(2026, 2, 10, 7, 0, 0) / 1000;
const PROFILE = { model: 'hrr' as const, max_hr: 190, resting_hr: 48, estimated: false, max_hr_source: 'setting' as const, resting_hr_source: 'setting' as const, zones: zonesFor('hrr', 190, 48) };

function summary(id: string) {
  return { summaryId: id, activityId: id.length, activityType: 'RUNNING', startTimeInSeconds: START, startTimeOffsetInSeconds: 3600, durationInSeconds: 1800, distanceInMeters: 5000, averageHeartRateInBeatsPerMinute: 150 };
}
/** A steady 30-minute run at 1 s, shaped per case. */
function samples(shape: (s: Record<string, number>, t: number) => Record<string, number> | null): Array<Record<string, number>> {
  const out: Array<Record<string, number>> = [];
  for (let t = 0; t <= 1800; t += 1) {
    const s = shape({ startTimeInSeconds: START + t, totalDistanceInMeters: t * 2.78, heartRate: 140 + (t % 20), speedMetersPerSecond: 2.78, elevationInMeters: 5 + (t % 50) / 10, latitudeInDegree: 52.35 + t * 1e-5, longitudeInDegree: 4.86 }, t);
    if (s) out.push(s);
  }
  return out;
}

const CASES: Record<string, unknown[]> = {
  'no samples': [],
  'no HR': samples(({ heartRate: _hr, ...s }) => s),
  'GPS gaps': samples((s, t) => (t > 300 && t < 600 ? (({ latitudeInDegree: _a, longitudeInDegree: _b, ...rest }) => rest)(s) : s)),
  pauses: samples((s, t) => (t > 600 && t < 900 ? null : t >= 900 ? { ...s, totalDistanceInMeters: 601 * 2.78 + (t - 900) * 2.78 } : s)),
  'duplicates and disorder': samples((s) => s).flatMap((s, i) => (i % 50 === 0 ? [s, { ...s }] : [s])).reverse(),
  'absurd values': samples((s, t) => (t % 97 === 0 ? { ...s, heartRate: 0, speedMetersPerSecond: 80, elevationInMeters: 99_999, latitudeInDegree: 0, longitudeInDegree: 0, totalDistanceInMeters: t % 2 ? -5 : 1e9 } : s)),
  'garbage samples': ['x', null, 42, { startTimeInSeconds: 'soon' }, { heartRate: Number.NaN }],
};

describe('bad input, stored and read back', () => {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  const repo = trainingRepo(db);
  const ids = Object.keys(CASES).map((name, i) => `case-${i}`);
  const records = Object.values(CASES).map((s, i) => ({ summaryId: `${ids[i]}-detail`, activityId: i + 1, summary: summary(ids[i]!), samples: s, laps: [{ startTimeInSeconds: START }, { startTimeInSeconds: START + 900 }, { startTimeInSeconds: 'never' }] }));
  const result = db.transaction(() => {
    repo.upsertRecords('activities', records.map((r) => r.summary), 1);
    return repo.upsertRecords('activityDetails', [...records, { samples: [] }, 'not a record'], 1);
  })();
  const coaching = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock: { now: () => (START + 5 * 86_400) * 1000 } });

  it('stores every case and skips only what has no id', () => {
    expect(result).toEqual({ stored: ids.length, skipped: 2, keptFetched: 0 });
  });

  Object.keys(CASES).forEach((name, i) => {
    it(`${name}: the same figures as the analysis of Garmin's JSON, no NaN`, () => {
      const answer = coaching.activityDetails(ids[i]!);
      const text = JSON.stringify(answer);
      expect(text).not.toMatch(/NaN|Infinity/);
      const direct = analyzeActivity(parseActivityDetails(records[i])!, PROFILE);
      if (answer.has_details) {
        expect(answer.splits).toEqual(direct.splits);
        expect(answer.laps).toEqual(direct.laps);
        expect(answer.zones).toEqual(direct.has_hr ? direct.zones : null);
        expect(answer.drift).toEqual(direct.drift);
        expect(answer.best_efforts).toEqual(direct.best_efforts);
        expect(answer.load).toEqual(direct.load);
        expect(answer.cleaning).toEqual(direct.cleaning);
      } else {
        // No usable samples: the summary's figures, empty tables, a load from the average HR.
        expect(answer.splits).toEqual([]);
        expect(answer.load.method).toBe('avg_hr');
      }
    });
  });

  it('keeps training load, records and trends free of NaN over all of them', () => {
    const load = coaching.trainingLoad({ from: '2026-03-01', to: '2026-03-15' });
    expect(load.methods.hr_samples + load.methods.avg_hr + load.methods.duration).toBe(ids.length);
    const all = JSON.stringify([load, coaching.personalRecords(), coaching.trends({ from: '2026-03-01', to: '2026-03-15' }), coaching.hrProfile()]);
    expect(all).not.toMatch(/NaN|Infinity/);
    expect(coaching.personalRecords().records.map((r) => r.label)).toEqual(['1k', '5k']);
  });

  it('rebuilds the records when the run holding one comes back slower', () => {
    const before = coaching.personalRecords().records.find((r) => r.label === '5k')!;
    const holder = records.find((r) => r.summary.summaryId === before.summary_id)!;
    const slower = { ...holder, samples: (holder.samples as Array<Record<string, number>>).map((s) => ({ ...s, startTimeInSeconds: START + (s.startTimeInSeconds! - START) * 2 })) };
    db.transaction(() => repo.upsertRecords('activityDetails', [slower], 2))();
    const after = coaching.personalRecords().records.find((r) => r.label === '5k')!;
    expect(after.time_s).toBeGreaterThanOrEqual(before.time_s);
  });
});
