/**
 * The one IPC contract between the renderer and main (docs/architecture.md rule 3). Each channel maps to a zod
 * schema for its arguments and its result; types are inferred from it. Main parses every payload
 * against it before calling the core, and every result on the way out: a field that is not in a
 * schema (a token, say) cannot reach the renderer. Errors cross as `{ code, message }`.
 */
import { z } from 'zod';
import {
  activitiesAnswer,
  activityDetailsData,
  activityView,
  connectionStatus,
  disconnectResult,
  errorAnswer,
  grantView,
  hrProfileData,
  importSummary,
  recordsData,
  syncOutcome,
  trainingLoadData,
  trendsData,
  weeklyAnswer,
  weekSummary,
} from './contract.js';
import { activityId, isoDate, splitUnitParam } from './data-query.js';
import { decisionAnswer, plannedWorkout, workoutId, workoutViewsAnswer } from './workout-contract.js';

// The answer shapes are declared once in src-common/contract.ts (strict objects); the names here are the IPC's.
export const connectionStatusSchema = connectionStatus;
export const errorSchema = errorAnswer;
export const disconnectResultSchema = disconnectResult;
export const activitySchema = activityView;
export const weekSchema = weekSummary;
export const grantSchema = grantView;

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

export const auditEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  event: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

const none = z.undefined();

/** A 32 MB FIT file in base64 (the importer's own bound refuses anything larger). */
export const IMPORT_FILE_BASE64_MAX = Math.ceil((32 * 1024 * 1024) / 3) * 4;

const agentName = z.string().min(1).max(64);

/** The desktop app's own settings; start at login only where the shell can set it (not in a browser). */
export const desktopSettingsSchema = z.strictObject({ openAtLogin: z.boolean(), openAtLoginAvailable: z.boolean() });

export const CHANNELS = {
  'companion:state.get': { args: none, result: viewStateSchema },
  'companion:auth.connect': { args: none, result: z.strictObject({ garminUserId: z.string(), permissions: z.array(z.string()) }) },
  'companion:auth.cancel': { args: none, result: z.null() },
  'companion:auth.disconnect': { args: z.strictObject({ keepData: z.boolean() }), result: disconnectResultSchema },
  'companion:sync.now': { args: none, result: syncOutcome },
  /** Loads the history back to `days` ago (a longer one than the first sync loaded). */
  'companion:sync.history': { args: z.strictObject({ days: z.number().int().min(1).max(3660) }), result: syncOutcome },
  'companion:data.activities': { args: z.strictObject({ limit: z.number().int().min(1).max(500) }), result: activitiesAnswer },
  'companion:data.weekly': { args: z.strictObject({ weeks: z.number().int().min(1).max(104) }), result: weeklyAnswer },
  /** The coaching pages: one activity's figures (splits in km or mi), load, HRV and sleep trends, records, the HR profile. */
  'companion:data.activity': { args: z.strictObject({ id: activityId, unit: splitUnitParam }), result: activityDetailsData },
  /** The service checks the range's order and length (bad_request). */
  'companion:data.trainingLoad': { args: z.strictObject({ from: isoDate, to: isoDate }), result: trainingLoadData },
  'companion:data.trends': { args: z.strictObject({ from: isoDate, to: isoDate }), result: trendsData },
  'companion:data.records': { args: none, result: recordsData },
  'companion:data.hrProfile': { args: none, result: hrProfileData },
  /**
   * Files dropped on the app, one per call, as bytes (base64): main never reads a path the renderer
   * names. A FIT file is at most 32 MB; Garmin's export archive goes through `r42-companion import`.
   */
  'companion:import.file': { args: z.strictObject({ name: z.string().min(1).max(255), data: z.string().max(IMPORT_FILE_BASE64_MAX) }), result: importSummary },
  /** Import from watch: main looks only where removable volumes are mounted, never where the renderer says. */
  'companion:import.watch': { args: none, result: importSummary },
  /** Workouts agents proposed, newest first, in full: the approval cards; the runner's decisions (no agent reaches these). */
  'companion:workouts.list': { args: z.strictObject({ limit: z.number().int().min(1).max(100) }), result: workoutViewsAnswer },
  'companion:workouts.approve': { args: z.strictObject({ id: workoutId }), result: decisionAnswer },
  'companion:workouts.reject': { args: z.strictObject({ id: workoutId }), result: decisionAnswer },
  /** The approved workout a run did, step by step against the plan (the activity page), or null. */
  'companion:workouts.forActivity': { args: z.strictObject({ id: activityId }), result: plannedWorkout.nullable() },
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
export type ImportSummaryView = z.infer<typeof importSummary>;

/** What crosses the boundary for every call. */
export type Envelope<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorView };

export const isChannel = (name: string): name is Channel => Object.hasOwn(CHANNELS, name);
