/** The coaching pages' names for the service's labels and codes, in the app's words. */
import type { ActivityDetailsAnswer, EffortLabel, HrvStatus, SplitUnit } from '../src-common/coaching-contract';
import { trendWord } from '../src-common/format';
import { UNIT_METRES } from '../src-common/units';
import { formatDay, formatNumber, isFiniteNumber } from './format';
import { activityLabel } from './stores/training-store';

export const EFFORT_NAMES: Record<EffortLabel, string> = { '1k': '1 km', '5k': '5 km', '10k': '10 km', half_marathon: 'Half marathon', marathon: 'Marathon' };
export const effortName = (label: string): string => (EFFORT_NAMES as Record<string, string | undefined>)[label] ?? label;

export const UNIT_NAMES: Record<SplitUnit, { one: string; many: string }> = { km: { one: 'Km', many: 'Kilometres' }, mi: { one: 'Mile', many: 'Miles' } };

/** A pace given per km, per `unit` instead. */
export const perUnit = (secondsPerKm: number | null, unit: SplitUnit): number | null => (isFiniteNumber(secondsPerKm) ? (secondsPerKm * UNIT_METRES[unit]) / 1000 : null);

export const LOAD_METHOD_WORDS = { hr_samples: 'from its heart-rate samples', avg_hr: 'from its average heart rate', duration: 'from its duration only (no heart rate)' } as const;

/** "Morning run" or "Running", and the day: what a page about one activity is called. */
export function activityTitle(answer: Pick<ActivityDetailsAnswer, 'name' | 'type' | 'local_date'>): string {
  const what = answer.name?.trim() || (answer.type ? activityLabel(answer.type) : 'Activity');
  return answer.local_date ? `${what}, ${formatDay(answer.local_date)}` : what;
}

export const HRV_STATUS_WORDS: Record<HrvStatus, { label: string; tone: 'ok' | 'warn' | 'busy'; detail: string }> = {
  below: { label: 'Below your normal range', tone: 'warn', detail: 'your 7-day average HRV is under your usual range: often a sign to go easier' },
  balanced: { label: 'Balanced', tone: 'ok', detail: 'your 7-day average HRV is within your usual range' },
  above: { label: 'Above your normal range', tone: 'busy', detail: 'your 7-day average HRV is over your usual range' },
};

/** The acute:chronic ratio's band, and what a ratio means against it. */
export const RATIO_BAND = { low: 0.8, high: 1.3 } as const;
export function ratioWords(ratio: number | null): string {
  if (!isFiniteNumber(ratio)) return 'not known yet (needs 28 days of history)';
  const r = formatNumber(ratio, 2);
  if (ratio < RATIO_BAND.low) return `${r}, below the 0.8–1.3 band: less than your usual load`;
  if (ratio > RATIO_BAND.high) return `${r}, above the 0.8–1.3 band: your load is rising fast`;
  return `${r}, within the 0.8–1.3 band`;
}

/** A trend's direction, in the same word as the CLI and the API (src-common/format.ts). */
export const directionWords = (direction: string | null): string => trendWord(direction, 'not known yet');
