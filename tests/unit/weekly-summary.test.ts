import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src-main/core/store/database.js';
import { isoWeekLabel, isoWeekStart } from '../../src-common/dates.js';
import { trainingRepo } from '../support/training-store.js';

/** An activity as Garmin sends it; times are the runner's local wall clock at UTC+1. */
function run(summaryId: string, localIso: string, type: string, km: number, seconds: number, hr: number | null) {
  const offset = 3600;
  const start = Date.parse(`${localIso}Z`) / 1000 - offset;
  return {
    summaryId,
    activityType: type,
    startTimeInSeconds: start,
    startTimeOffsetInSeconds: offset,
    durationInSeconds: seconds,
    distanceInMeters: km * 1000,
    ...(hr === null ? {} : { averageHeartRateInBeatsPerMinute: hr }),
  };
}

function repoWith(records: unknown[]) {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const repo = trainingRepo(db);
  repo.ensureStream('activities', 2_000_000_000, 1);
  repo.applyWindow('activities', records, {}, 1);
  return repo;
}

describe('weekly summary', () => {
  it('ISO weeks start on Monday', () => {
    expect(isoWeekStart('2026-11-23')).toBe('2026-11-23'); // a Monday
    expect(isoWeekStart('2026-11-29')).toBe('2026-11-23'); // Sunday
    expect(isoWeekStart('2026-11-30')).toBe('2026-11-30');
    expect(isoWeekLabel('2026-11-23')).toBe('2026-W48');
    expect(isoWeekLabel('2027-01-01')).toBe('2026-W53');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
  });

  it('matches a hand-computed fixture, in the runner’s local dates', () => {
    const repo = repoWith([
      // Week of Mon 2026-11-16
      run('a', '2026-11-16T07:00:00', 'RUNNING', 10, 3000, 150), //  5:00/km
      run('b', '2026-11-18T18:00:00', 'TRAIL_RUNNING', 8, 3200, 140), // 6:40/km
      run('c', '2026-11-22T08:00:00', 'RUNNING', 21, 6300, 145), // long run, Sunday
      run('d', '2026-11-20T12:00:00', 'CYCLING', 40, 5400, 130), // not a run
      // Local Monday 00:30 at UTC+1 is still Sunday in UTC: it belongs to the next week.
      run('e', '2026-11-23T00:30:00', 'TREADMILL_RUNNING', 5, 1500, null),
      // Week of Mon 2026-11-23
      run('f', '2026-11-25T07:00:00', 'RUNNING', 12, 3840, 155),
    ]);
    const weeks = repo.weeklySummary(3, '2026-11-26');
    expect(weeks.map((w) => w.week_start)).toEqual(['2026-11-09', '2026-11-16', '2026-11-23']);
    expect(weeks[0]).toEqual({ week: '2026-W46', week_start: '2026-11-09', runs: 0, distance_km: 0, duration_s: 0, long_run_km: 0, avg_pace_min_km: null, avg_pace_s_per_km: null, avg_hr: null });
    // 10 + 8 + 21 = 39 km in 3000 + 3200 + 6300 = 12500 s → 12500 / 60 / 39 = 5.34 min/km;
    // HR weighted by time: (150·3000 + 140·3200 + 145·6300) / 12500 = 1811500 / 12500 = 144.92
    // In seconds per km: 12500 / 39 = 320.5 → 321 s (5:21 /km; 5.34 min/km is 5:20.4).
    expect(weeks[1]).toEqual({ week: '2026-W47', week_start: '2026-11-16', runs: 3, distance_km: 39, duration_s: 12500, long_run_km: 21, avg_pace_min_km: 5.34, avg_pace_s_per_km: 321, avg_hr: 144.9 });
    // 5 + 12 = 17 km in 1500 + 3840 = 5340 s → 5.24 min/km, 5340 / 17 = 314.1 → 314 s; HR only from f: 155
    expect(weeks[2]).toEqual({ week: '2026-W48', week_start: '2026-11-23', runs: 2, distance_km: 17, duration_s: 5340, long_run_km: 12, avg_pace_min_km: 5.24, avg_pace_s_per_km: 314, avg_hr: 155 });
  });

  it('upserts by summaryId: the same record twice is one row, updated', () => {
    const repo = repoWith([run('a', '2026-11-16T07:00:00', 'RUNNING', 10, 3000, 150)]);
    repo.applyWindow('activities', [run('a', '2026-11-16T07:00:00', 'RUNNING', 10.5, 3100, 151)], {}, 2);
    expect(repo.counts().activities).toBe(1);
    expect(repo.activities('2026-11-16', '2026-11-16')[0]).toMatchObject({ distance_m: 10_500, duration_s: 3100, avg_hr: 151 });
  });
});

describe('activity list', () => {
  it('lists newest first and stops at the limit', () => {
    const repo = repoWith([
      run('a', '2026-11-16T07:00:00', 'RUNNING', 10, 3000, 150),
      run('b', '2026-11-18T07:00:00', 'RUNNING', 8, 2400, 150),
      run('c', '2026-11-20T07:00:00', 'CYCLING', 30, 3600, 130),
    ]);
    expect(repo.activities('0000-01-01', '9999-12-31').map((a) => a.summary_id)).toEqual(['c', 'b', 'a']);
    expect(repo.activities('0000-01-01', '9999-12-31', undefined, 2).map((a) => a.summary_id)).toEqual(['c', 'b']);
    expect(repo.activities('0000-01-01', '9999-12-31', 'RUNNING', 1).map((a) => a.summary_id)).toEqual(['b']);
  });
});

describe('activities the runner edited in Garmin Connect', () => {
  it('replace the original, by summaryId or by Garmin activity id, and a re-delivered original never undoes the edit', () => {
    const repo = repoWith([{ ...run('orig', '2026-11-16T07:00:00', 'RUNNING', 10, 3000, 150), activityId: 4242 }, run('same-id', '2026-11-17T07:00:00', 'RUNNING', 5, 1500, 150)]);
    repo.upsertRecords('activities', [{ ...run('edit-of-orig', '2026-11-16T07:00:00', 'TRAIL_RUNNING', 11, 3000, 150), activityId: 4242 }, run('same-id', '2026-11-17T07:00:00', 'TRACK_RUNNING', 6, 1500, 150)], 2, { edited: true });
    const list = () => repo.activities('2026-11-16', '2026-11-17').map((a) => [a.summary_id, a.type, a.distance_m]);
    const edited = [
      ['same-id', 'TRACK_RUNNING', 6000],
      ['edit-of-orig', 'TRAIL_RUNNING', 11000],
    ];
    expect(list()).toEqual(edited);
    // Garmin delivers the originals again (a backfill): the edits stand.
    repo.upsertRecords('activities', [{ ...run('orig', '2026-11-16T07:00:00', 'RUNNING', 10, 3000, 150), activityId: 4242 }, run('same-id', '2026-11-17T07:00:00', 'RUNNING', 5, 1500, 150)], 3);
    expect(list()).toEqual(edited);
    // A later edit of the edit replaces it.
    repo.upsertRecords('activities', [run('same-id', '2026-11-17T07:00:00', 'RUNNING', 7, 1500, 150)], 4, { edited: true });
    expect(list()[0]).toEqual(['same-id', 'RUNNING', 7000]);
  });
});
