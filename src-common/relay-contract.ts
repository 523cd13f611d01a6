/**
 * What the R42 server's relay answers the desktop, declared once: the server builds its answers
 * from these schemas and the desktop parses them with the same ones. Plain zod, no Node module.
 */
import { z } from 'zod';

/**
 * The types the relay hands a desktop: each documented key's relay type in
 * src-common/garmin-notifications.ts (the local stream's name where there is one: `pulseox` comes as
 * `pulseOx`, `allDayRespiration` as `respiration`), and the body keys an older server stored as they
 * came (`allDayRespiration`), so its rows still parse. Changing this list changes the wire format.
 */
export const GARMIN_SUMMARY_TYPES = [
  'activities',
  'activityDetails',
  'activityFiles',
  'manuallyUpdatedActivities',
  'moveIQActivities',
  'dailies',
  'epochs',
  'sleeps',
  'hrv',
  'stressDetails',
  'userMetrics',
  'bodyComps',
  'pulseOx',
  'respiration',
  'allDayRespiration',
  'healthSnapshot',
  'skinTemp',
  'bloodPressures',
] as const;

export type GarminSummaryType = (typeof GARMIN_SUMMARY_TYPES)[number];

/** The largest relay position: the relay's ids are PostgreSQL bigints (2^63 − 1). */
export const RELAY_CURSOR_MAX = 9_223_372_036_854_775_807n;

/** A relay position: the last notification a desktop has seen. Opaque to the desktop. */
export const relayCursor = z
  .string()
  .regex(/^\d{1,19}$/, 'must be a cursor the relay gave')
  .refine((cursor) => !/^\d{1,19}$/.test(cursor) || BigInt(cursor) <= RELAY_CURSOR_MAX, `must be a cursor the relay gave (at most ${RELAY_CURSOR_MAX})`);

/**
 * The header a desktop names itself with on every relay request: a random id kept in its data
 * folder. The relay delivers every notification to each of a runner's computers and keeps it until
 * all of them have acknowledged it.
 */
export const RELAY_COMPUTER_HEADER = 'r42-computer';
export const relayComputerId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 of A-Z a-z 0-9 - _');
/** The answer's header saying how many computers the runner has linked, this one included. */
export const RELAY_COMPUTERS_HEADER = 'r42-relay-computers';

/** `DELETE /v1/relay/registration`: what the relay did when this computer disconnected. */
export const relayForgotten = z.strictObject({
  deleted: z.number().int().nonnegative(),
  /** The runner's other computers the relay still delivers to: Garmin's registration must stay while there are any. */
  computersLeft: z.number().int().nonnegative(),
  /** When the most recently seen of them last asked the relay (ISO 8601), or null. */
  othersLastSeenAt: z.string().datetime().nullable(),
});
export type RelayForgotten = z.infer<typeof relayForgotten>;

/**
 * The header a desktop names the optional fields it reads with (comma-separated). The relay adds a
 * field only for a desktop that names it, so an older desktop, which parses pages strictly, still
 * reads every page; an older relay sends none, and the desktop does without.
 */
export const RELAY_READS_HEADER = 'r42-relay-reads';
/** An activity file ping's identifying fields (`activityFile`). */
export const RELAY_READS_ACTIVITY_FILE = 'activityFile';

/**
 * What identifies an activity file ping's upload, as Garmin sent it beside the callback URL: the
 * Garmin activity id (digits), the file type (FIT, TCX, GPX) and the activity's start. Each is
 * null when Garmin sent none that could be read. Nothing secret: the callback URL stays the only
 * way to the file.
 */
export const activityFileFields = z.strictObject({
  activityId: z.string().regex(/^\d{1,20}$/).nullable(),
  fileType: z.string().regex(/^[A-Z0-9]{1,16}$/).nullable(),
  startTimeInSeconds: z.number().int().nonnegative().nullable(),
});
export type ActivityFileFields = z.infer<typeof activityFileFields>;

export const relayNotification = z.discriminatedUnion('kind', [
  z.strictObject({
    cursor: relayCursor,
    kind: z.literal('ping'),
    type: z.enum(GARMIN_SUMMARY_TYPES),
    /** Garmin's URL (with its pull token) to GET with the runner's own access token. */
    callbackURL: z.string().url(),
    uploadStartTimeInSeconds: z.number().int().nullable(),
    uploadEndTimeInSeconds: z.number().int().nullable(),
    /** An `activityFiles` ping's identifying fields, for a desktop that asked for them (RELAY_READS_HEADER). */
    activityFile: activityFileFields.optional(),
  }),
  z.strictObject({
    cursor: relayCursor,
    kind: z.literal('push'),
    type: z.enum(GARMIN_SUMMARY_TYPES),
    /** The summary as Garmin pushed it. */
    summary: z.record(z.string(), z.unknown()),
  }),
  /** The runner removed R42 in Garmin Connect: the link is gone. */
  z.strictObject({ cursor: relayCursor, kind: z.literal('deregistration') }),
  /** The runner changed what they share on Garmin's side. */
  z.strictObject({ cursor: relayCursor, kind: z.literal('permissions'), permissions: z.array(z.string()) }),
]);

export type RelayNotification = z.infer<typeof relayNotification>;

/** `GET /v1/relay/notifications?after=&wait=`: the runner's pending notifications, oldest first. */
export const relayPage = z.strictObject({
  notifications: z.array(relayNotification),
  /** Where the next request starts (`after=`); the same as `after` when nothing was pending. */
  cursor: relayCursor.nullable(),
  /**
   * More are pending than this page holds (a page holds at most 500, and no more than the
   * server's `RELAY_PAGE_MAX_BYTES`, but always at least one): store this page, then ask again at once.
   */
  more: z.boolean(),
});

export type RelayPage = z.infer<typeof relayPage>;

/** `POST /v1/relay/ack`: everything up to and including `cursor` is stored on the desktop. */
export const relayAck = z.strictObject({ cursor: relayCursor });

/** Longest long-poll the relay holds a request open for. */
export const RELAY_MAX_WAIT_SECONDS = 30;

/**
 * The largest relay page (`GET /v1/relay/notifications` answer) a desktop reads; a larger one is
 * refused without being held in memory (a broken or hostile server must not make it allocate
 * without bound). The server keeps every page below it: a page stops at `RELAY_PAGE_MAX_BYTES`
 * but always holds one notification, and one notification is never larger than the webhook body
 * it came in (`WEBHOOK_MAX_MEGABYTES`), so the server refuses settings whose sum comes near this.
 */
export const RELAY_PAGE_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
