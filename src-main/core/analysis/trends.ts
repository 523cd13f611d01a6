/**
 * Resting heart rate and sleep trends: this week against the last four, with a slope.
 */
import type { Trend } from '../../../src-common/coaching-contract.js';
import { dayNumber } from '../../../src-common/dates.js';
import { mean, roundOrNull, slope, within } from './stats.js';

/** A day's value (an overnight HRV in ms, a resting HR, a night's sleep seconds); a night's `date` is the day the runner woke up. */
export interface DatedValue {
  readonly date: string;
  readonly value: number | null;
}

export interface TrendRule {
  /** Plausible values; others are ignored. */
  readonly range: readonly [number, number];
  /** |delta| up to this is `stable`. */
  readonly stableBand: number;
  readonly digits: number;
}

/** Resting HR in bpm: a rise of more than 2 bpm over the month's mean is worth a coach's look. */
export const RESTING_HR_RULE: TrendRule = { range: [25, 120], stableBand: 2, digits: 1 };
/** Sleep in seconds asleep: more than 20 minutes a night away from the month's mean. */
export const SLEEP_RULE: TrendRule = { range: [1, 20 * 3600], stableBand: 20 * 60, digits: 0 };

const MIN_WEEK_VALUES = 3;
const MIN_MONTH_VALUES = 10;

/**
 * A trend on `date`. The 7-day mean needs 3 values, the 28-day mean and the slope 10; fewer
 * answer null. Values outside the rule's range, and a second value for the same day, are ignored.
 */
export function trend(values: readonly DatedValue[], date: string, rule: TrendRule): Trend {
  const today = dayNumber(date);
  const byDay = new Map<number, number>();
  for (const v of values) {
    const day = dayNumber(v.date);
    if (!Number.isFinite(day) || !within(v.value, rule.range[0], rule.range[1]) || byDay.has(day)) continue;
    byDay.set(day, v.value);
  }
  const inLast = (days: number) => [...byDay].filter(([day]) => day <= today && day > today - days);
  const week = inLast(7).map(([, v]) => v);
  const month = inLast(28);
  const m7 = week.length >= MIN_WEEK_VALUES ? mean(week) : null;
  const m28 = month.length >= MIN_MONTH_VALUES ? mean(month.map(([, v]) => v)) : null;
  const s = month.length >= MIN_MONTH_VALUES ? slope(month.map(([day, v]) => ({ x: day - today, y: v }))) : null;
  const delta = m7 !== null && m28 !== null ? m7 - m28 : null;
  return {
    date,
    mean_7d: roundOrNull(m7, rule.digits),
    mean_28d: roundOrNull(m28, rule.digits),
    delta: roundOrNull(delta, rule.digits),
    slope_per_week: roundOrNull(s === null ? null : s * 7, rule.digits),
    direction: delta === null ? null : delta > rule.stableBand ? 'rising' : delta < -rule.stableBand ? 'falling' : 'stable',
  };
}

/** A sleep's time asleep: deep + light + REM when known, else duration − awake, else duration. */
export function sleepSeconds(s: { duration_s?: number | null; deep_s?: number | null; light_s?: number | null; rem_s?: number | null; awake_s?: number | null }): number | null {
  const stages = [s.deep_s, s.light_s, s.rem_s];
  if (stages.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return (stages as number[]).reduce((a, b) => a + b, 0);
  if (typeof s.duration_s !== 'number' || !Number.isFinite(s.duration_s)) return null;
  const awake = typeof s.awake_s === 'number' && Number.isFinite(s.awake_s) && s.awake_s >= 0 ? s.awake_s : 0;
  return Math.max(0, s.duration_s - awake);
}

/** The resting HR trend from the dailies' resting HR. */
export const restingHrTrend = (days: readonly DatedValue[], date: string) => trend(days, date, RESTING_HR_RULE);
/** The sleep trend from seconds asleep per night (see sleepSeconds). */
export const sleepTrend = (nights: readonly DatedValue[], date: string) => trend(nights, date, SLEEP_RULE);
