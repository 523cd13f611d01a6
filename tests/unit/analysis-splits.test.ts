import { describe, expect, it } from 'vitest';
import { bestEfforts, fastestOver } from '../../src-main/core/analysis/efforts.js';
import { recordsOver, updateRecords } from '../../src-main/core/analysis/records.js';
import { cleanSamples } from '../../src-main/core/analysis/samples.js';
import { drift, laps, splits } from '../../src-main/core/analysis/splits.js';

/**
 * A 10-minute run sampled every 60 s: 4 m/s for 300 s (1,200 m), then 3 m/s for 300 s (900 m).
 * Each interval holds its first sample's HR and climbs to the next sample's elevation.
 *   t (s)      0    60   120  180  240  300  360  420  480  540  600
 *   d (m)      0   240   480  720  960 1200 1380 1560 1740 1920 2100
 *   hr       120   130   140  150  160  160  165  170  170  175  180
 *   elev (m)  10    12    11   15   15   15   20   20   18   18   18
 */
const T = [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600];
const D = [0, 240, 480, 720, 960, 1200, 1380, 1560, 1740, 1920, 2100];
const HR = [120, 130, 140, 150, 160, 160, 165, 170, 170, 175, 180];
const ELEV = [10, 12, 11, 15, 15, 15, 20, 20, 18, 18, 18];
const run = cleanSamples(T.map((t, i) => ({ t, distance: D[i], hr: HR[i], elevation: ELEV[i] })));

describe('splits', () => {
  it('per km, hand-computed', () => {
    expect(splits(run, 'km')).toEqual([
      // 0–1,000 m: intervals 0–3 whole (960 m, 240 s) + 40/240 of interval 4 (10 s) = 250 s.
      // HR: (120 + 130 + 140 + 150)·60 + 160·10 = 34,000 / 250 = 136. Climb: +2 + 4 = 6 m.
      { index: 1, distance_m: 1000, moving_s: 250, pace_s: 250, avg_hr: 136, max_hr: 160, elevation_gain_m: 6 },
      // 1,000–2,000 m: 200/240 of interval 4 (50 s at 160), intervals 5–8 (240 s at 160, 165, 170, 170),
      // 80/180 of interval 9 (26.67 s at 175) = 316.67 s.
      // HR: (8,000 + 9,600 + 9,900 + 10,200 + 10,200 + 4,666.7) / 316.67 = 52,566.7 / 316.67 = 166. Climb: 15 → 20 = 5 m.
      { index: 2, distance_m: 1000, moving_s: 316.7, pace_s: 316.7, avg_hr: 166, max_hr: 175, elevation_gain_m: 5 },
      // The last 100 m: 100/180 of interval 9 = 33.33 s → 333.3 s/km.
      { index: 3, distance_m: 100, moving_s: 33.3, pace_s: 333.3, avg_hr: 175, max_hr: 175, elevation_gain_m: 0 },
    ]);
  });

  it('per mile (1,609.344 m) when the runner prefers', () => {
    const miles = splits(run, 'mi');
    // Mile 1: 1,200 m in 300 s + 360 m in 120 s + 49.344 m at 3 m/s (16.448 s) = 436.448 s.
    expect(miles[0]).toMatchObject({ index: 1, distance_m: 1609.3, moving_s: 436.4, pace_s: 436.4 });
    // The rest: 2,100 − 1,609.344 = 490.656 m at 3 m/s = 163.552 s; 1/3 s per m × 1,609.344 = 536.4 s/mile.
    expect(miles[1]).toMatchObject({ index: 2, distance_m: 490.7, moving_s: 163.6, pace_s: 536.4 });
  });

  it('has none without distance, and folds a last part under 1 m into the split before', () => {
    expect(splits(cleanSamples([{ t: 0, hr: 150 }, { t: 5, hr: 150 }]))).toEqual([]);
    // 1,000.5 m: one split of 1,000.5 m, not a second one of 0.5 m.
    const s = splits(cleanSamples([{ t: 0, distance: 0 }, { t: 200, distance: 500 }, { t: 400, distance: 1000.5 }]));
    expect(s.map((x) => x.distance_m)).toEqual([1000.5]);
  });

  it('leaves a pause out of the split it happened in', () => {
    // 500 m in 100 s, a 300 s stop (0 m), 500 m in 100 s: one km in 200 s of moving time.
    const paused = cleanSamples([{ t: 0, distance: 0 }, { t: 100, distance: 500 }, { t: 400, distance: 500 }, { t: 500, distance: 1000 }]);
    expect(splits(paused)).toEqual([{ index: 1, distance_m: 1000, moving_s: 200, pace_s: 200, avg_hr: null, max_hr: null, elevation_gain_m: null }]);
  });
});

describe('laps', () => {
  it('one row per lap, hand-computed, ignoring duplicate and out-of-range lap starts', () => {
    const expected = [
      // 0–300 s: 1,200 m at 4 m/s → 250 s/km; HR (120 + 130 + 140 + 150 + 160) / 5 = 140; climb +2 + 4 = 6.
      { index: 1, start_s: 0, elapsed_s: 300, distance_m: 1200, moving_s: 300, pace_s: 250, avg_hr: 140, max_hr: 160, elevation_gain_m: 6 },
      // 300–600 s: 900 m → 333.3 s/km; HR (160 + 165 + 170 + 170 + 175) / 5 = 168; climb +5.
      { index: 2, start_s: 300, elapsed_s: 300, distance_m: 900, moving_s: 300, pace_s: 333.3, avg_hr: 168, max_hr: 175, elevation_gain_m: 5 },
    ];
    expect(laps(run, [300])).toEqual(expected);
    expect(laps(run, [300, 300, -5, 900, Number.NaN])).toEqual(expected);
  });

  it('is the whole activity without laps, and empty without samples', () => {
    expect(laps(run, [])).toHaveLength(1);
    expect(laps(run, [])[0]).toMatchObject({ distance_m: 2100, moving_s: 600, elapsed_s: 600 });
    expect(laps(cleanSamples([]), [10])).toEqual([]);
  });
});

describe('pace and HR drift', () => {
  it('compares the two halves of the moving time', () => {
    // Halves 0–300 s and 300–600 s: pace 250 → 333.3 s/km, HR 140 → 168.
    // Pace drift (333.33 − 250) / 250 = 33.3 %; HR drift 28 / 140 = 20 %;
    // decoupling 1 − (3/168) / (4/140) = 1 − 420/672 = 37.5 %.
    expect(drift(run)).toEqual({ pace_drift_pct: 33.3, hr_drift_pct: 20, decoupling_pct: 37.5 });
  });

  it('answers nulls for a run under 10 minutes, and HR figures null without HR', () => {
    expect(drift(cleanSamples(T.slice(0, 6).map((t, i) => ({ t, distance: D[i], hr: HR[i] }))))).toEqual({ pace_drift_pct: null, hr_drift_pct: null, decoupling_pct: null });
    expect(drift(cleanSamples(T.map((t, i) => ({ t, distance: D[i] }))))).toEqual({ pace_drift_pct: 33.3, hr_drift_pct: null, decoupling_pct: null });
  });
});

describe('best efforts', () => {
  it('finds the fastest kilometre between samples by interpolation', () => {
    // 3 m/s to 300 m, 5 m/s to 800 m, 4 m/s to 1,200 m, 3 m/s to 1,500 m (samples every 100 s).
    // Ending at 1,200 m (300 s): the start at 200 m is 66.7 s in → 233.3 s. Starting at 300 m (100 s):
    // the end at 1,300 m is 33.3 s after 300 s → 233.3 s. From 0: 1,000 m at 250 s. Ending at 1,500 m:
    // start 500 m at 140 s → 260 s. Fastest: 233.3 s.
    const s = cleanSamples([0, 300, 800, 1200, 1500].map((distance, i) => ({ t: i * 100, distance })));
    expect(bestEfforts(s)).toEqual([{ label: '1k', distance_m: 1000, time_s: 233.3, pace_s_per_km: 233.3, start_m: 200 }]);
  });

  it('excludes paused time, and finds nothing in a run too short or without distance', () => {
    // 500 m in 100 s, a 300 s stop, 500 m in 100 s: 1 km in 200 s.
    const paused = cleanSamples([{ t: 0, distance: 0 }, { t: 100, distance: 500 }, { t: 400, distance: 500 }, { t: 500, distance: 1000 }]);
    expect(fastestOver(paused, 1000)?.time).toBe(200);
    expect(bestEfforts(cleanSamples([{ t: 0, distance: 0 }, { t: 100, distance: 999 }]))).toEqual([]);
    expect(bestEfforts(cleanSamples([{ t: 0, hr: 140 }, { t: 5, hr: 150 }]))).toEqual([]);
  });

  it('every standard distance inside a steady marathon at 3 m/s', () => {
    // Samples every 10 s to 14,070 s (42,210 m): each distance / 3 m/s.
    const steady = cleanSamples(Array.from({ length: 1408 }, (_, i) => ({ t: i * 10, distance: i * 30 })));
    expect(bestEfforts(steady).map((e) => [e.label, e.time_s])).toEqual([
      ['1k', 333.3], // 1,000 / 3
      ['5k', 1666.7], // 5,000 / 3
      ['10k', 3333.3], // 10,000 / 3
      ['half_marathon', 7032.5], // 21,097.5 / 3
      ['marathon', 14065], // 42,195 / 3
    ]);
  });
});

describe('personal records', () => {
  const effort = (label: '1k' | '5k', time_s: number) => ({ label, distance_m: label === '1k' ? 1000 : 5000, time_s, pace_s_per_km: label === '1k' ? time_s : time_s / 5, start_m: 0 });

  it('are updated as runs arrive, a tie keeping the earlier one', () => {
    let r = updateRecords({}, { summary_id: 'a', date: '2026-01-01', efforts: [effort('1k', 240), effort('5k', 1300)] });
    expect(r.improved).toEqual(['1k', '5k']);
    r = updateRecords(r.records, { summary_id: 'b', date: '2026-01-02', efforts: [effort('1k', 235), effort('5k', 1300)] });
    // 235 < 240: a new 1k record; 1,300 = 1,300: the 5k stays with run a.
    expect(r.improved).toEqual(['1k']);
    expect(r.records['1k']).toMatchObject({ summary_id: 'b', time_s: 235, date: '2026-01-02' });
    expect(r.records['5k']).toMatchObject({ summary_id: 'a', time_s: 1300 });
    expect(r.rebuild).toBe(false);
  });

  it('ask for a rebuild when the record-holding run arrives again slower, and ignore absurd times', () => {
    const first = updateRecords({}, { summary_id: 'a', date: '2026-01-01', efforts: [effort('1k', 240)] });
    const again = updateRecords(first.records, { summary_id: 'a', date: '2026-01-01', efforts: [effort('1k', 250), effort('5k', Number.NaN)] });
    expect(again).toEqual({ records: first.records, improved: [], rebuild: true });
  });

  it('over a whole history, in date order', () => {
    const records = recordsOver([
      { summary_id: 'late', date: '2026-03-01', efforts: [effort('1k', 230)] },
      { summary_id: 'early', date: '2026-01-01', efforts: [effort('1k', 230), effort('5k', 1250)] },
    ]);
    expect(records['1k']?.summary_id).toBe('early');
    expect(records['5k']?.time_s).toBe(1250);
  });
});
