import { describe, expect, it } from 'vitest';
import { addDays } from '../../src-common/dates.js';
import { activityLoad, loadSeries, trimpPerMinute, weeklyLoad, type DatedLoad } from '../../src-main/core/analysis/load.js';
import { cleanSamples } from '../../src-main/core/analysis/samples.js';

const profile = { maxHr: 190, restingHr: 50 };

/** Samples every 60 s at 3 m/s, one HR per interval (and a last sample). */
function minutes(hrs: Array<number | null>) {
  return cleanSamples([...hrs, null].map((hr, i) => ({ t: i * 60, distance: i * 180, hr })));
}

describe('TRIMP (Banister)', () => {
  it('per minute: x · 0.64 · e^(k·x), x = (HR − rest) / (max − rest) clamped to 0–1', () => {
    // 120 bpm: x = 70/140 = 0.5 → 0.5 · 0.64 · e^0.96 = 0.32 · 2.611696 = 0.835743.
    expect(trimpPerMinute(120, profile)).toBeCloseTo(0.835743, 6);
    // 162 bpm: x = 0.8 → 0.512 · e^1.536 = 0.512 · 4.645969 = 2.378736.
    expect(trimpPerMinute(162, profile)).toBeCloseTo(2.378736, 6);
    // Above max: x = 1 → 0.64 · e^1.92 = 0.64 · 6.820958 = 4.365413; below rest: x = 0 → 0.
    expect(trimpPerMinute(200, profile)).toBeCloseTo(4.365413, 6);
    expect(trimpPerMinute(40, profile)).toBe(0);
    // A woman's k = 1.67: 0.32 · e^0.835 = 0.32 · 2.304814 = 0.737540.
    expect(trimpPerMinute(120, { ...profile, k: 1.67 })).toBeCloseTo(0.73754, 5);
  });

  it('from HR samples: 10 min at 120 + 10 min at 162', () => {
    // 10 · 0.835743 + 10 · 2.378736 = 8.35743 + 23.78736 = 32.14479 → 32.1.
    expect(activityLoad({ series: minutes([...Array(10).fill(120), ...Array(10).fill(162)]) }, profile)).toEqual({ trimp: 32.1, method: 'hr_samples' });
  });

  it('scales up HR that covers at least half the moving time', () => {
    // 10 min at 120 + 5 at 162 + 5 without HR: (8.35743 + 11.89368) · 1200 / 900 = 27.00148 → 27.0.
    expect(activityLoad({ series: minutes([...Array(10).fill(120), ...Array(5).fill(162), ...Array(5).fill(null)]) }, profile)).toEqual({ trimp: 27, method: 'hr_samples' });
  });

  it('falls back to the average HR, then to duration × a fixed intensity', () => {
    // HR on 5 of 20 min (< half): the summary's 150 bpm over the 20 moving minutes.
    // x = 100/140 = 0.714286 → 0.457143 · e^1.371429 = 0.457143 · 3.940977 = 1.801589; × 20 = 36.03 → 36.0.
    const sparse = minutes([...Array(5).fill(120), ...Array(15).fill(null)]);
    expect(activityLoad({ series: sparse, avgHr: 150 }, profile)).toEqual({ trimp: 36, method: 'avg_hr' });
    // No samples at all: the summary's 3,600 s × 1.801589 / min = 108.095 → 108.1.
    expect(activityLoad({ avgHr: 150, durationS: 3600 }, profile)).toEqual({ trimp: 108.1, method: 'avg_hr' });
    // No HR anywhere: 20 min × TRIMP/min at 60 % of reserve: 0.6 · 0.64 · e^1.152 = 0.384 · 3.164516 = 1.215174 → 24.3.
    expect(activityLoad({ series: sparse }, profile)).toEqual({ trimp: 24.3, method: 'duration' });
    // No HR profile (nothing set, nothing to estimate from): the same duration rule.
    expect(activityLoad({ series: minutes(Array(20).fill(150)), avgHr: 150 }, null)).toEqual({ trimp: 24.3, method: 'duration' });
  });

  it('never answers NaN: broken profile, no duration, negative duration', () => {
    expect(activityLoad({ avgHr: 150, durationS: 3600 }, { maxHr: 50, restingHr: 50 })).toEqual({ trimp: 72.9, method: 'duration' }); // 60 × 1.215174
    expect(activityLoad({}, profile)).toEqual({ trimp: 0, method: 'duration' });
    expect(activityLoad({ durationS: -60, avgHr: Number.NaN }, profile)).toEqual({ trimp: 0, method: 'duration' });
    expect(activityLoad({ series: cleanSamples([]) , durationS: null }, profile)).toEqual({ trimp: 0, method: 'duration' });
  });
});

/**
 * A history from Thu 2026-01-01: 50 a day for 21 days (Jan 1–21), then Jan 22–28:
 * 100 (two runs, 60 + 40), 0, 50, 0, 100, 0, 100. Jan 29 has no run.
 */
function history(): DatedLoad[] {
  const loads: DatedLoad[] = [];
  for (let i = 0; i < 21; i++) loads.push({ date: addDays('2026-01-01', i), load: 50 });
  loads.push({ date: '2026-01-22', load: 60 }, { date: '2026-01-22', load: 40 }, { date: '2026-01-24', load: 50 }, { date: '2026-01-26', load: 100 }, { date: '2026-01-28', load: 100 });
  return loads;
}

describe('acute and chronic load, ACWR, monotony, strain', () => {
  it('matches a hand-computed fixture', () => {
    const days = loadSeries(history(), '2026-01-06', '2026-01-29');
    const on = (date: string) => days.find((d) => d.date === date)!;
    // Jan 6: only 6 days of history: no acute, no chronic.
    expect(on('2026-01-06')).toEqual({ date: '2026-01-06', load: 50, acute: null, chronic: null, acwr: null, monotony: null, strain: null });
    // Jan 21: 7 days of 50 → acute 50; 21 days of history < 28 → no chronic; SD 0 → no monotony, no strain.
    expect(on('2026-01-21')).toEqual({ date: '2026-01-21', load: 50, acute: 50, chronic: null, acwr: null, monotony: null, strain: null });
    // Jan 28: the week 100, 0, 50, 0, 100, 0, 100 = 350 → acute 50; 28 days: 21 · 50 + 350 = 1,400 / 28 = 50; ACWR 1.
    // Population SD: deviations ±50 on six days, 0 on one → √(6 · 2,500 / 7) = √2,142.857 = 46.291;
    // monotony 50 / 46.291 = 1.0801 → 1.08; strain 350 · 1.0801 = 378.04 → 378.
    expect(on('2026-01-28')).toEqual({ date: '2026-01-28', load: 100, acute: 50, chronic: 50, acwr: 1, monotony: 1.08, strain: 378 });
    // Jan 29 (rest): week 0, 50, 0, 100, 0, 100, 0 = 250 → acute 35.714 → 35.7;
    // Jan 2–29: 1,400 − 50 (Jan 1) + 0 = 1,350 / 28 = 48.214 → 48.2; ACWR 35.714 / 48.214 = 0.7407 → 0.74.
    // SD: mean 35.714; deviations² 4 · 1,275.5 + 2 · 4,132.7 + 204.1 = 13,571.4 / 7 = 1,938.8 → 44.032;
    // monotony 35.714 / 44.032 = 0.8111 → 0.81; strain 250 · 0.8111 = 202.8.
    expect(on('2026-01-29')).toEqual({ date: '2026-01-29', load: 0, acute: 35.7, chronic: 48.2, acwr: 0.74, monotony: 0.81, strain: 202.8 });
  });

  it('ignores NaN and negative loads, and a history start makes earlier days unknown', () => {
    const loads = [...history(), { date: '2026-01-28', load: Number.NaN }, { date: '2026-01-28', load: -500 }, { date: 'not a date', load: 10 }];
    expect(loadSeries(loads, '2026-01-28', '2026-01-28')[0]).toMatchObject({ load: 100, acute: 50, chronic: 50 });
    // The runner's data starts Jan 10 (the first days had no watch): Jan 28 has only 19 known days.
    expect(loadSeries(history(), '2026-01-28', '2026-01-28', '2026-01-10')[0]).toMatchObject({ acute: 50, chronic: null, acwr: null });
    // Seven equal days of 33.3: the SD is 0 (not float noise), so no monotony and no strain.
    const equal = Array.from({ length: 7 }, (_, i) => ({ date: addDays('2026-01-01', i), load: 33.3 }));
    expect(loadSeries(equal, '2026-01-07', '2026-01-07')[0]).toMatchObject({ acute: 33.3, monotony: null, strain: null });
    expect(loadSeries([], '2026-01-28', '2026-01-29')).toEqual([
      { date: '2026-01-28', load: 0, acute: null, chronic: null, acwr: null, monotony: null, strain: null },
      { date: '2026-01-29', load: 0, acute: null, chronic: null, acwr: null, monotony: null, strain: null },
    ]);
  });

  it('per ISO week, with time in zones added up', () => {
    const zones = { below_s: 60, z1_s: 600, z2_s: 1200, z3_s: 300, z4_s: 0, z5_s: 0, no_hr_s: 0 };
    const activities = history().map((a) => (a.date === '2026-01-22' || a.date === '2026-01-26' ? { ...a, zones } : a));
    const weeks = weeklyLoad(activities, 2, '2026-01-29');
    // Mon Jan 19 – Sun Jan 25: 50, 50, 50, 100, 0, 50, 0 = 300. Mean 42.857; deviations² 3 · 51.02 + 3265.3 + 1836.7 + 51.02 + 1836.7
    // = 7,142.9 / 7 = 1,020.4 → SD 31.944; monotony 42.857 / 31.944 = 1.3416 → 1.34; strain 300 · 1.3416 = 402.5.
    // Chronic on Jan 25 reaches Dec 29, before the history: no ACWR. Zones: the two runs on Jan 22.
    expect(weeks[0]).toEqual({ week_start: '2026-01-19', load: 300, monotony: 1.34, strain: 402.5, acwr: null, zones: { below_s: 120, z1_s: 1200, z2_s: 2400, z3_s: 600, z4_s: 0, z5_s: 0, no_hr_s: 0 } });
    // Mon Jan 26 – Sun Feb 1: 100, 0, 100, then four rest days = 200; zones of Jan 26 only.
    expect(weeks[1]).toMatchObject({ week_start: '2026-01-26', load: 200, zones });
  });
});
