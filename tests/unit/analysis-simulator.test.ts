import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src-main/core/analysis/activity.js';
import { cleanSamples } from '../../src-main/core/analysis/samples.js';
import { everything, totals } from '../../src-main/core/analysis/windows.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { zonesFor } from '../../src-main/core/analysis/zones.js';
import { activityDetailsFor, activityDetailsForDay, detailKind, WELLNESS_STREAMS, wellnessRecordsForDay } from '../simulator/activity-details.js';
import { recordsForDay } from '../simulator/garmin-data.js';

const FIRST_DAY = 20_400; // 2025-11-08
const DAYS = 120;

function summaries() {
  const out: Array<Record<string, unknown>> = [];
  for (let day = FIRST_DAY; day < FIRST_DAY + DAYS; day++) out.push(...recordsForDay('activities', day).map((r) => r.body));
  return out;
}

/** Every number inside a value, for the "never a NaN" check. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('simulated activity details', () => {
  const all = summaries();

  it('agree with their summaries', () => {
    for (const summary of all) {
      const details = parseActivityDetails(activityDetailsFor(summary))!;
      const series = cleanSamples(details.samples);
      const kind = detailKind(summary);
      expect(series.report).toMatchObject({ dropped_samples: 0, duplicates: 0, distance_glitches: 0, pauses: 0 });
      expect(series.movingS).toBe(summary.durationInSeconds);
      expect(series.distanceM).toBeCloseTo(summary.distanceInMeters as number, 1);
      const whole = totals(series, everything(series));
      if (kind.hr) {
        expect(Math.abs(whole.avgHr! - (summary.averageHeartRateInBeatsPerMinute as number))).toBeLessThanOrEqual(0.5);
        expect(whole.maxHr).toBe(summary.maxHeartRateInBeatsPerMinute);
      } else {
        expect(series.hasHr).toBe(false);
      }
      expect(Math.abs(whole.elevationGainM! - (summary.totalElevationGainInMeters as number))).toBeLessThanOrEqual(1);
      if (summary.averageRunCadenceInStepsPerMinute !== undefined) {
        const cadence = details.samples.slice(0, -1).reduce((s, x) => s + x.cadence! * 5, 0) / (summary.durationInSeconds as number);
        // The last interval may be shorter than 5 s; a tenth of a step per minute covers it and the rounding.
        expect(Math.abs(cadence - (summary.averageRunCadenceInStepsPerMinute as number))).toBeLessThanOrEqual(0.6);
      }
      expect(series.hasGps).toBe(kind.gps);
    }
  });

  it('are deterministic and varied: intervals on some days, some runs without HR or GPS', () => {
    expect(activityDetailsFor(all[0]!)).toEqual(activityDetailsFor(all[0]!));
    const kinds = all.map(detailKind);
    expect(kinds.filter((k) => k.intervals).length).toBeGreaterThan(5);
    expect(kinds.filter((k) => !k.hr).length).toBeGreaterThan(0);
    expect(all.filter((s, i) => !kinds[i]!.gps && s.activityType !== 'TREADMILL_RUNNING').length).toBeGreaterThan(0);
    const treadmill = all.find((s) => s.activityType === 'TREADMILL_RUNNING')!;
    expect(detailKind(treadmill).gps).toBe(false);
    // An interval session has a lap per phase: warm-up, repeats of hard and easy, cool-down.
    const session = all.find((_, i) => kinds[i]!.intervals)!;
    const reps = Math.floor(((session.durationInSeconds as number) - 1200) / 300);
    expect(parseActivityDetails(activityDetailsFor(session))!.lapStarts).toHaveLength(2 + 2 * reps);
  });

  it('analyse without a NaN anywhere', () => {
    const profile = { model: 'hrr' as const, max_hr: 190, resting_hr: 48, estimated: false, max_hr_source: 'setting' as const, resting_hr_source: 'setting' as const, zones: zonesFor('hrr', 190, 48) };
    for (let day = FIRST_DAY; day < FIRST_DAY + 21; day++) {
      for (const record of activityDetailsForDay(day)) {
        const analysis = analyzeActivity(parseActivityDetails(record.body)!, profile);
        expect(numbersIn(analysis).every(Number.isFinite)).toBe(true);
        expect(analysis.splits.length).toBe(Math.ceil((analysis.distance_m ?? 0) / 1000 - 0.001));
      }
    }
  });

  it('wellness summaries have Garmin’s shapes', () => {
    for (const stream of WELLNESS_STREAMS) expect(wellnessRecordsForDay(stream, FIRST_DAY + 5)).toEqual(wellnessRecordsForDay(stream, FIRST_DAY + 5));
    const stress = wellnessRecordsForDay('stressDetails', FIRST_DAY)[0]!.body;
    expect(Object.keys(stress.timeOffsetStressLevelValues as object)).toHaveLength(480); // 24 h / 3 min
    expect(Object.values(stress.timeOffsetStressLevelValues as object).every((v: number) => v === -1 || v === -2 || (v >= 1 && v <= 100))).toBe(true);
    const weighIns = Array.from({ length: 7 }, (_, i) => wellnessRecordsForDay('bodyComps', FIRST_DAY + i)).flat();
    expect(weighIns).toHaveLength(1);
    expect(weighIns[0]!.body).toMatchObject({ measurementTimeOffsetInSeconds: 3600 });
    expect(wellnessRecordsForDay('pulseOx', FIRST_DAY)[0]!.body).toMatchObject({ onDemand: false, durationInSeconds: 21_600 });
    expect(wellnessRecordsForDay('respiration', FIRST_DAY)).toHaveLength(24);
  });
});
