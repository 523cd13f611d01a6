/**
 * The one IPC contract between the renderer and main (docs/architecture.md rule 3). Each channel maps to a zod
 * schema for its arguments and its result; types are inferred from it. Main parses every payload
 * against it before calling the core, and every result on the way out: a field that is not in a
 * schema (a token, say) cannot reach the renderer. Errors cross as `{ code, message }`.
 */
import { z } from 'zod';

const isoTime = z.string().nullable();

export const connectionStatusSchema = z.strictObject({
  configured: z.boolean(),
  connected: z.boolean(),
  state: z.enum(['not_connected', 'connected', 'reauth_required']),
  garminUserId: z.string().nullable(),
  permissions: z.array(z.string()),
  scope: z.string().nullable(),
  connectedAt: isoTime,
  accessTokenExpiresAt: isoTime,
  refreshTokenExpiresAt: isoTime,
  refreshTokenExpiresSoon: z.boolean(),
  lastRefreshAt: isoTime,
  lastError: z.strictObject({ code: z.string(), at: z.string() }).nullable(),
  sync: z.strictObject({
    running: z.boolean(),
    lastSyncAt: isoTime,
    stale: z.boolean(),
    backfill: z.strictObject({ done: z.number().int(), total: z.number().int() }),
    streams: z.array(z.strictObject({ stream: z.string(), state: z.string(), lastErrorCode: z.string().nullable(), skippedRecords: z.number().int() })),
    delivery: z.enum(['relay', 'pull']),
    relay: z
      .strictObject({ historyRequested: z.number().int(), historyTotal: z.number().int(), summariesReceived: z.number().int(), lastDeliveryAt: isoTime })
      .nullable(),
  }),
  link: z.strictObject({
    via: z.enum(['own_developer_app', 'r42_server', 'token_broker', 'not_configured']),
    tokenOrigin: z.string().nullable(),
  }),
});

export const errorSchema = z.strictObject({ code: z.string(), message: z.string() });

/**
 * The sign-in as the renderer sees it. While waiting it carries the authorize URL, which holds the
 * state: the runner's own window shows it (with a copy button) for a computer where no browser
 * opened; it is never logged or written to a file. No token, code or verifier ever crosses.
 */
export const signInViewSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('idle') }),
  z.strictObject({ kind: z.literal('waitingForBrowser'), expiresAt: z.string(), browserOpened: z.boolean(), authorizeUrl: z.string() }),
  z.strictObject({ kind: z.literal('exchanging') }),
  z.strictObject({ kind: z.literal('connected'), garminUserId: z.string(), permissions: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('failed'), error: errorSchema }),
]);

export const viewStateSchema = z.strictObject({
  connection: connectionStatusSchema,
  signIn: signInViewSchema,
  agentEndpoint: z.strictObject({ url: z.string().nullable() }),
});

export const grantSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(['owner', 'named', 'run']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  useCount: z.number().int(),
});

export const auditEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  event: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const disconnectResultSchema = z.strictObject({
  wasConnected: z.boolean(),
  dataKept: z.boolean(),
  garminUserId: z.string().nullable(),
  deregisteredAtGarmin: z.boolean(),
  garminError: errorSchema.nullable(),
});

const none = z.undefined();

export const activitySchema = z.strictObject({
  summary_id: z.string(),
  activity_id: z.string().nullable(),
  type: z.string(),
  name: z.string().nullable(),
  start_time: z.string(),
  local_date: z.string(),
  duration_s: z.number().nullable(),
  distance_m: z.number().nullable(),
  avg_pace_min_km: z.number().nullable(),
  avg_pace_s_per_km: z.number().nullable(),
  avg_speed_mps: z.number().nullable(),
  avg_hr: z.number().nullable(),
  max_hr: z.number().nullable(),
  avg_cadence_spm: z.number().nullable(),
  elevation_gain_m: z.number().nullable(),
  active_kcal: z.number().nullable(),
  device_name: z.string().nullable(),
});

export const weekSchema = z.strictObject({
  week: z.string(),
  week_start: z.string(),
  runs: z.number().int(),
  distance_km: z.number(),
  duration_s: z.number(),
  long_run_km: z.number(),
  avg_pace_min_km: z.number().nullable(),
  avg_pace_s_per_km: z.number().nullable(),
  avg_hr: z.number().nullable(),
});
const agentName = z.string().min(1).max(64);
const syncResultSchema = z.strictObject({ outcome: z.enum(['completed', 'offline', 'not_connected']), windows: z.number().int(), stored: z.number().int(), skipped: z.number().int(), permissionMissing: z.array(z.string()) });

/** The desktop app's own settings; start at login only where the shell can set it (not in a browser). */
export const desktopSettingsSchema = z.strictObject({ openAtLogin: z.boolean(), openAtLoginAvailable: z.boolean() });

export const CHANNELS = {
  'companion:state.get': { args: none, result: viewStateSchema },
  'companion:auth.connect': { args: none, result: z.strictObject({ garminUserId: z.string(), permissions: z.array(z.string()) }) },
  'companion:auth.cancel': { args: none, result: z.null() },
  'companion:auth.disconnect': { args: z.strictObject({ keepData: z.boolean() }), result: disconnectResultSchema },
  'companion:sync.now': { args: none, result: syncResultSchema },
  /** Loads the history back to `days` ago (a longer one than the first sync loaded). */
  'companion:sync.history': { args: z.strictObject({ days: z.number().int().min(1).max(3660) }), result: syncResultSchema },
  'companion:data.activities': { args: z.strictObject({ limit: z.number().int().min(1).max(500) }), result: z.strictObject({ data: z.array(activitySchema), last_sync_at: isoTime, stale: z.boolean() }) },
  'companion:data.weekly': { args: z.strictObject({ weeks: z.number().int().min(1).max(104) }), result: z.strictObject({ data: z.array(weekSchema), last_sync_at: isoTime, stale: z.boolean() }) },
  'companion:agents.list': { args: none, result: z.array(grantSchema) },
  'companion:agents.add': { args: z.strictObject({ name: agentName }), result: z.strictObject({ name: z.string(), secret: z.string() }) },
  'companion:agents.revoke': { args: z.strictObject({ name: agentName }), result: z.strictObject({ revoked: z.boolean() }) },
  'companion:audit.list': { args: z.strictObject({ limit: z.number().int().min(1).max(500) }), result: z.array(auditEntrySchema) },
  'companion:settings.get': { args: none, result: desktopSettingsSchema },
  'companion:settings.set': { args: z.strictObject({ openAtLogin: z.boolean() }), result: desktopSettingsSchema },
} as const;

export const EVENTS = {
  'companion:state.changed': viewStateSchema,
} as const;

export type Channel = keyof typeof CHANNELS;
export type ArgsOf<C extends Channel> = z.infer<(typeof CHANNELS)[C]['args']>;
export type ResultOf<C extends Channel> = z.infer<(typeof CHANNELS)[C]['result']>;
export type EventName = keyof typeof EVENTS;
export type ViewState = z.infer<typeof viewStateSchema>;
export type SignInView = z.infer<typeof signInViewSchema>;
export type ConnectionStatusView = z.infer<typeof connectionStatusSchema>;
export type GrantView = z.infer<typeof grantSchema>;
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
export type DisconnectResultView = z.infer<typeof disconnectResultSchema>;
export type ErrorView = z.infer<typeof errorSchema>;
export type ActivityItemView = z.infer<typeof activitySchema>;
export type WeekView = z.infer<typeof weekSchema>;
export type DesktopSettingsView = z.infer<typeof desktopSettingsSchema>;

/** What crosses the boundary for every call. */
export type Envelope<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorView };

export const isChannel = (name: string): name is Channel => Object.hasOwn(CHANNELS, name);
