/**
 * Splits per kilometre or mile, the lap table and pace/HR drift of one activity, from its cleaned
 * series (samples.ts). Times are moving times: a pause counts in no split.
 */
import type { Drift, Lap, Split, SplitUnit } from '../../../src-common/coaching-contract.js';
import { UNIT_METRES } from '../../../src-common/units.js';
import type { Series } from './samples.js';
import { totalsByDistance, totalsByElapsed, totalsByMoving, type WindowTotals } from './windows.js';
import { round, roundOrNull } from './stats.js';

/** Seconds per `unitM` metres, or null when no distance was covered. */
const paceOf = (t: WindowTotals, unitM: number) => (t.distanceM > 0 ? (t.movingS / t.distanceM) * unitM : null);

/** A split or lap's figures, rounded for an answer. */
function figures(t: WindowTotals, unitM: number) {
  return {
    distance_m: round(t.distanceM, 1),
    moving_s: round(t.movingS, 1),
    pace_s: roundOrNull(paceOf(t, unitM), 1),
    avg_hr: roundOrNull(t.avgHr, 1),
    max_hr: t.maxHr,
    elevation_gain_m: roundOrNull(t.elevationGainM, 1),
  };
}

/**
 * Splits every full kilometre (or mile), plus the last part when the activity ends between two
 * boundaries and that part is at least 1 m. No splits without distance.
 */
export function splits(series: Series, unit: SplitUnit = 'km'): Split[] {
  const total = series.distanceM;
  if (total === null || total <= 0) return [];
  const unitM = UNIT_METRES[unit];
  const out: Split[] = [];
  // A rest shorter than 1 m would be a split of rounding noise; it is folded into the last one.
  const count = Math.floor(total / unitM) + (total % unitM >= 1 ? 1 : 0);
  for (let k = 0; k < count; k++) {
    const from = k * unitM;
    const last = k === count - 1;
    const to = last ? total : from + unitM;
    out.push({ index: k + 1, ...figures(totalsByDistance(series, from, to, last), unitM) });
  }
  return out;
}

/**
 * The lap table. Lap starts (seconds since the activity started) are sorted and deduplicated; a
 * start outside the activity is ignored; the first lap always starts at 0. Without laps the whole
 * activity is one lap. Each lap runs to the next lap's start or to the end.
 */
export function laps(series: Series, lapStarts: readonly number[]): Lap[] {
  const first = series.samples[0];
  if (!first) return [];
  const end = series.samples[series.samples.length - 1]!.t;
  const starts = [...new Set([first.t, ...lapStarts.filter((s) => Number.isFinite(s) && s > first.t && s < end)])].sort((a, b) => a - b);
  return starts.map((start, k) => {
    const stop = starts[k + 1] ?? end;
    const t = totalsByElapsed(series, start, stop);
    return { index: k + 1, start_s: round(start, 1), elapsed_s: round(stop - start, 1), ...figures(t, 1000) };
  });
}

/** Drift needs a run long enough for the heart rate to settle and drift; shorter ones answer nulls. */
export const MIN_DRIFT_S = 600;
/** A half whose HR covers less than this share of its moving time has no trustworthy average. */
const MIN_HR_COVERAGE = 0.5;

/**
 * Pace and HR drift between the two halves of the moving time: pace drift = (p2 − p1) / p1,
 * HR drift = (h2 − h1) / h1, decoupling = (s1/h1 − s2/h2) / (s1/h1), each × 100 (s = speed).
 */
export function drift(series: Series): Drift {
  const none = { pace_drift_pct: null, hr_drift_pct: null, decoupling_pct: null };
  if (series.movingS < MIN_DRIFT_S) return none;
  const half = series.movingS / 2;
  const a = totalsByMoving(series, 0, half);
  const b = totalsByMoving(series, half, series.movingS);
  const hrA = a.hrS >= MIN_HR_COVERAGE * a.movingS ? a.avgHr : null;
  const hrB = b.hrS >= MIN_HR_COVERAGE * b.movingS ? b.avgHr : null;
  const paceA = paceOf(a, 1000);
  const paceB = paceOf(b, 1000);
  const pct = (x: number | null, y: number | null) => (x !== null && y !== null && x > 0 ? roundOrNull(((y - x) / x) * 100, 1) : null);
  const efA = paceA !== null && hrA !== null ? 1000 / paceA / hrA : null;
  const efB = paceB !== null && hrB !== null ? 1000 / paceB / hrB : null;
  return {
    pace_drift_pct: pct(paceA, paceB),
    hr_drift_pct: pct(hrA, hrB),
    decoupling_pct: efA !== null && efB !== null && efA > 0 ? roundOrNull(((efA - efB) / efA) * 100, 1) : null,
  };
}
