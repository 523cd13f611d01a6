/**
 * Every notification key Garmin documents for its webhook (Health API 1.2.2, Activity API 1.2.3,
 * Start Guide 1.1.0), in one table: the key as Garmin prints it and the spellings partners see in
 * the wild, the REST path a ping's data is pulled from, the backfill path, the permission the
 * runner must share, what the relay calls it when it hands it to a desktop, and the local stream
 * that stores it. The R42 server's webhook reads a body's keys with it; the desktop maps a relay
 * notification to its stream with it; docs/server.md prints it. Plain TypeScript, no Node module.
 */
import type { GarminSummaryType } from './relay-contract.js';

/** What a runner shares on Garmin's consent screen, per summary type. */
export type GarminPermission = 'ACTIVITY_EXPORT' | 'HEALTH_EXPORT';

export interface GarminNotificationKey {
  /** The key as Garmin's documents print it in ping and push bodies. */
  readonly key: string;
  /** Other spellings partners see in the wild, read as the same key. Keys are compared without regard to case. */
  readonly also: readonly string[];
  /** Which of Garmin's documents defines it. */
  readonly api: 'health' | 'activity' | 'start';
  /** A summary (ping or push), the runner removing R42, or a change of what they share. */
  readonly kind: 'summary' | 'deregistration' | 'permissions';
  /** Where a ping's data is pulled from (and what pull mode asks), on GARMIN_API_URL; null when there is nothing to pull. */
  readonly restPath: string | null;
  /** Where its history is asked for (202, then delivered like new data); null when Garmin offers none. */
  readonly backfillPath: string | null;
  readonly permission: GarminPermission | null;
  /**
   * The type the relay hands a desktop (src-common/relay-contract.ts). It is the local stream's
   * name where there is one, so a desktop that predates this table stores it too.
   */
  readonly relayType: GarminSummaryType | null;
  /** The local stream (src-main/core/store/training-repo.ts STREAMS) that stores it, or null when the desktop keeps nothing of it yet. */
  readonly stream: string | null;
  /** What a runner or coach gets from it, in a few words (docs/server.md's key table). */
  readonly use: string;
}

const REST = '/wellness-api/rest/';
const summary = (
  key: string,
  api: 'health' | 'activity',
  path: string | null,
  backfill: string | null,
  relayType: GarminSummaryType,
  stream: string | null,
  use: string,
  also: readonly string[] = [],
): GarminNotificationKey => ({
  key,
  also,
  api,
  kind: 'summary',
  restPath: path === null ? null : REST + path,
  backfillPath: backfill === null ? null : `${REST}backfill/${backfill}`,
  permission: api === 'activity' ? 'ACTIVITY_EXPORT' : 'HEALTH_EXPORT',
  relayType,
  stream,
  use,
});

/** Garmin's documented notification keys, in the order of its documents. */
export const GARMIN_NOTIFICATION_KEYS: readonly GarminNotificationKey[] = [
  summary('activities', 'activity', 'activities', 'activities', 'activities', 'activities', 'activity summaries: /v1/activities (list_activities)'),
  summary('activityDetails', 'activity', 'activityDetails', 'activityDetails', 'activityDetails', 'activityDetails', 'samples and laps: /v1/activities/{id}, /v1/training-load, /v1/records (get_activity_details, get_training_load, get_personal_records)'),
  // Ping only: the callback downloads the FIT file once, within 24 h; its history comes with the activities' backfill.
  summary('activityFiles', 'activity', 'activityFile', null, 'activityFiles', null, 'the FIT file of each upload, fetched once and imported like a file from the watch: /v1/activities/{id} (its `recorded`)'),
  // The activity as the runner edited it in Garmin Connect (same summaryId); no backfill of its own.
  summary('manuallyUpdatedActivities', 'activity', 'manuallyUpdatedActivities', null, 'manuallyUpdatedActivities', 'activities', 'replaces the activity the runner edited: /v1/activities (list_activities)'),
  summary('moveIQActivities', 'activity', 'moveiq', 'moveiq', 'moveIQActivities', null, 'not kept (auto-detected movement, no figures)', ['moveiq']),
  summary('dailies', 'health', 'dailies', 'dailies', 'dailies', 'dailies', 'steps, HR, stress per day: /v1/dailies, /v1/trends (get_daily_summaries, get_trends)'),
  summary('epochs', 'health', 'epochs', 'epochs', 'epochs', 'epochs', 'steps and intensity per 15 minutes: /v1/epochs, /v1/trends (get_intraday_activity, get_trends)'),
  summary('sleeps', 'health', 'sleeps', 'sleeps', 'sleeps', 'sleeps', 'sleep stages and score per night: /v1/sleeps, /v1/trends (get_sleep, get_trends)'),
  summary('bodyComps', 'health', 'bodyComps', 'bodyComps', 'bodyComps', 'bodyComps', 'weight: /v1/trends (get_trends)'),
  summary('stressDetails', 'health', 'stressDetails', 'stressDetails', 'stressDetails', 'stressDetails', 'average stress: /v1/trends (get_trends)'),
  summary('userMetrics', 'health', 'userMetrics', 'userMetrics', 'userMetrics', 'userMetrics', 'VO2 max, fitness age: /v1/metrics, /v1/measurements, /v1/trends (get_health_metrics, get_trends)'),
  summary('pulseox', 'health', 'pulseOx', 'pulseOx', 'pulseOx', 'pulseOx', 'SpO2: /v1/trends (get_trends)', ['pulseOx']),
  summary('allDayRespiration', 'health', 'respiration', 'respiration', 'respiration', 'respiration', 'breaths per minute: /v1/trends (get_trends)', ['respiration']),
  summary('healthSnapshot', 'health', 'healthSnapshot', 'healthSnapshot', 'healthSnapshot', 'healthSnapshot', 'HR, SpO2, breaths, stress and HRV of a 2-minute snapshot: /v1/measurements (get_health_metrics)'),
  summary('hrv', 'health', 'hrv', 'hrv', 'hrv', 'hrv', 'overnight HRV: /v1/hrv, /v1/trends (get_hrv, get_trends)'),
  summary('bloodPressures', 'health', 'bloodPressures', 'bloodPressures', 'bloodPressures', 'bloodPressures', 'systolic, diastolic, pulse: /v1/measurements, /v1/trends (get_health_metrics, get_trends)'),
  summary('skinTemp', 'health', 'skinTemp', 'skinTemp', 'skinTemp', 'skinTemp', 'skin temperature deviation: /v1/measurements, /v1/trends (get_health_metrics, get_trends)'),
  {
    key: 'deregistrations',
    also: [],
    api: 'start',
    kind: 'deregistration',
    restPath: null,
    backfillPath: null,
    permission: null,
    relayType: null,
    stream: null,
    use: 'the runner removed R42 in Garmin Connect: the link ends',
  },
  {
    key: 'userPermissionsChange',
    also: [],
    api: 'start',
    kind: 'permissions',
    restPath: null,
    backfillPath: null,
    permission: null,
    relayType: null,
    stream: null,
    use: 'what the runner shares now: status, not_shared',
  },
];

const BY_SPELLING = new Map<string, GarminNotificationKey>();
for (const entry of GARMIN_NOTIFICATION_KEYS) for (const spelling of [entry.key, ...entry.also]) BY_SPELLING.set(spelling.toLowerCase(), entry);

/** The documented key a body's key stands for (any listed spelling, any case), or null for a key Garmin does not document. */
export function notificationKey(key: string): GarminNotificationKey | null {
  return BY_SPELLING.get(key.toLowerCase()) ?? null;
}

/** The table's entry for a relay notification's type. */
export function notificationOfRelayType(type: string): GarminNotificationKey | null {
  return GARMIN_NOTIFICATION_KEYS.find((entry) => entry.relayType === type) ?? notificationKey(type);
}

/** The table's entry that a local stream is pulled and backfilled as (the key whose stream it is, and whose relay type is that stream). */
export function notificationOfStream(stream: string): GarminNotificationKey | null {
  return GARMIN_NOTIFICATION_KEYS.find((entry) => entry.stream === stream && entry.relayType === stream) ?? null;
}
