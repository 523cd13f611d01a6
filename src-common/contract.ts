/**
 * The answer shapes of R42 Companion, declared once (docs/architecture.md rule 13): the core's
 * types are inferred from these schemas, the IPC contract (src-preload/contract.ts) uses them as
 * result schemas, the MCP tools build their output schemas from them, the agent endpoint's route
 * table names the answer of each route with them, and the agent client parses with them.
 *
 * Every object here is strict: an answer holds exactly these fields. Where a surface must strip
 * rather than refuse (MCP answers, a client reading a newer companion) it wraps the shape in
 * `z.object(schema.shape)`. Plain zod, no Node module: the renderer and the preload import it too.
 */
import { z } from 'zod';
import { activityDetailsAnswer, hrProfileAnswer, personalRecordsAnswer, trainingLoadAnswer, trendsAnswer } from './coaching-contract.js';

/** An instant written ISO 8601 in UTC, or null when there is none (never synced, never refreshed). */
const isoTimeOrNull = z.string().nullable();
const numberOrNull = z.number().nullable();

/** A refusal as every surface carries it: a stable code (src-common/error-codes.ts) and plain words. */
export const errorAnswer = z.strictObject({ code: z.string(), message: z.string() });
export type ErrorAnswer = z.infer<typeof errorAnswer>;

/** An error from the agent endpoint: `{ "error": { code, message } }` with its HTTP status. */
export const agentErrorAnswer = z.strictObject({ error: errorAnswer });

// --- Link and sync status ---------------------------------------------------------------------

/** How token requests reach Garmin (src-main/core/config.ts `tokenRoute`). */
export const LINK_VIA = ['own_developer_app', 'r42_server', 'token_broker', 'not_configured'] as const;

/** How token requests reach Garmin, for status (no secret in it). */
export const linkView = z.strictObject({
  via: z.enum(LINK_VIA),
  /** The origin token requests go to (Garmin, R42's server, or a configured broker). */
  tokenOrigin: z.string().nullable(),
});
export type LinkView = z.infer<typeof linkView>;

/** How fresh the local training data is, and how far a backfill has come. */
export const syncStatus = z.strictObject({
  running: z.boolean(),
  lastSyncAt: isoTimeOrNull,
  stale: z.boolean(),
  backfill: z.strictObject({ done: z.number().int(), total: z.number().int() }),
  /**
   * One line per stream of the store (src-main/core/store/training-repo.ts STREAMS); `skippedRecords`
   * counts the records of it Garmin sent that could not be read (left out, the rest stored).
   */
  streams: z.array(z.strictObject({ stream: z.string(), state: z.string(), lastErrorCode: z.string().nullable(), skippedRecords: z.number().int() })),
  /** `relay`: Garmin's webhooks through R42's server; `pull`: 24 h windows (evaluation environment). */
  delivery: z.enum(['relay', 'pull']),
  /** Relay only: the history asked of Garmin after the link, and what has arrived since. */
  relay: z
    .strictObject({ historyRequested: z.number().int(), historyTotal: z.number().int(), summariesReceived: z.number().int(), lastDeliveryAt: isoTimeOrNull })
    .nullable(),
});
export type SyncStatus = z.infer<typeof syncStatus>;

/** What status shows (`status`, `GET /v1/status`, the app's window). Plain data with no secret in it. */
export const connectionStatus = z.strictObject({
  configured: z.boolean(),
  connected: z.boolean(),
  state: z.enum(['not_connected', 'connected', 'reauth_required']),
  garminUserId: z.string().nullable(),
  permissions: z.array(z.string()),
  scope: z.string().nullable(),
  connectedAt: isoTimeOrNull,
  accessTokenExpiresAt: isoTimeOrNull,
  refreshTokenExpiresAt: isoTimeOrNull,
  refreshTokenExpiresSoon: z.boolean(),
  lastRefreshAt: isoTimeOrNull,
  lastError: z.strictObject({ code: z.string(), at: z.string() }).nullable(),
  sync: syncStatus,
  /** Which way the app links: the runner's own developer app, or R42's server brokering the secret. */
  link: linkView,
});
export type ConnectionStatus = z.infer<typeof connectionStatus>;

/** What `disconnect` did. */
export const disconnectResult = z.strictObject({
  wasConnected: z.boolean(),
  /** Whether the synced training data was kept on this computer. */
  dataKept: z.boolean(),
  garminUserId: z.string().nullable(),
  /** True when Garmin confirmed the registration is deleted. */
  deregisteredAtGarmin: z.boolean(),
  /** Why Garmin was not told, when it was not (null when it was not asked: another computer still uses the link). */
  garminError: errorAnswer.nullable(),
  /**
   * The runner's other computers still linked through the R42 server's relay: while there are any,
   * Garmin's registration stays (deleting it would end their link too) and this computer alone
   * is disconnected. 0 when this was the last one.
   */
  otherComputers: z.number().int().nonnegative(),
  /** When the most recently seen of them last asked the relay (ISO 8601), or null. */
  othersLastSeenAt: z.string().nullable(),
});
export type DisconnectResult = z.infer<typeof disconnectResult>;

/** How a sync pass ended, as the app shows it (`not_connected`: nothing to sync with). */
export const syncOutcome = z.strictObject({
  outcome: z.enum(['completed', 'offline', 'not_connected']),
  windows: z.number().int(),
  stored: z.number().int(),
  skipped: z.number().int(),
  permissionMissing: z.array(z.string()),
});
export type SyncOutcome = z.infer<typeof syncOutcome>;

/** An agent grant as the app and `agents list --json` show it (never its secret). */
export const grantView = z.strictObject({
  name: z.string(),
  kind: z.enum(['owner', 'named', 'run']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  useCount: z.number().int(),
});
export type GrantView = z.infer<typeof grantView>;

// --- Tokens -----------------------------------------------------------------------------------

/** What the agent endpoint hands an agent for `GET /v1/token`: the one answer that holds a secret. */
export const tokenPayload = z.strictObject({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  expires_at: z.string(),
  garmin_user_id: z.string(),
  scope: z.string().nullable(),
});
export type TokenPayload = z.infer<typeof tokenPayload>;

// --- Training data ----------------------------------------------------------------------------

/** What every data answer carries, on every surface. */
export const freshness = z.strictObject({
  last_sync_at: isoTimeOrNull.describe('When the local copy was last brought up to date (ISO 8601), or null if never.'),
  stale: z.boolean().describe('True when the last complete sync is older than the stale limit (6 h by default) or there was none.'),
});
export type Freshness = z.infer<typeof freshness>;

/**
 * The link and the data's freshness as a coaching model reads them (the MCP tool `get_status`):
 * the connection status in snake_case, without the token times a model has no use for.
 */
export const statusSummary = z.strictObject({
  state: connectionStatus.shape.state,
  garmin_user_id: z.string().nullable(),
  permissions: z.array(z.string()),
  not_shared: z.array(z.string()).describe('Data types the runner did not share on Garmin: their data is missing.'),
  refresh_token_expires_soon: z.boolean().describe('The link ends within 14 days unless the runner signs in again.'),
  last_error: connectionStatus.shape.lastError,
  sync: z.strictObject({
    running: z.boolean(),
    history: z.strictObject({ done: z.number(), total: z.number() }).describe('History loaded so far, in windows.'),
  }),
  ...freshness.shape,
});
export type StatusSummary = z.infer<typeof statusSummary>;

/** One recorded activity. */
export const activityView = z.strictObject({
  summary_id: z.string(),
  activity_id: z.string().nullable(),
  type: z.string(),
  name: z.string().nullable(),
  start_time: z.string().describe('Start, ISO 8601 in UTC.'),
  local_date: z.string().describe("The runner's local date of the start."),
  duration_s: numberOrNull,
  distance_m: numberOrNull,
  avg_pace_min_km: numberOrNull.describe('Decimal minutes per km as Garmin sends it: 5.32 means 5:19 per km, NOT 5:32. Runs only.'),
  avg_pace_s_per_km: numberOrNull.describe('Seconds per km: 319 means 5:19 per km. Use this one to talk about pace. Runs only.'),
  avg_speed_mps: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  avg_cadence_spm: numberOrNull,
  elevation_gain_m: numberOrNull,
  active_kcal: numberOrNull,
  device_name: z.string().nullable(),
});
export type ActivityView = z.infer<typeof activityView>;

/** Running volume of one ISO week (Monday to Sunday, local dates). */
export const weekSummary = z.strictObject({
  week: z.string().describe('ISO week label, e.g. 2026-W48.'),
  week_start: z.string().describe('Monday of the week (local date).'),
  runs: z.number().int(),
  distance_km: z.number(),
  duration_s: z.number(),
  long_run_km: z.number(),
  avg_pace_min_km: numberOrNull.describe('Decimal minutes per km: 5.32 means 5:19 per km, NOT 5:32.'),
  avg_pace_s_per_km: numberOrNull.describe('Seconds per km: 319 means 5:19 per km. Use this one to talk about pace.'),
  avg_hr: numberOrNull,
});
export type WeekSummary = z.infer<typeof weekSummary>;

/** One day's summary. */
export const dailySummary = z.strictObject({
  summary_id: z.string(),
  calendar_date: z.string(),
  steps: numberOrNull,
  distance_m: numberOrNull,
  active_kcal: numberOrNull,
  resting_hr: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  avg_stress: numberOrNull,
  body_battery_charged: numberOrNull,
  body_battery_drained: numberOrNull,
});
export type DailySummary = z.infer<typeof dailySummary>;

/** One night's sleep. */
export const sleepNight = z.strictObject({
  summary_id: z.string(),
  calendar_date: z.string().describe('The day the runner woke up.'),
  start_time: z.string().nullable(),
  duration_s: numberOrNull,
  deep_s: numberOrNull,
  light_s: numberOrNull,
  rem_s: numberOrNull,
  awake_s: numberOrNull,
  score: numberOrNull.describe("Garmin's overall sleep score, 0-100."),
});
export type SleepNight = z.infer<typeof sleepNight>;

/** One night's heart rate variability. */
export const hrvNight = z.strictObject({
  summary_id: z.string(),
  calendar_date: z.string().describe('The day the runner woke up.'),
  last_night_avg_ms: numberOrNull.describe('Average overnight HRV (RMSSD, milliseconds).'),
  last_night_5min_high_ms: numberOrNull.describe('Highest 5-minute HRV of the night (milliseconds).'),
});
export type HrvNight = z.infer<typeof hrvNight>;

/** VO2 max and fitness age as Garmin computed them for one day. */
export const userMetricsDay = z.strictObject({
  summary_id: z.string(),
  calendar_date: z.string(),
  vo2max: numberOrNull,
  fitness_age: numberOrNull,
});
export type UserMetricsDay = z.infer<typeof userMetricsDay>;

/** Steps and intensity of one 15-minute epoch (Garmin sends one per activity type in it). */
export const epochRow = z.strictObject({
  start_time: z.string().describe('Start, ISO 8601 in UTC.'),
  local_date: z.string(),
  local_time: z.string().describe("The runner's local clock time of the start, HH:MM."),
  activity_type: z.string().nullable(),
  intensity: z.string().nullable().describe('SEDENTARY, ACTIVE or HIGHLY_ACTIVE.'),
  steps: numberOrNull,
  active_s: numberOrNull.describe('Seconds of the 15 minutes spent active.'),
  distance_m: numberOrNull,
  active_kcal: numberOrNull,
  met: numberOrNull,
});
export type EpochRow = z.infer<typeof epochRow>;

/** VO2 max and fitness age on one day, without Garmin's id (health answers). */
export const fitnessDay = z.strictObject({ calendar_date: z.string(), vo2max: numberOrNull, fitness_age: numberOrNull });

/** One blood pressure reading. */
export const bloodPressureReading = z.strictObject({
  measured_at: z.string().describe('ISO 8601 in UTC.'),
  local_date: z.string(),
  systolic: numberOrNull.describe('mmHg.'),
  diastolic: numberOrNull.describe('mmHg.'),
  pulse: numberOrNull.describe('Beats per minute.'),
  source: z.string().nullable().describe('MANUAL (typed in) or DEVICE (a connected cuff).'),
});

/** One night's skin temperature against the runner's own baseline. */
export const skinTempNight = z.strictObject({
  calendar_date: z.string().describe('The day the runner woke up.'),
  deviation_c: numberOrNull.describe('°C above (+) or below (−) the baseline.'),
});

/** A 2-minute health snapshot the runner took on the watch: its averages. */
export const healthSnapshot = z.strictObject({
  calendar_date: z.string(),
  start_time: z.string().nullable(),
  hr_avg: numberOrNull,
  spo2_avg: numberOrNull,
  respiration_avg: numberOrNull.describe('Breaths per minute.'),
  stress_avg: numberOrNull,
  rmssd_ms: numberOrNull.describe('HRV (RMSSD), milliseconds.'),
  sdrr_ms: numberOrNull.describe('HRV (SDRR), milliseconds.'),
});

/** What Garmin measured of the runner's health in a range, newest first in each list. */
export const healthMeasurements = z.strictObject({
  fitness: z.array(fitnessDay),
  blood_pressure: z.array(bloodPressureReading),
  skin_temperature: z.array(skinTempNight),
  snapshots: z.array(healthSnapshot),
});
export type HealthMeasurements = z.infer<typeof healthMeasurements>;

/** A data answer: the rows and how fresh they are (`{ data, last_sync_at, stale }`). */
export const dataAnswer = <Row extends z.ZodType>(row: Row) => z.strictObject({ data: z.array(row), ...freshness.shape });

export const activitiesAnswer = dataAnswer(activityView);
export const weeklyAnswer = dataAnswer(weekSummary);
export const dailiesAnswer = dataAnswer(dailySummary);
export const sleepsAnswer = dataAnswer(sleepNight);
export const hrvAnswer = dataAnswer(hrvNight);
export const metricsAnswer = dataAnswer(userMetricsDay);
export const epochsAnswer = dataAnswer(epochRow);
export const healthAnswer = z.strictObject({ data: healthMeasurements, ...freshness.shape });

export type ActivitiesAnswer = z.infer<typeof activitiesAnswer>;
export type WeeklyAnswer = z.infer<typeof weeklyAnswer>;
export type DailiesAnswer = z.infer<typeof dailiesAnswer>;
export type SleepsAnswer = z.infer<typeof sleepsAnswer>;
export type HrvAnswer = z.infer<typeof hrvAnswer>;
export type MetricsAnswer = z.infer<typeof metricsAnswer>;
export type EpochsAnswer = z.infer<typeof epochsAnswer>;
export type HealthAnswer = z.infer<typeof healthAnswer>;

/** A computed answer (the coaching figures of src-common/coaching-contract.ts) and how fresh the data under it is. */
export const figuresAnswer = <Figures extends z.ZodType>(figures: Figures) => z.strictObject({ data: figures, ...freshness.shape });

export const activityDetailsData = figuresAnswer(activityDetailsAnswer);
export const trainingLoadData = figuresAnswer(trainingLoadAnswer);
export const recordsData = figuresAnswer(personalRecordsAnswer);
export const trendsData = figuresAnswer(trendsAnswer);
export const hrProfileData = figuresAnswer(hrProfileAnswer);

export type ActivityDetailsData = z.infer<typeof activityDetailsData>;
export type TrainingLoadData = z.infer<typeof trainingLoadData>;
export type RecordsData = z.infer<typeof recordsData>;
export type TrendsData = z.infer<typeof trendsData>;
export type HrProfileData = z.infer<typeof hrProfileData>;

/** Why a file gave no activity (src-main/core/fit/fit-decode.ts FitSkipReason), stable codes. */
export const IMPORT_SKIP_REASONS = [
  'empty',
  'not_fit',
  'too_large',
  'not_activity',
  'no_data',
  'damaged',
  'unreadable',
  'unsafe_entry',
  'symlink',
  'symlink_loop',
  'zip_bomb',
  'too_many_files',
  'not_fit_or_zip',
  'zip_damaged',
  'decoder_failed',
] as const;
export const importSkipReason = z.enum(IMPORT_SKIP_REASONS);

/** One activity an imported file gave: new, merged into the same activity from another door, or with its samples replaced by the file's richer ones. */
export const importedActivity = z.strictObject({
  summary_id: z.string(),
  type: z.string(),
  start_time: z.string(),
  local_date: z.string(),
  result: z.enum(['new', 'merged', 'samples_replaced']),
});

/** What became of one file (a file given, a folder's file, a zip entry named `archive.zip/inner.zip/x.fit`). */
export const importFileResult = z.strictObject({
  name: z.string(),
  outcome: z.enum(['imported', 'already', 'skipped']),
  reason: importSkipReason.nullable(),
  message: z.string().nullable(),
  activities: z.array(importedActivity).readonly(),
  warnings: z.array(z.string()).readonly(),
});
export type ImportFileResult = z.infer<typeof importFileResult>;

/** `import` (CLI), the app's drop and Import from watch: counts, the skipped files' reasons, each file's result. */
export const importSummary = z.strictObject({
  files: z.number().int(),
  imported: z.number().int(),
  already: z.number().int(),
  skipped: z.number().int(),
  /** Activities stored or updated (a multisport file gives one per leg). */
  activities: z.number().int(),
  /** Skipped files per reason. */
  reasons: z.record(z.string(), z.number().int()),
  results: z.array(importFileResult).readonly(),
  /** Set for Import from watch: where the watch was found, or why none could be read. */
  watch: z.strictObject({ found: z.array(z.string()).readonly(), note: z.string().nullable() }).optional(),
});
export type ImportSummary = z.infer<typeof importSummary>;
