import { describe, expect, it } from 'vitest';
import { addDays } from '../../src-common/dates.js';
import { hrvStatus } from '../../src-main/core/analysis/hrv.js';
import { restingHrTrend, sleepSeconds, sleepTrend, type DatedValue } from '../../src-main/core/analysis/trends.js';

const TODAY = '2026-03-31';

/** 53 nights alternating 50, 60 ms (50 first) from 59 days ago, then 7 nights of `week` (or the pattern going on). */
function nights(week: number | null): DatedValue[] {
  return Array.from({ length: 60 }, (_, k) => ({ date: addDays(TODAY, k - 59), value: k >= 53 && week !== null ? week : k % 2 ? 60 : 50 }));
}

describe('HRV status against the 60-day baseline', () => {
  it('balanced: the week inside mean ± 0.75 SD', () => {
    // 30 × 50 and 30 × 60: mean 55, SD 5, range 55 ± 3.75 = 51.25–58.75.
    // The last 7 nights (k = 53…59): 60, 50, 60, 50, 60, 50, 60 = 390 / 7 = 55.71 → balanced.
    expect(hrvStatus(nights(null), TODAY)).toEqual({ date: TODAY, seven_day_avg: 55.7, baseline: { mean: 55, sd: 5, low: 51.3, high: 58.8, nights: 60 }, status: 'balanced' });
  });

  it('below and above', () => {
    // 27 × 50 + 26 × 60 + 7 × 40 = 3,190 / 60 = 53.17; squares 67,500 + 93,600 + 11,200 = 172,300 / 60
    // − 53.17² = 2,871.67 − 2,826.69 = 44.97 → SD 6.71; range 53.17 ± 5.03 = 48.14–58.20; week 40 → below.
    expect(hrvStatus(nights(40), TODAY)).toMatchObject({ seven_day_avg: 40, baseline: { mean: 53.2, sd: 6.7, low: 48.1, high: 58.2 }, status: 'below' });
    // With 7 × 70: 3,400 / 60 = 56.67; squares 195,400 / 60 − 56.67² = 3,256.67 − 3,211.11 = 45.56 → SD 6.75;
    // range 56.67 ± 5.06 = 51.60–61.73; week 70 → above.
    expect(hrvStatus(nights(70), TODAY)).toMatchObject({ seven_day_avg: 70, baseline: { mean: 56.7, sd: 6.7, low: 51.6, high: 61.7 }, status: 'above' });
  });

  it('ignores absurd, missing and repeated nights; waits for enough nights', () => {
    const noisy = [...nights(null), { date: TODAY, value: 0 }, { date: TODAY, value: 500 }, { date: TODAY, value: null }, { date: 'garbage', value: 55 }];
    expect(hrvStatus(noisy, TODAY).status).toBe('balanced');
    // A second value for a night already counted is ignored (the first one counts).
    expect(hrvStatus([...nights(null), { date: TODAY, value: 200 }], TODAY).seven_day_avg).toBe(55.7);
    // 20 nights: no baseline yet (21 needed).
    expect(hrvStatus(nights(null).slice(-20), TODAY)).toMatchObject({ baseline: null, status: null, seven_day_avg: 55.7 });
    // 2 nights in the last week: no weekly average.
    const sparse = nights(null).filter((n) => n.date < addDays(TODAY, -6) || n.date >= addDays(TODAY, -1));
    expect(hrvStatus(sparse, TODAY)).toMatchObject({ seven_day_avg: null, status: null });
  });
});

/** 28 days: 21 of `before`, then 7 of `after`, ending today. */
function month(before: number, after: number): DatedValue[] {
  return Array.from({ length: 28 }, (_, k) => ({ date: addDays(TODAY, k - 27), value: k < 21 ? before : after }));
}

describe('resting HR and sleep trends', () => {
  it('resting HR rising: 7-day mean above the 28-day mean by more than 2 bpm', () => {
    // Mean 7 = 54; mean 28 = (21 · 50 + 7 · 54) / 28 = 1,428 / 28 = 51; delta 3 > 2 → rising.
    // Slope over x = −27…0: Σ(x − x̄)(y − ȳ) = −1 · (−73.5) + 3 · 73.5 = 294; Σ(x − x̄)² = 28 · (28² − 1) / 12 = 1,827;
    // 294 / 1,827 = 0.16092 bpm a day → 1.126 → 1.1 a week.
    expect(restingHrTrend(month(50, 54), TODAY)).toEqual({ date: TODAY, mean_7d: 54, mean_28d: 51, delta: 3, slope_per_week: 1.1, direction: 'rising' });
    expect(restingHrTrend(month(50, 51), TODAY).direction).toBe('stable'); // delta 0.75
  });

  it('sleep falling: 45 minutes a night less this week', () => {
    // 21 nights of 8 h (28,800 s), 7 of 7 h (25,200 s): mean 28 = 781,200 / 28 = 27,900; delta −2,700 s < −1,200.
    // Slope: 900 · (−73.5) + (−2,700) · 73.5 = −264,600 / 1,827 = −144.83 s a day → −1,013.8 → −1,014 a week.
    expect(sleepTrend(month(28_800, 25_200), TODAY)).toEqual({ date: TODAY, mean_7d: 25_200, mean_28d: 27_900, delta: -2700, slope_per_week: -1014, direction: 'falling' });
  });

  it('ignores implausible values and needs 3 days a week, 10 a month', () => {
    const values = [...month(50, 54), { date: TODAY, value: 0 }, { date: TODAY, value: 250 }];
    expect(restingHrTrend(values, TODAY).mean_7d).toBe(54);
    expect(restingHrTrend(month(50, 54).slice(-2), TODAY)).toEqual({ date: TODAY, mean_7d: null, mean_28d: null, delta: null, slope_per_week: null, direction: null });
    expect(restingHrTrend(month(50, 54).slice(-9), TODAY)).toMatchObject({ mean_7d: 54, mean_28d: null, direction: null });
  });

  it('time asleep: stages when known, else duration − awake', () => {
    expect(sleepSeconds({ duration_s: 30_000, deep_s: 5_000, light_s: 15_000, rem_s: 7_000, awake_s: 3_000 })).toBe(27_000);
    expect(sleepSeconds({ duration_s: 30_000, awake_s: 1_800 })).toBe(28_200);
    expect(sleepSeconds({ duration_s: 30_000 })).toBe(30_000);
    expect(sleepSeconds({ duration_s: null })).toBeNull();
  });
});
