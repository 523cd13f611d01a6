import { createHash } from 'node:crypto';
import { z } from 'zod';
import { notificationKey } from '../../src-common/garmin-notifications.js';
import type { ActivityFileFields } from '../../src-common/relay-contract.js';

/** Most notifications one webhook body may carry (Garmin batches a few minutes of deliveries). */
export const MAX_NOTIFICATIONS_PER_BODY = 10_000;

/** A notification ready to store: no field of it has been trusted without a check. */
export type IncomingNotification =
  | {
      readonly kind: 'ping';
      readonly garminUserId: string;
      readonly type: string;
      readonly callbackUrl: string;
      readonly uploadStart: number | null;
      readonly uploadEnd: number | null;
      /** An activity file ping's identifying fields (Garmin's activity id, file type, start), or null. */
      readonly activityFile: ActivityFileFields | null;
      readonly dedupeKey: string;
    }
  | { readonly kind: 'push'; readonly garminUserId: string; readonly type: string; readonly summaryJson: string; readonly dedupeKey: string }
  | { readonly kind: 'deregistration'; readonly garminUserId: string; readonly dedupeKey: string }
  | { readonly kind: 'permissions'; readonly garminUserId: string; readonly permissions: readonly string[]; readonly dedupeKey: string };

const userId = z.string().min(1).max(128);
const item = z.looseObject({ userId });
const envelope = z.record(z.string(), z.unknown()).refine((value) => Object.keys(value).length > 0, 'the body holds no notification');
const deregistration = z.looseObject({ userId });
const permissionsChange = z.looseObject({ userId, permissions: z.array(z.string().max(64)).max(64) });

/** What a webhook body holds: the notifications to store, and what was left out, counted per key. */
export interface ParsedWebhookBody {
  readonly notifications: IncomingNotification[];
  /** Keys Garmin does not document (or that R42 does not know yet): acknowledged, counted, never stored. */
  readonly ignored: Readonly<Record<string, number>>;
  /** Items of a known key that cannot be read (no userId, not an object: the Health API's ping example ends with `{}`), per documented key. */
  readonly unreadable: Readonly<Record<string, number>>;
}

/** A key as it may appear in a log line: what it is called, never what it holds, and never a control character. */
export function loggableKey(key: string): string {
  return key.slice(0, 40).replace(/[^A-Za-z0-9_.-]/g, '?') || '?';
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** A stable text for a JSON value (object keys sorted), so a redelivery hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

function windowOf(url: URL): { start: number | null; end: number | null } {
  const read = (name: string) => {
    const value = url.searchParams.get(name);
    return value !== null && /^\d{1,12}$/.test(value) ? Number(value) : null;
  };
  return { start: read('uploadStartTimeInSeconds'), end: read('uploadEndTimeInSeconds') };
}

/**
 * What identifies an activity file ping's upload (Garmin's documented activityFiles item:
 * summaryId, activityId, fileType, callbackURL, startTimeInSeconds, activityName, manual…): the
 * activity id, file type and start the desktop needs to make the file one activity with the API's,
 * whatever the two starts say. A field that cannot be read is null; keys with stray spaces read as
 * the key, as the desktop reads Garmin's records. Nothing else of the item is kept.
 */
export function activityFileFieldsOf(raw: Readonly<Record<string, unknown>>): ActivityFileFields | null {
  const fields = new Map(Object.entries(raw).map(([key, value]) => [key.trim(), value]));
  const id = fields.get('activityId');
  const activityId =
    typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : typeof id === 'string' && /^\d{1,20}$/.test(id.trim()) ? id.trim() : null;
  const type = fields.get('fileType');
  const fileType = typeof type === 'string' && /^[A-Za-z0-9]{1,16}$/.test(type.trim()) ? type.trim().toUpperCase() : null;
  const start = fields.get('startTimeInSeconds');
  const startTimeInSeconds = typeof start === 'number' && Number.isSafeInteger(start) && start >= 0 ? start : null;
  return activityId === null && fileType === null && startTimeInSeconds === null ? null : { activityId, fileType, startTimeInSeconds };
}

/**
 * Validates a webhook body (ping, push, deregistrations, permission changes) into notifications,
 * reading every key with Garmin's documented table (src-common/garmin-notifications.ts, spellings
 * and case as partners see them). A key Garmin does not document is counted, not refused: Garmin
 * answers a refusal by delivering the same body again for a week and then drops it, so refusing
 * one unknown key would lose the known ones beside it. So is an item that names no runner (Garmin's
 * own ping example ends with `{}`). What is refused (400, stored nothing: Garmin retries it) is a
 * body that is not an envelope at all, a known key whose value is not a list, or a callback URL
 * anywhere but on Garmin's API origin: the relay never fetches it, and the desktop would refuse to.
 */
export function readWebhookBody(body: unknown, garminApiOrigin: string): ParsedWebhookBody {
  const parsed = Array.isArray(body) ? null : envelope.safeParse(body);
  if (!parsed?.success) throw new EnvelopeError('The body is not a notification envelope ({"<type>": [ … ]}).');
  const total = Object.values(parsed.data).reduce((n: number, items) => n + (Array.isArray(items) ? items.length : 1), 0);
  if (total > MAX_NOTIFICATIONS_PER_BODY) throw new EnvelopeError(`The body holds ${total} notifications; at most ${MAX_NOTIFICATIONS_PER_BODY} are accepted.`);
  const out: IncomingNotification[] = [];
  const ignored: Record<string, number> = {};
  const unreadable: Record<string, number> = {};
  const count = (into: Record<string, number>, key: string, n = 1) => {
    into[key] = (into[key] ?? 0) + n;
  };
  for (const [bodyKey, value] of Object.entries(parsed.data)) {
    const known = notificationKey(bodyKey);
    if (!known) {
      count(ignored, loggableKey(bodyKey), Array.isArray(value) ? value.length : 1);
      continue;
    }
    // One bare notification is a list of one (Garmin's skin temperature example prints a bare object).
    if (!Array.isArray(value) && (typeof value !== 'object' || value === null)) throw new EnvelopeError(`"${known.key}" holds no list of notifications.`);
    const items: unknown[] = Array.isArray(value) ? value : [value];
    if (known.kind === 'deregistration') {
      for (const raw of items) {
        const entry = deregistration.safeParse(raw);
        if (!entry.success) {
          count(unreadable, known.key);
          continue;
        }
        out.push({ kind: 'deregistration', garminUserId: entry.data.userId, dedupeKey: digest('deregistration', entry.data.userId, canonical(raw)) });
      }
      continue;
    }
    if (known.kind === 'permissions') {
      for (const raw of items) {
        const entry = permissionsChange.safeParse(raw);
        if (!entry.success) {
          count(unreadable, known.key);
          continue;
        }
        out.push({
          kind: 'permissions',
          garminUserId: entry.data.userId,
          permissions: [...entry.data.permissions].sort(),
          dedupeKey: digest('permissions', entry.data.userId, canonical(raw)),
        });
      }
      continue;
    }
    const type = known.relayType!;
    for (const raw of items) {
      const entry = item.safeParse(raw);
      if (!entry.success) {
        count(unreadable, known.key);
        continue;
      }
      // Older push bodies carry the runner's user access token beside the data: never kept.
      const { callbackURL, userAccessToken: _token, ...summary } = entry.data as Record<string, unknown> & { userId: string };
      if (callbackURL !== undefined) {
        if (typeof callbackURL !== 'string' || callbackURL.length > 2048) throw new EnvelopeError(`A ${known.key} callbackURL is not a URL.`);
        let url: URL;
        try {
          url = new URL(callbackURL);
        } catch {
          throw new EnvelopeError(`A ${known.key} callbackURL is not a URL.`);
        }
        if (url.origin !== garminApiOrigin || !url.pathname.startsWith('/wellness-api/rest/') || url.username || url.password) {
          throw new EnvelopeError(`A ${known.key} callbackURL points outside Garmin's API (${garminApiOrigin}).`);
        }
        const window = windowOf(url);
        out.push({
          kind: 'ping',
          garminUserId: entry.data.userId,
          type,
          callbackUrl: url.href,
          uploadStart: window.start,
          uploadEnd: window.end,
          activityFile: type === 'activityFiles' ? activityFileFieldsOf(summary) : null,
          dedupeKey: digest('ping', type, entry.data.userId, url.href),
        });
        continue;
      }
      const summaryJson = JSON.stringify(summary);
      const summaryId = typeof summary.summaryId === 'string' || typeof summary.summaryId === 'number' ? String(summary.summaryId) : null;
      out.push({
        kind: 'push',
        garminUserId: entry.data.userId,
        type,
        summaryJson,
        // A corrected summary keeps its summaryId but changes: stored again, so the newest wins.
        dedupeKey: digest('push', type, entry.data.userId, summaryId ?? '', canonical(summary)),
      });
    }
  }
  return { notifications: out, ignored, unreadable };
}

/** The notifications of a webhook body to store (readWebhookBody without the counts of what it left out). */
export function parseWebhookBody(body: unknown, garminApiOrigin: string): IncomingNotification[] {
  return readWebhookBody(body, garminApiOrigin).notifications;
}
