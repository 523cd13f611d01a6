import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src-main/core/analysis/activity.js';
import { cleanSamples, type RawSample } from '../../src-main/core/analysis/samples.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { hrProfile } from '../../src-main/core/analysis/zones.js';

/** Every number inside a value, for the "never a NaN" checks. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('cleaning the samples', () => {
  it('sorts out-of-order samples and merges duplicates field by field', () => {
    const s = cleanSamples([
      { t: 10, distance: 30, hr: 150 },
      { t: 0, distance: 0, hr: 140 },
      { t: 5, distance: 15, hr: null },
      { t: 5, distance: 15, hr: 145, cadence: 170 }, // same second: fills the first one's missing HR
    ]);
    expect(s.samples.map((x) => x.t)).toEqual([0, 5, 10]);
    expect(s.samples[1]).toMatchObject({ hr: 145, cadence: 170, distance: 15 });
    expect(s.report).toMatchObject({ reordered: true, duplicates: 1, dropped_samples: 0 });
    // 0 → 5 → 10 s, 15 m each: 10 s moving, 30 m.
    expect([s.movingS, s.distanceM]).toEqual([10, 30]);
  });

  it('drops samples without a usable time', () => {
    const s = cleanSamples([{ t: Number.NaN, hr: 150 }, { t: -1, hr: 150 }, { t: 0, hr: 150 }, { t: Number.POSITIVE_INFINITY }]);
    expect(s.samples).toHaveLength(1);
    expect(s.report.dropped_samples).toBe(3);
  });

  it('sets absurd values to null and keeps the rest of the sample', () => {
    const s = cleanSamples([
      { t: 0, distance: 0, hr: 0, speed: 100, cadence: 400, elevation: 10_000, lat: 0, lon: 0 },
      { t: 1, distance: 3, hr: 300, speed: -1, cadence: -5, elevation: -600, lat: 95, lon: 4 },
      { t: 2, distance: 6, hr: 150, speed: 3, cadence: 170, elevation: 12, lat: 52.1, lon: 4.3 },
    ]);
    expect(s.samples[0]).toEqual({ t: 0, distance: 0, hr: null, speed: null, cadence: null, elevation: null, lat: null, lon: null });
    expect(s.samples[1]).toEqual({ t: 1, distance: 3, hr: null, speed: null, cadence: null, elevation: null, lat: null, lon: null });
    expect(s.samples[2]).toEqual({ t: 2, distance: 6, hr: 150, speed: 3, cadence: 170, elevation: 12, lat: 52.1, lon: 4.3 });
    expect(s.report.absurd).toEqual({ hr: 2, speed: 2, cadence: 2, elevation: 2, position: 2 });
    // Positions at 0 s and 1 s are missing inside an activity with GPS: two GPS gaps.
    expect(s.report.gps_gaps).toBe(2);
    expect(s.hasGps).toBe(true);
  });

  it('interpolates distance through a GPS gap', () => {
    // 0 m at 0 s, nothing at 10 s, 60 m at 20 s: 30 m at 10 s (6 m per 2 s, linear in time).
    const s = cleanSamples([{ t: 0, distance: 0 }, { t: 10, distance: null }, { t: 20, distance: 60 }]);
    expect(s.samples.map((x) => x.distance)).toEqual([0, 30, 60]);
  });

  it('counts a backwards or impossible distance step as 0 m', () => {
    // Steps: +3, −1 (backwards → 0), +3 (5 − 2): 6 m.
    expect(cleanSamples([{ t: 0, distance: 0 }, { t: 1, distance: 3 }, { t: 2, distance: 2 }, { t: 3, distance: 5 }]).distanceM).toBe(6);
    // Steps: +3, +100 in 1 s (100 m/s > 12.5 → 0), +3: 6 m, and the jump is reported.
    const jump = cleanSamples([{ t: 0, distance: 0 }, { t: 1, distance: 3 }, { t: 2, distance: 103 }, { t: 3, distance: 106 }]);
    expect(jump.distanceM).toBe(6);
    expect(jump.report.distance_glitches).toBe(1);
  });

  it('finds pauses: a gap over 10 s covered slower than 0.5 m/s adds no time and no distance', () => {
    // 60 s / 300 m (5 m/s) moving; 60 s / 10 m (0.17 m/s) a pause; 60 s / 300 m moving.
    const s = cleanSamples([{ t: 0, distance: 0 }, { t: 60, distance: 300 }, { t: 120, distance: 310 }, { t: 180, distance: 610 }]);
    expect(s.paused).toEqual([false, true, false]);
    expect(s.moving).toEqual([0, 60, 60, 120]);
    expect(s.samples.map((x) => x.distance)).toEqual([0, 300, 300, 600]);
    expect([s.elapsedS, s.movingS, s.distanceM]).toEqual([180, 120, 600]);
    expect(s.report).toMatchObject({ pauses: 1, paused_s: 60 });
  });

  it('integrates speed when there is no distance, and has no distance without either', () => {
    // 3 m/s for 10 s, then 4 m/s for 10 s: 30 m, then 70 m.
    const speedOnly = cleanSamples([{ t: 0, speed: 3 }, { t: 10, speed: 4 }, { t: 20, speed: null }]);
    expect(speedOnly.samples.map((x) => x.distance)).toEqual([0, 30, 70]);
    // Neither: distance is null, and a 15 s gap is a pause (the recording stopped): 5 s moving.
    const neither = cleanSamples([{ t: 0, hr: 100 }, { t: 5, hr: 101 }, { t: 20, hr: 102 }]);
    expect(neither.distanceM).toBeNull();
    expect(neither.movingS).toBe(5);
  });

  it('answers an empty or single-sample activity without a NaN', () => {
    for (const raw of [[], [{ t: 0, hr: 150, distance: 0 }]] as RawSample[][]) {
      const s = cleanSamples(raw);
      expect([s.elapsedS, s.movingS]).toEqual([0, 0]);
      expect(numbersIn(s).some((n) => Number.isNaN(n))).toBe(false);
    }
  });
});

describe("Garmin's activityDetails", () => {
  it('parses samples relative to the start, skipping malformed samples and laps', () => {
    const details = parseActivityDetails({
      summaryId: 'x-detail',
      activityId: 7,
      summary: { startTimeInSeconds: 1000, durationInSeconds: 20, distanceInMeters: 60, averageHeartRateInBeatsPerMinute: 150, activityType: 'RUNNING' },
      samples: [
        { startTimeInSeconds: 1000, totalDistanceInMeters: 0, heartRate: 140, speedMetersPerSecond: 3, latitudeInDegree: 52, longitudeInDegree: 4, elevationInMeters: 1, stepsPerMinute: 170 },
        'not a sample',
        { startTimeInSeconds: 1010, totalDistanceInMeters: 'thirty', heartRate: 150 },
        { startTimeInSeconds: 1020, totalDistanceInMeters: 60, heartRate: 160, unknownField: true },
      ],
      laps: [{ startTimeInSeconds: 1000 }, { startTimeInSeconds: 1010 }, { nope: 1 }],
    });
    expect(details).not.toBeNull();
    expect(details!.samples).toHaveLength(3);
    expect(details!.samples[0]).toEqual({ t: 0, distance: 0, hr: 140, speed: 3, cadence: 170, elevation: 1, lat: 52, lon: 4 });
    expect(details!.samples[1]).toMatchObject({ t: 10, distance: null, hr: 150 });
    expect(details!.lapStarts).toEqual([0, 10]);
    expect(details).toMatchObject({ summaryId: 'x-detail', startTime: 1000, durationS: 20, distanceM: 60, avgHr: 150, activityType: 'RUNNING' });
  });

  it('refuses a record without a summaryId and survives one without samples', () => {
    expect(parseActivityDetails({ samples: [] })).toBeNull();
    expect(parseActivityDetails('nonsense')).toBeNull();
    expect(parseActivityDetails({ summaryId: 'a', samples: 'drifted' })).toMatchObject({ samples: [], lapStarts: [], startTime: null });
  });
});

describe('a whole activity from bad details', () => {
  const profile = hrProfile({ R42_MAX_HR: 190, R42_RESTING_HR: 50 }, { activityMaxHr: [], restingHr: [] });

  it('without samples: empty tables, load from the summary, no NaN', () => {
    const details = parseActivityDetails({ summaryId: 's', summary: { startTimeInSeconds: 0, durationInSeconds: 3600, averageHeartRateInBeatsPerMinute: 150 } })!;
    const a = analyzeActivity(details, profile);
    expect(a).toMatchObject({ moving_s: 0, distance_m: null, splits: [], laps: [], best_efforts: [], has_hr: false, has_gps: false });
    expect(a.drift).toEqual({ pace_drift_pct: null, hr_drift_pct: null, decoupling_pct: null });
    // 60 min at 150 bpm: 60 · 1.801589 = 108.1 (see analysis-load.test.ts).
    expect(a.load).toEqual({ trimp: 108.1, method: 'avg_hr' });
    expect(numbersIn(a).every(Number.isFinite)).toBe(true);
  });

  it('with only garbage samples: every one dropped or nulled, still no NaN', () => {
    const details = parseActivityDetails({
      summaryId: 'g',
      summary: { startTimeInSeconds: 100 },
      samples: [{ startTimeInSeconds: 'x' }, { startTimeInSeconds: 100, heartRate: 300, speedMetersPerSecond: 100 }, { startTimeInSeconds: 100, heartRate: 0 }, { startTimeInSeconds: 50 }],
    })!;
    const a = analyzeActivity(details, null, 'mi');
    expect(a.cleaning).toMatchObject({ dropped_samples: 2, duplicates: 1, absurd: { hr: 2, speed: 1, cadence: 0, elevation: 0, position: 0 } });
    expect(a).toMatchObject({ zones: null, splits: [], load: { trimp: 0, method: 'duration' } });
    expect(numbersIn(a).every(Number.isFinite)).toBe(true);
  });
});
