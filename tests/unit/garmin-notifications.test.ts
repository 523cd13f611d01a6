import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GARMIN_NOTIFICATION_KEYS, notificationKey, notificationOfRelayType, notificationOfStream } from '../../src-common/garmin-notifications.js';
import { GARMIN_SUMMARY_TYPES } from '../../src-common/relay-contract.js';
import { STREAMS } from '../../src-main/core/store/training-repo.js';
import { readWebhookBody } from '../../src-server/relay/webhook-envelope.js';
import { ROOT } from '../support/harness.js';

/** The notification keys of Garmin's Health API 1.2.2, Activity API 1.2.3 and Start Guide 1.1.0. */
const DOCUMENTED = [
  'activities',
  'activityDetails',
  'activityFiles',
  'manuallyUpdatedActivities',
  'moveIQActivities',
  'dailies',
  'epochs',
  'sleeps',
  'bodyComps',
  'stressDetails',
  'userMetrics',
  'pulseox',
  'allDayRespiration',
  'healthSnapshot',
  'hrv',
  'bloodPressures',
  'skinTemp',
  'deregistrations',
  'userPermissionsChange',
];

describe("Garmin's notification keys, one table", () => {
  it('holds every documented key once, with the REST paths of the documents', () => {
    expect(GARMIN_NOTIFICATION_KEYS.map((k) => k.key)).toEqual(DOCUMENTED);
    const byKey = Object.fromEntries(GARMIN_NOTIFICATION_KEYS.map((k) => [k.key, k]));
    expect(byKey.allDayRespiration).toMatchObject({ restPath: '/wellness-api/rest/respiration', backfillPath: '/wellness-api/rest/backfill/respiration', permission: 'HEALTH_EXPORT' });
    expect(byKey.pulseox).toMatchObject({ restPath: '/wellness-api/rest/pulseOx', backfillPath: '/wellness-api/rest/backfill/pulseOx' });
    expect(byKey.moveIQActivities).toMatchObject({ restPath: '/wellness-api/rest/moveiq', backfillPath: '/wellness-api/rest/backfill/moveiq', permission: 'ACTIVITY_EXPORT' });
    // Ping only, one download; the edits and the files have no backfill of their own.
    expect(byKey.activityFiles).toMatchObject({ restPath: '/wellness-api/rest/activityFile', backfillPath: null });
    expect(byKey.manuallyUpdatedActivities!.backfillPath).toBeNull();
    expect(byKey.deregistrations).toMatchObject({ kind: 'deregistration', restPath: null, permission: null });
  });

  it('reads the spellings partners see, in any case, and nothing else', () => {
    expect(notificationKey('pulseox')?.key).toBe('pulseox');
    expect(notificationKey('pulseOx')?.key).toBe('pulseox');
    expect(notificationKey('PULSEOX')?.key).toBe('pulseox');
    expect(notificationKey('respiration')?.key).toBe('allDayRespiration');
    expect(notificationKey('ManuallyUpdatedActivities')?.key).toBe('manuallyUpdatedActivities');
    expect(notificationKey('mysteries')).toBeNull();
    expect(notificationKey('constructor')).toBeNull();
  });

  it('names relay types the relay contract knows and streams the store has, and every stream is in it', () => {
    for (const k of GARMIN_NOTIFICATION_KEYS) {
      if (k.relayType !== null) expect(GARMIN_SUMMARY_TYPES).toContain(k.relayType);
      if (k.stream !== null) expect(STREAMS).toContain(k.stream);
      if (k.relayType !== null) expect(notificationOfRelayType(k.relayType)?.relayType).toBe(k.relayType);
    }
    for (const stream of STREAMS) expect({ stream, path: notificationOfStream(stream)?.restPath }).toEqual({ stream, path: `/wellness-api/rest/${stream}` });
    // Types an older relay stored under the body's own key still find their stream.
    expect(notificationOfRelayType('allDayRespiration')?.stream).toBe('respiration');
  });

  it('is printed in docs/server.md, row for row', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/server.md'), 'utf8');
    for (const k of GARMIN_NOTIFICATION_KEYS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${k.key}\``));
      expect(row, k.key).toBeDefined();
      expect(row).toContain(k.restPath ?? '—');
      expect(row).toContain(k.backfillPath ?? '—');
      expect(row).toContain(k.permission ?? '—');
      expect(row).toContain(k.use);
    }
  });

  it('a webhook body: known keys kept, unknown keys and runner-less items counted, tokens dropped', () => {
    const origin = 'https://apis.garmin.com';
    const body = readWebhookBody(
      {
        pulseOx: [{ userId: 'u1', summaryId: 'a', userAccessToken: 'legacy' }, {}],
        someNewGarminType: [{ userId: 'u1' }, { userId: 'u1' }, { userId: 'u1' }],
        epochs: [{ userId: 'u1', callbackURL: `${origin}/wellness-api/rest/epochs?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2&token=t` }, {}],
      },
      origin,
    );
    expect(body.notifications.map((n) => [n.kind, n.kind === 'push' || n.kind === 'ping' ? n.type : null])).toEqual([
      ['push', 'pulseOx'],
      ['ping', 'epochs'],
    ]);
    expect(body.notifications[0]!.kind === 'push' && JSON.parse(body.notifications[0]!.summaryJson)).toEqual({ userId: 'u1', summaryId: 'a' });
    expect(body.ignored).toEqual({ someNewGarminType: 3 });
    expect(body.unreadable).toEqual({ pulseox: 1, epochs: 1 });
    // One bare notification (Garmin's skin temperature example prints a bare object) is a list of one.
    expect(readWebhookBody({ skinTemp: { userId: 'u1', summaryId: 's' } }, origin).notifications.map((n) => n.kind === 'push' && [n.type, JSON.parse(n.summaryJson)])).toEqual([['skinTemp', { userId: 'u1', summaryId: 's' }]]);
    expect(() => readWebhookBody({ skinTemp: 'u1' }, origin)).toThrow(/holds no list/);
  });
});
