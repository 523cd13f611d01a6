import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GARMIN_SUMMARY_TYPES } from '../../src-common/relay-contract.js';

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
      readonly dedupeKey: string;
    }
  | { readonly kind: 'push'; readonly garminUserId: string; readonly type: string; readonly summaryJson: string; readonly dedupeKey: string }
  | { readonly kind: 'deregistration'; readonly garminUserId: string; readonly dedupeKey: string }
  | { readonly kind: 'permissions'; readonly garminUserId: string; readonly permissions: readonly string[]; readonly dedupeKey: string };

const userId = z.string().min(1).max(128);
const item = z.looseObject({ userId });
const envelope = z
  .record(z.string(), z.array(z.unknown()).min(1))
  .refine((value) => Object.keys(value).length > 0, 'the body holds no notification');
const deregistration = z.looseObject({ userId });
const permissionsChange = z.looseObject({ userId, permissions: z.array(z.string().max(64)).max(64) });

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
 * Validates a webhook body (ping, push, deregistrations, permission changes) into notifications.
 * Anything malformed refuses the whole body: Garmin retries it, and nothing half-stored remains.
 * A callback URL anywhere but on Garmin's API origin is refused: the relay never fetches it, and
 * the desktop would refuse to.
 */
export function parseWebhookBody(body: unknown, garminApiOrigin: string): IncomingNotification[] {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new EnvelopeError('The body is not a notification envelope ({"<type>": [ … ]}).');
  const total = Object.values(parsed.data).reduce((n, items) => n + items.length, 0);
  if (total > MAX_NOTIFICATIONS_PER_BODY) throw new EnvelopeError(`The body holds ${total} notifications; at most ${MAX_NOTIFICATIONS_PER_BODY} are accepted.`);
  const out: IncomingNotification[] = [];
  for (const [type, items] of Object.entries(parsed.data)) {
    if (type === 'deregistrations') {
      for (const raw of items) {
        const entry = deregistration.safeParse(raw);
        if (!entry.success) throw new EnvelopeError('A deregistration has no userId.');
        out.push({ kind: 'deregistration', garminUserId: entry.data.userId, dedupeKey: digest('deregistration', entry.data.userId, canonical(raw)) });
      }
      continue;
    }
    if (type === 'userPermissionsChange') {
      for (const raw of items) {
        const entry = permissionsChange.safeParse(raw);
        if (!entry.success) throw new EnvelopeError('A permission change needs a userId and a list of permissions.');
        out.push({
          kind: 'permissions',
          garminUserId: entry.data.userId,
          permissions: [...entry.data.permissions].sort(),
          dedupeKey: digest('permissions', entry.data.userId, canonical(raw)),
        });
      }
      continue;
    }
    if (!(GARMIN_SUMMARY_TYPES as readonly string[]).includes(type)) throw new EnvelopeError(`Unknown summary type "${type.slice(0, 40)}".`);
    for (const raw of items) {
      const entry = item.safeParse(raw);
      if (!entry.success) throw new EnvelopeError(`A ${type} notification has no userId.`);
      const { callbackURL, ...summary } = entry.data as Record<string, unknown> & { userId: string };
      if (callbackURL !== undefined) {
        if (typeof callbackURL !== 'string' || callbackURL.length > 2048) throw new EnvelopeError(`A ${type} callbackURL is not a URL.`);
        let url: URL;
        try {
          url = new URL(callbackURL);
        } catch {
          throw new EnvelopeError(`A ${type} callbackURL is not a URL.`);
        }
        if (url.origin !== garminApiOrigin || !url.pathname.startsWith('/wellness-api/rest/') || url.username || url.password) {
          throw new EnvelopeError(`A ${type} callbackURL points outside Garmin's API (${garminApiOrigin}).`);
        }
        const window = windowOf(url);
        out.push({
          kind: 'ping',
          garminUserId: entry.data.userId,
          type,
          callbackUrl: url.href,
          uploadStart: window.start,
          uploadEnd: window.end,
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
  return out;
}
