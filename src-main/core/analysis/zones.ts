/**
 * Heart rate zones from the runner's max and resting HR (settings, or estimated from their data
 * and flagged so), and the time an activity spent in each.
 */
import { z } from 'zod';
import { zoneModel, type HrZone, type ZoneModel, type ZoneTime } from '../../../src-common/coaching-contract.js';
import type { Series } from './samples.js';
import { median, round, within } from './stats.js';

/** The store reads zone times in the contract's type (src-common/coaching-contract.ts). */
export type { ZoneTime };

/** The five zones' lower bounds as a share of the model's range (the models: coaching-contract.ts `zoneModel`). */
export const ZONE_LOWER_PCT = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

export const MAX_HR_RANGE = [120, 230] as const;
export const RESTING_HR_RANGE = [25, 120] as const;

/**
 * The zone settings as the environment or config.json gives them (`R42_MAX_HR`, `R42_RESTING_HR`,
 * `R42_HR_ZONE_MODEL`); absent ones are estimated. Strings are accepted because env values are.
 */
export const zoneSettingsSchema = z
  .object({
    R42_MAX_HR: z.coerce.number().int().min(MAX_HR_RANGE[0]).max(MAX_HR_RANGE[1]).optional(),
    R42_RESTING_HR: z.coerce.number().int().min(RESTING_HR_RANGE[0]).max(RESTING_HR_RANGE[1]).optional(),
    R42_HR_ZONE_MODEL: zoneModel.default('hrr'),
  })
  .refine((s) => s.R42_MAX_HR === undefined || s.R42_RESTING_HR === undefined || s.R42_MAX_HR - s.R42_RESTING_HR >= 20, {
    message: 'R42_MAX_HR must be at least 20 above R42_RESTING_HR',
  });
export type ZoneSettings = z.output<typeof zoneSettingsSchema>;

/** The runner's heart rate profile and zones, saying which numbers were estimated. */
export interface HrProfile {
  readonly model: ZoneModel;
  readonly max_hr: number;
  readonly resting_hr: number;
  readonly estimated: boolean;
  readonly max_hr_source: 'setting' | 'estimated';
  readonly resting_hr_source: 'setting' | 'estimated';
  readonly zones: readonly HrZone[];
}

/** What estimation looks at: activities' max HR and days' resting HR. */
export interface HrHistory {
  readonly activityMaxHr: ReadonlyArray<number | null>;
  readonly restingHr: ReadonlyArray<number | null>;
}

/** Zone bounds for a max and resting HR. */
export function zonesFor(model: ZoneModel, maxHr: number, restingHr: number): HrZone[] {
  const base = model === 'hrr' ? restingHr : 0;
  const bound = (p: number) => round(base + p * (maxHr - base), 1);
  return ZONE_LOWER_PCT.map((p, k) => ({ zone: k + 1, from_bpm: bound(p), to_bpm: k < 4 ? bound(ZONE_LOWER_PCT[k + 1]!) : null }));
}

/**
 * The runner's profile. Max HR: the setting, else the highest activity max HR within 120–230 bpm
 * (a watch's max over many runs approaches the true max; values outside are sensor spikes).
 * Resting HR: the setting, else the median of the days' resting HR within 25–120 bpm (the median
 * ignores a sick week). Null when a number is neither set nor estimable, or when max − rest < 20.
 */
export function hrProfile(settings: Partial<ZoneSettings>, history: HrHistory): HrProfile | null {
  const estMax = history.activityMaxHr.filter((v): v is number => within(v, MAX_HR_RANGE[0], MAX_HR_RANGE[1]));
  const estRest = median(history.restingHr.filter((v): v is number => within(v, RESTING_HR_RANGE[0], RESTING_HR_RANGE[1])));
  const maxHr = settings.R42_MAX_HR ?? (estMax.length ? Math.max(...estMax) : null);
  const restingHr = settings.R42_RESTING_HR ?? (estRest === null ? null : round(estRest, 0));
  if (maxHr === null || restingHr === null || maxHr - restingHr < 20) return null;
  const model = settings.R42_HR_ZONE_MODEL ?? 'hrr';
  const maxSource = settings.R42_MAX_HR === undefined ? 'estimated' : 'setting';
  const restSource = settings.R42_RESTING_HR === undefined ? 'estimated' : 'setting';
  return {
    model,
    max_hr: maxHr,
    resting_hr: restingHr,
    estimated: maxSource === 'estimated' || restSource === 'estimated',
    max_hr_source: maxSource,
    resting_hr_source: restSource,
    zones: zonesFor(model, maxHr, restingHr),
  };
}

/** The zone (1–5) of a heart rate, or 0 below zone 1. */
export function zoneOf(hr: number, zones: readonly HrZone[]): number {
  for (let k = zones.length - 1; k >= 0; k--) if (hr >= zones[k]!.from_bpm) return zones[k]!.zone;
  return 0;
}

export const NO_ZONE_TIME: Readonly<ZoneTime> = { below_s: 0, z1_s: 0, z2_s: 0, z3_s: 0, z4_s: 0, z5_s: 0, no_hr_s: 0 };
const KEYS = ['below_s', 'z1_s', 'z2_s', 'z3_s', 'z4_s', 'z5_s'] as const;

/**
 * Moving time in each zone: each interval holds its first sample's HR; a pause counts nowhere;
 * moving time without HR is `no_hr_s`.
 */
export function timeInZones(series: Series, zones: readonly HrZone[]): ZoneTime {
  const acc = [0, 0, 0, 0, 0, 0];
  let noHr = 0;
  for (let i = 0; i + 1 < series.samples.length; i++) {
    const active = series.moving[i + 1]! - series.moving[i]!;
    if (active <= 0) continue;
    const hr = series.samples[i]!.hr;
    if (hr === null) noHr += active;
    else acc[zoneOf(hr, zones)]! += active;
  }
  return { below_s: round(acc[0]!), z1_s: round(acc[1]!), z2_s: round(acc[2]!), z3_s: round(acc[3]!), z4_s: round(acc[4]!), z5_s: round(acc[5]!), no_hr_s: round(noHr) };
}

/** Zone times added up (a day's or a week's activities). */
export function addZoneTimes(times: Iterable<ZoneTime>): ZoneTime {
  const sum = { ...NO_ZONE_TIME };
  for (const t of times) {
    for (const k of KEYS) sum[k] += t[k];
    sum.no_hr_s += t.no_hr_s;
  }
  for (const k of [...KEYS, 'no_hr_s'] as const) sum[k] = round(sum[k]);
  return sum;
}

