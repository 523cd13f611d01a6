/**
 * The summary types kept one row each (activities, dailies, sleeps, HRV, user metrics): their
 * tables and columns, and a record read by core/garmin/records.ts turned into its row (typed
 * columns beside the raw record). Used by training-repo.ts's upserts.
 */
import { readActivity, readDaily, readHrv, readSleep, readUserMetrics } from '../garmin/records.js';

/** Seconds rounded to whole ones (a pace, a duration as the answers give them). */
export const wholeSeconds = (seconds: number | null) => (seconds === null ? null : Math.round(seconds));

/** Summary types kept in one row each (typed columns and the raw record). */
export const SUMMARY_STREAMS = ['activities', 'dailies', 'sleeps', 'hrv', 'userMetrics'] as const;
export type SummaryStream = (typeof SUMMARY_STREAMS)[number];

export const SUMMARY_TABLE: Record<SummaryStream, string> = { activities: 'activities', dailies: 'dailies', sleeps: 'sleeps', hrv: 'hrv', userMetrics: 'user_metrics' };
/** Each stream's columns (besides profile_id and synced_at), the keys of its row below: the compiler holds the two to each other. */
export const SUMMARY_COLUMNS = {
  activities: ['summary_id', 'activity_id', 'activity_type', 'name', 'start_time', 'start_offset', 'local_date', 'duration_s', 'distance_m', 'avg_speed_mps', 'avg_pace_min_km', 'avg_hr', 'max_hr', 'avg_cadence_spm', 'elevation_gain_m', 'active_kcal', 'device_name', 'manual', 'raw'],
  dailies: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'steps', 'distance_m', 'active_kcal', 'resting_hr', 'avg_hr', 'max_hr', 'avg_stress', 'body_battery_charged', 'body_battery_drained', 'raw'],
  sleeps: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'duration_s', 'deep_s', 'light_s', 'rem_s', 'awake_s', 'score', 'raw'],
  hrv: ['summary_id', 'calendar_date', 'last_night_avg_ms', 'last_night_5min_high_ms', 'raw'],
  userMetrics: ['summary_id', 'calendar_date', 'vo2max', 'fitness_age', 'raw'],
} as const satisfies Record<SummaryStream, readonly string[]>;

/** A stream's row: a value for each of its columns, no other. */
type SummaryRow<S extends SummaryStream> = Record<(typeof SUMMARY_COLUMNS)[S][number], unknown>;

/** The stream's row, ready for its table, or null for a record that cannot be read (core/garmin/records.ts). */
export function toRow(stream: SummaryStream, record: unknown): Record<string, unknown> | null {
  const raw = JSON.stringify(record);
  switch (stream) {
    case 'activities': {
      const a = readActivity(record);
      if (!a) return null;
      return {
        summary_id: a.summaryId,
        activity_id: a.activityId,
        activity_type: a.activityType,
        name: a.name,
        start_time: a.startTime,
        start_offset: a.offset,
        local_date: a.localDate,
        duration_s: a.durationS,
        distance_m: a.distanceM,
        avg_speed_mps: a.avgSpeedMps,
        avg_pace_min_km: a.avgPaceMinKm,
        avg_hr: a.avgHr,
        max_hr: a.maxHr,
        avg_cadence_spm: a.avgCadenceSpm,
        elevation_gain_m: a.elevationGainM,
        active_kcal: a.activeKcal,
        device_name: a.deviceName,
        manual: a.manual === null ? null : a.manual ? 1 : 0,
        raw,
      } satisfies SummaryRow<'activities'>;
    }
    case 'dailies': {
      const d = readDaily(record);
      if (!d) return null;
      return {
        summary_id: d.summaryId,
        calendar_date: d.calendarDate,
        start_time: d.startTime,
        start_offset: d.offset,
        steps: d.steps,
        distance_m: d.distanceM,
        active_kcal: d.activeKcal,
        resting_hr: d.restingHr,
        avg_hr: d.avgHr,
        max_hr: d.maxHr,
        avg_stress: d.avgStress,
        body_battery_charged: d.bodyBatteryCharged,
        body_battery_drained: d.bodyBatteryDrained,
        raw,
      } satisfies SummaryRow<'dailies'>;
    }
    case 'sleeps': {
      const s = readSleep(record);
      if (!s) return null;
      return {
        summary_id: s.summaryId,
        calendar_date: s.calendarDate,
        start_time: s.startTime,
        start_offset: s.offset,
        duration_s: s.durationS,
        deep_s: s.deepS,
        light_s: s.lightS,
        rem_s: s.remS,
        awake_s: s.awakeS,
        score: s.score,
        raw,
      } satisfies SummaryRow<'sleeps'>;
    }
    case 'hrv': {
      const h = readHrv(record);
      if (!h) return null;
      return { summary_id: h.summaryId, calendar_date: h.calendarDate, last_night_avg_ms: h.lastNightAvgMs, last_night_5min_high_ms: h.lastNight5MinHighMs, raw } satisfies SummaryRow<'hrv'>;
    }
    case 'userMetrics': {
      const m = readUserMetrics(record);
      if (!m) return null;
      return { summary_id: m.summaryId, calendar_date: m.calendarDate, vo2max: m.vo2max, fitness_age: m.fitnessAge, raw } satisfies SummaryRow<'userMetrics'>;
    }
  }
}
