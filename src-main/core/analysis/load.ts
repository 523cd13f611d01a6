/**
 * Training load: a TRIMP per activity, and per day the acute and chronic load, their ratio,
 * monotony and strain; per ISO week the totals. Formulas and constants: docs/metrics.md.
 */
import { addDays, dayNumber, dateOfDay, isDateShaped, isoWeekStart } from '../../../src-common/dates.js';
import type { ActivityLoad, LoadDay, LoadWeek, ZoneTime } from '../../../src-common/coaching-contract.js';
import type { Series } from './samples.js';
import { clamp, populationSd, round, roundOrNull } from './stats.js';
import { addZoneTimes } from './zones.js';

/**
 * Banister's weighting factor k: 1.92 for men, 1.67 for women (Banister 1991). Without the
 * runner's sex we use 1.92; the choice moves every figure by the same rule, so trends hold.
 */
export const TRIMP_K = { male: 1.92, female: 1.67 } as const;
export const DEFAULT_TRIMP_K = TRIMP_K.male;
/** The fraction of heart rate reserve assumed for an activity without any heart rate (easy-to-steady running). */
export const FALLBACK_HRR_FRACTION = 0.6;
/** HR samples must cover this share of the moving time; below it the activity's average HR is used instead. */
export const MIN_TRIMP_HR_COVERAGE = 0.5;

export interface TrimpInput {
  readonly maxHr: number;
  readonly restingHr: number;
  /** Banister's k; DEFAULT_TRIMP_K when absent. */
  readonly k?: number;
}

/** Banister's TRIMP per minute at a heart rate: x × 0.64 × e^(k·x), x = the fraction of HR reserve clamped to 0–1. */
export function trimpPerMinute(hr: number, profile: TrimpInput): number {
  const x = clamp((hr - profile.restingHr) / (profile.maxHr - profile.restingHr), 0, 1);
  return weight(x, profile.k ?? DEFAULT_TRIMP_K);
}
const weight = (x: number, k: number) => x * 0.64 * Math.exp(k * x);

/**
 * An activity's TRIMP, by the first method its data allows:
 * 1. `hr_samples`: Σ over moving intervals of minutes × TRIMP/min at the interval's HR, scaled up
 *    to the whole moving time when HR covers only part of it (at least half);
 * 2. `avg_hr`: moving minutes (else the summary's duration) × TRIMP/min at the summary's average HR;
 * 3. `duration`: minutes × TRIMP/min at 60 % of HR reserve (duration × a fixed intensity), also used
 *    when no HR profile is known.
 * A profile with max ≤ rest, or a negative duration, gives 0 rather than NaN.
 */
export function activityLoad(input: { series?: Series | null; avgHr?: number | null; durationS?: number | null }, profile: TrimpInput | null): ActivityLoad {
  const k = profile?.k ?? DEFAULT_TRIMP_K;
  const series = input.series ?? null;
  const minutes = Math.max(0, series && series.movingS > 0 ? series.movingS : (input.durationS ?? 0)) / 60;
  const valid = profile !== null && profile.maxHr > profile.restingHr;
  if (valid && series && series.movingS > 0) {
    let sum = 0;
    let hrS = 0;
    for (let i = 0; i + 1 < series.samples.length; i++) {
      const active = series.moving[i + 1]! - series.moving[i]!;
      const hr = series.samples[i]!.hr;
      if (active <= 0 || hr === null) continue;
      hrS += active;
      sum += (active / 60) * trimpPerMinute(hr, profile);
    }
    if (hrS >= MIN_TRIMP_HR_COVERAGE * series.movingS) return { trimp: round((sum * series.movingS) / hrS, 1), method: 'hr_samples' };
  }
  if (valid && input.avgHr != null && Number.isFinite(input.avgHr) && input.avgHr > 0) {
    return { trimp: round(minutes * trimpPerMinute(input.avgHr, profile), 1), method: 'avg_hr' };
  }
  return { trimp: round(minutes * weight(FALLBACK_HRR_FRACTION, k), 1), method: 'duration' };
}

/** One activity's load on its local date. */
export interface DatedLoad {
  readonly date: string;
  readonly load: number;
}

export const ACUTE_DAYS = 7;
export const CHRONIC_DAYS = 28;

/**
 * The load series from `from` to `to` (inclusive). Days without an activity load 0. A window
 * reaching before `historyStart` (the first day the runner had data; default: the first load's
 * date) answers null, because unknown days are not rest days. Acute and chronic are simple rolling
 * means (not exponentially weighted), so each can be checked by adding up days.
 */
export function loadSeries(loads: readonly DatedLoad[], from: string, to: string, historyStart?: string): LoadDay[] {
  const series = dailyLoads(loads, from, to, historyStart);
  const out: LoadDay[] = [];
  if (!series) return out;
  for (let day = series.first; day <= series.last; day++) out.push(series.on(day));
  return out;
}

/** The load series' days, each computed on demand: weeklyLoad needs only its Sundays. */
interface DailyLoads {
  readonly first: number;
  readonly last: number;
  /** The day's load, all activities added up. */
  readonly loadOn: (day: number) => number;
  /** The day of the series (first ≤ day ≤ last). */
  readonly on: (day: number) => LoadDay;
}

function dailyLoads(loads: readonly DatedLoad[], from: string, to: string, historyStart?: string): DailyLoads | null {
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (!Number.isFinite(first) || !Number.isFinite(last)) return null;
  // Each day's load in an array from the earliest day needed (a window of 28 days before
  // `from`), then prefix sums: one pass over the activities and one over the days, so five years
  // cost a few thousand additions (the bench's "training load over 5 years").
  const origin = first - CHRONIC_DAYS;
  const span = Math.max(0, last - origin + 1);
  const daily = new Float64Array(span);
  const dayOf = memoDayNumber();
  let firstLoadDay: number | null = null;
  for (const l of loads) {
    if (!Number.isFinite(l.load) || l.load < 0) continue; // a negative or NaN load is a bug upstream: ignore it
    const day = dayOf(l.date);
    if (!Number.isFinite(day)) continue;
    if (firstLoadDay === null || day < firstLoadDay) firstLoadDay = day;
    const k = day - origin;
    // A day's activities are added in the order given (0 + the first, then the next …).
    if (k >= 0 && k < span) daily[k] = daily[k]! + l.load;
  }
  const startDay = historyStart !== undefined ? dayNumber(historyStart) : firstLoadDay;
  const loadOn = (day: number) => daily[day - origin]!;
  const sum = new Float64Array(span + 1);
  for (let k = 0; k < span; k++) sum[k + 1] = sum[k]! + daily[k]!;
  /** Total load over the `days` days ending `day`, or null when they reach before the history. */
  const window = (day: number, days: number): number | null => {
    if (startDay === null || day - days + 1 < startDay) return null;
    const hi = day - origin + 1;
    const lo = hi - days;
    return sum[hi]! - sum[lo]!;
  };
  const days: number[] = new Array<number>(ACUTE_DAYS).fill(0);
  const on = (day: number): LoadDay => {
    const week = window(day, ACUTE_DAYS);
    const month = window(day, CHRONIC_DAYS);
    const acute = week !== null ? week / ACUTE_DAYS : null;
    const chronic = month !== null ? month / CHRONIC_DAYS : null;
    // The SD from the 7 values themselves (not from prefix sums of squares, whose float noise
    // would turn equal days into a monotony of millions).
    // Equal loads every day make the SD 0 and monotony infinite: no answer rather than Infinity.
    // Equality is tested on the values, since 7 × 33.3 leaves an SD of 1e-15, not 0.
    let sd: number | null = null;
    if (week !== null) {
      let equal = true;
      for (let k = 0; k < ACUTE_DAYS; k++) {
        days[k] = loadOn(day - ACUTE_DAYS + 1 + k);
        if (days[k] !== days[0]) equal = false;
      }
      if (!equal) sd = populationSd(days);
    }
    const monotony = acute !== null && sd !== null && sd > 0 ? acute / sd : null;
    return {
      date: dateOfDay(day),
      load: round(loadOn(day), 1),
      acute: roundOrNull(acute, 1),
      chronic: roundOrNull(chronic, 1),
      acwr: acute !== null && chronic !== null && chronic > 0 ? roundOrNull(acute / chronic, 2) : null,
      monotony: roundOrNull(monotony, 2),
      strain: week !== null && monotony !== null ? roundOrNull(week * monotony, 1) : null,
    };
  };
  return { first, last, loadOn, on };
}

/** dayNumber, remembered per date string: a day's activities share it, and Date.parse is not free. */
function memoDayNumber(): (date: string) => number {
  const seen = new Map<string, number>();
  return (date) => {
    let day = seen.get(date);
    if (day === undefined) seen.set(date, (day = dayNumber(date)));
    return day;
  };
}

/**
 * Weekly totals for the `weeks` ISO weeks ending with the week of `today`: load, the week's
 * monotony and strain, and time in zones added up over its activities.
 */
export function weeklyLoad(activities: ReadonlyArray<DatedLoad & { zones?: ZoneTime | null }>, weeks: number, today: string, historyStart?: string): LoadWeek[] {
  const lastWeek = isoWeekStart(today);
  const firstWeek = addDays(lastWeek, -7 * (weeks - 1));
  const series = dailyLoads(activities, firstWeek, addDays(lastWeek, 6), historyStart);
  const zonesByWeek = new Map<string, ZoneTime[]>();
  const weekOf = new Map<string, string>();
  for (const a of activities) {
    if (!a.zones || !isDateShaped(a.date)) continue;
    let week = weekOf.get(a.date);
    if (week === undefined) weekOf.set(a.date, (week = isoWeekStart(a.date)));
    const list = zonesByWeek.get(week);
    if (list) list.push(a.zones);
    else zonesByWeek.set(week, [a.zones]);
  }
  const out: LoadWeek[] = [];
  for (let w = 0; w < weeks; w++) {
    // The week's days as the series gives them (each day's load rounded, then added from 0);
    // only the Sunday's other figures are needed.
    const monday = series ? series.first + 7 * w : Number.NaN;
    let load = 0;
    if (series) for (let day = monday; day < monday + 7 && day <= series.last; day++) load += round(series.loadOn(day), 1);
    const start = addDays(firstWeek, 7 * w);
    const sunday = series && monday + 6 <= series.last ? series.on(monday + 6) : undefined;
    out.push({
      week_start: start,
      load: round(load, 1),
      monotony: sunday?.monotony ?? null,
      strain: sunday?.strain ?? null,
      acwr: sunday?.acwr ?? null,
      zones: addZoneTimes(zonesByWeek.get(start) ?? []),
    });
  }
  return out;
}
