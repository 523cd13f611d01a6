/**
 * HRV status: this week's overnight HRV against the runner's own 60-day normal range.
 */
import type { HrvAssessment, HrvStatus } from '../../../src-common/coaching-contract.js';
import { dayNumber } from '../../../src-common/dates.js';
import { mean, populationSd, roundOrNull, within } from './stats.js';
import type { DatedValue } from './trends.js';

export const BASELINE_DAYS = 60;
/** Half-width of the normal range in standard deviations (as HRV4Training and Plews use). */
export const BAND_SD = 0.75;
/** Three weeks of nights before a baseline means anything (Garmin too waits about three weeks). */
export const MIN_BASELINE_NIGHTS = 21;
export const MIN_WEEK_NIGHTS = 3;
/** Overnight averages outside this range are not physiological readings. */
export const HRV_RANGE = [1, 300] as const;

/**
 * The HRV status on `date`: the mean of the nights in the 7 days ending that day, against the
 * normal range mean ± 0.75 × SD (population) of the nights in the 60 days ending that day. Below
 * the range: `below`; above: `above`; inside or on its edge: `balanced`. A night outside
 * 1–300 ms, or a second value for the same night, is ignored (the first one counts).
 */
export function hrvStatus(nights: readonly DatedValue[], date: string): HrvAssessment {
  const today = dayNumber(date);
  const byDay = new Map<number, number>();
  for (const n of nights) {
    const day = dayNumber(n.date);
    if (!Number.isFinite(day) || !within(n.value, HRV_RANGE[0], HRV_RANGE[1]) || byDay.has(day)) continue;
    byDay.set(day, n.value);
  }
  const inLast = (days: number) => [...byDay].filter(([day]) => day <= today && day > today - days).map(([, v]) => v);
  const week = inLast(7);
  const base = inLast(BASELINE_DAYS);
  const weekAvg = week.length >= MIN_WEEK_NIGHTS ? mean(week) : null;
  let baseline: HrvAssessment['baseline'] = null;
  if (base.length >= MIN_BASELINE_NIGHTS) {
    const m = mean(base)!;
    const sd = populationSd(base)!;
    baseline = { mean: roundOrNull(m, 1)!, sd: roundOrNull(sd, 1)!, low: roundOrNull(m - BAND_SD * sd, 1)!, high: roundOrNull(m + BAND_SD * sd, 1)!, nights: base.length };
  }
  let status: HrvStatus | null = null;
  if (weekAvg !== null && baseline !== null) {
    // Compared unrounded, so the edge case is decided by the data, not by display rounding.
    const m = mean(base)!;
    const half = BAND_SD * populationSd(base)!;
    status = weekAvg < m - half ? 'below' : weekAvg > m + half ? 'above' : 'balanced';
  }
  return { date, seven_day_avg: roundOrNull(weekAvg, 1), baseline, status };
}
