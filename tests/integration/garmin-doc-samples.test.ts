/**
 * Garmin's own documented example payloads (Health API 1.2.2, Activity API 1.2.3, Start Guide
 * 1.1.0), read at test time from ../shared/garmin-doc-samples (never copied here: they are
 * Garmin's), delivered as Garmin delivers them: as pings (the desktop pulls the callback from the
 * simulator) and as pushes, through the R42 server on PGlite and on PostgreSQL, to linked
 * companions. Every body is answered 200, and each documented value answers on the agent endpoint
 * and in MCP. SOURCES.md there lists the quirks these examples carry; each is asserted below.
 * Where ../shared is absent (a clone elsewhere) this file says so and skips: the project's own
 * fixtures in garmin-quirks.test.ts cover the same cases.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailiesAnswer, epochsAnswer, healthAnswer, hrvAnswer, metricsAnswer, sleepsAnswer, activitiesAnswer, trendsData } from '../../src-common/contract.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { startDeliveryWorld, type DeliveryWorld, type Runner } from '../support/garmin-delivery.js';
import { ROOT } from '../support/harness.js';
import { sharedDir } from '../support/shared.js';

const SAMPLES = sharedDir('garmin-doc-samples') ?? path.join(ROOT, '..', 'shared', 'garmin-doc-samples');
const HAVE_SAMPLES = existsSync(path.join(SAMPLES, 'SOURCES.md'));
if (!HAVE_SAMPLES) {
  console.warn(`Garmin's documented payloads are not at ${SAMPLES}: garmin-doc-samples.test.ts is skipped (garmin-quirks.test.ts covers the same cases with the project's own fixtures).`);
}

type Rec = Record<string, unknown>;
const sample = (file: string): Rec[] => {
  const value = JSON.parse(readFileSync(path.join(SAMPLES, file), 'utf8')) as unknown;
  return (Array.isArray(value) ? value : [value]) as Rec[];
};
const envelope = (file: string) => JSON.parse(readFileSync(path.join(SAMPLES, 'envelopes', file), 'utf8')) as Record<string, Rec[]>;

/** The summary files: each is the list under its key in a push body (the file name is the key). */
const SUMMARY_KEYS = [
  'activities',
  'activityDetails',
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
];

/** A record's value averaged per record (to 0.1, as stored), then per day (to 0.1), as the trends compute it. */
function dayAverage(records: Rec[], field: string, min: number, max: number): number {
  const means = records.map((r) => {
    const values = Object.values(r[field] as Record<string, number>).filter((v) => v >= min && v <= max);
    return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
  });
  return Math.round((means.reduce((a, b) => a + b, 0) / means.length) * 10) / 10;
}

describe.skipIf(!HAVE_SAMPLES).each(['pglite', 'postgres'] as const)("Garmin's documented payloads, pinged and pushed through the R42 server (%s)", (kind) => {
  let w: DeliveryWorld;
  const data = <T>(runner: Runner, target: string, schema: { parse(v: unknown): T }) =>
    runner.get(target).then((answer) => {
      expect({ target, status: answer.status }).toEqual({ target, status: 200 });
      return schema.parse(answer.body);
    });

  beforeAll(async () => {
    w = await startDeliveryWorld(kind);
    expect(readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).length).toBe(19);
    // The original activity first, then Garmin's other summary files in the order of its documents.
    w.sim.deliverBody(retarget(envelope('push-activities.activity-1.2.3.json'), w.runners.push.garminUserId));
    w.sim.uploadRecords('activities', envelope('push-activities.activity-1.2.3.json').activities!.map(({ userId: _u, ...r }) => r), { delivery: 'ping', userId: w.runners.ping.garminUserId });
    await w.settle();
    for (const key of SUMMARY_KEYS) w.upload(key, sample(`${key}.json`));
    await w.settle();
  }, 240_000);
  afterAll(async () => {
    await w?.close();
  });

  /** A documented body addressed to one of our runners, its callback URLs on the simulator (Garmin's API origin in the test). */
  const retarget = (body: Record<string, Rec[]>, userId: string): Record<string, Rec[]> =>
    JSON.parse(JSON.stringify(body).replaceAll('https://apis.garmin.com', w.sim.url).replace(/"userId": ?"[^"]*"/g, `"userId":"${userId}"`)) as Record<string, Rec[]>;

  it('answers every documented body 200: nothing is refused, and Garmin never has to redeliver', () => {
    expect(w.sim.webhookLog.length).toBeGreaterThanOrEqual(2 * SUMMARY_KEYS.length);
    expect(w.sim.webhookLog.filter((a) => a.status !== 200)).toEqual([]);
    expect(w.sim.droppedDeliveries).toBe(0);
  });

  it('dailies: 4,210 steps on 2016-01-11, and the daily printed without calendarDate on the day its start falls on; ids trimmed', async () => {
    const [first, second] = sample('dailies.json') as [Rec, Rec];
    expect(second.calendarDate).toBeUndefined();
    for (const runner of w.all) {
      const days = (await data(runner, '/v1/dailies?from=2016-01-11&to=2016-01-12', dailiesAnswer)).data;
      expect(days.map((d) => [d.calendar_date, d.summary_id, d.steps, d.resting_hr, d.avg_hr, d.avg_stress])).toEqual([
        ['2016-01-12', 'EXAMPLE_67892', second.steps, 64, 67, 37],
        ['2016-01-11', 'EXAMPLE_67891', first.steps, null, 64, 43],
      ]);
      expect(days[1]!.steps).toBe(4210);
      const tool = (await runner.tool('get_daily_summaries', { from: '2016-01-11', to: '2016-01-12' })) as { days: Array<{ steps: number }> };
      expect(tool.days.map((d) => d.steps)).toEqual([3305, 4210]);
    }
  });

  it('sleeps: both nights (the one without calendarDate dated by the morning it ends), its score, and the off-wrist night', async () => {
    for (const runner of w.all) {
      const nights = (await data(runner, '/v1/sleeps?from=2016-01-10&to=2021-01-29', sleepsAnswer)).data;
      expect(nights.map((n) => [n.calendar_date, n.summary_id, n.duration_s, n.deep_s, n.light_s, n.rem_s, n.awake_s, n.score])).toEqual([
        ['2021-01-29', 'x-EXAMPLE', 28260, 0, 0, 0, 0, null],
        // No calendarDate: it starts at 01:11 on 2016-01-11 (UTC+2) and lasts 11,900 s, so the runner wakes on 2016-01-11.
        ['2016-01-11', 'EXAMPLE_567891', 11900, 9446, 0, 2142, 312, 87],
        ['2016-01-10', 'EXAMPLE_567890', 15264, 11231, 3541, 0, 492, null],
      ]);
      const tool = (await runner.tool('get_sleep', { from: '2016-01-10', to: '2016-01-11' })) as { nights: Array<{ calendar_date: string }> };
      expect(tool.nights.map((n) => n.calendar_date)).toEqual(['2016-01-11', '2016-01-10']);
    }
  });

  it('hrv 44 and VO2 max 48 with fitness age 32, also as trends', async () => {
    for (const runner of w.all) {
      expect((await data(runner, '/v1/hrv?from=2022-05-31&to=2022-05-31', hrvAnswer)).data).toEqual([
        { summary_id: 'x473db21-6295abc4', calendar_date: '2022-05-31', last_night_avg_ms: 44, last_night_5min_high_ms: 72 },
      ]);
      expect((await data(runner, '/v1/metrics?from=2017-03-23&to=2017-03-23', metricsAnswer)).data).toEqual([{ summary_id: 'EXAMPLE_843244', calendar_date: '2017-03-23', vo2max: 48, fitness_age: 32 }]);
      const trends = (await data(runner, '/v1/trends?from=2017-03-23&to=2017-03-23', trendsData)).data;
      expect(trends.days[0]).toMatchObject({ vo2max: 48, fitness_age: 32, avg_stress: 31.5 });
      const hrv = (await runner.tool('get_hrv', { from: '2022-05-31', to: '2022-05-31' })) as { nights: Array<{ last_night_avg_ms: number }> };
      expect(hrv.nights[0]!.last_night_avg_ms).toBe(44);
      const health = (await runner.tool('get_health_metrics', { from: '2017-03-23', to: '2017-03-23' })) as { health: { fitness: unknown[] } };
      expect(health.health.fitness).toEqual([{ calendar_date: '2017-03-23', vo2max: 48, fitness_age: 32 }]);
    }
  });

  it('pulseox (the lower-case key) gives SpO2 and allDayRespiration gives breaths per minute in the trends', async () => {
    const spo2 = dayAverage(sample('pulseox.json'), 'timeOffsetSpo2Values', 50, 100);
    const breaths = dayAverage(sample('allDayRespiration.json'), 'timeOffsetEpochToBreaths', 1, 80);
    for (const runner of w.all) {
      const pulse = (await data(runner, '/v1/trends?from=2018-08-27&to=2018-08-27', trendsData)).data.days[0]!;
      expect(pulse.spo2_avg).toBe(spo2);
      // Respiration has no calendarDate: 1568171700 at UTC-5 is 2019-09-10, 22:15 local.
      const resp = (await data(runner, '/v1/trends?from=2019-09-10&to=2019-09-10', trendsData)).data.days[0]!;
      expect(resp.respiration_avg).toBe(breaths);
      expect(resp.respiration_avg).toBeGreaterThan(14);
      const tool = (await runner.tool('get_trends', { from: '2019-09-10', to: '2019-09-10', fields: 'all' })) as { trends: { days: Array<{ respiration_avg: number }> } };
      expect(tool.trends.days[0]!.respiration_avg).toBe(breaths);
      const toolSpo2 = (await runner.tool('get_trends', { from: '2018-08-27', to: '2018-08-27', fields: 'all' })) as { trends: { days: Array<{ spo2_avg: number }> } };
      expect(toolSpo2.trends.days[0]!.spo2_avg).toBe(spo2);
    }
  });

  it('bodyComps (every key printed with a leading space) give the weight; the 751,732 g weigh-in is left out as implausible', async () => {
    for (const runner of w.all) {
      const days = (await data(runner, '/v1/trends?from=2015-08-16&to=2015-08-17', trendsData)).data.days;
      expect(days.map((d) => [d.date, d.weight_kg])).toEqual([
        ['2015-08-16', 75.5],
        ['2015-08-17', null],
      ]);
    }
  });

  it('epochs: steps and intensity per 15 minutes, and the intensity minutes of the day', async () => {
    for (const runner of w.all) {
      const epochs = (await data(runner, '/v1/epochs?from=2016-02-02&to=2016-02-02', epochsAnswer)).data;
      expect(epochs.map((e) => [e.local_time, e.activity_type, e.intensity, e.steps, e.active_s])).toEqual([
        ['14:15', 'SEDENTARY', 'SEDENTARY', 0, 600],
        ['14:15', 'RUNNING', 'HIGHLY_ACTIVE', 427, 300],
      ]);
      expect((await data(runner, '/v1/trends?from=2016-02-02&to=2016-02-02', trendsData)).data.days[0]!.intensity_min).toBe(5);
      const tool = (await runner.tool('get_intraday_activity', { from: '2016-02-02', to: '2016-02-02' })) as { days: Array<{ steps: number; highly_active_min: number; hourly_steps: number[] }> };
      expect(tool.days).toHaveLength(1);
      expect(tool.days[0]).toMatchObject({ steps: 427, highly_active_min: 5 });
      expect(tool.days[0]!.hourly_steps[14]).toBe(427);
    }
  });

  it('healthSnapshot (offsetStartTimeInSeconds), blood pressure and skin temperature: where a coach reads them', async () => {
    for (const runner of w.all) {
      const snapshot = (await data(runner, '/v1/measurements?from=2021-08-31&to=2021-08-31', healthAnswer)).data.snapshots;
      expect(snapshot).toEqual([{ calendar_date: '2021-08-31', start_time: '2021-08-31T11:26:18.000Z', hr_avg: 83, spo2_avg: 85, respiration_avg: 14.5, stress_avg: 82, rmssd_ms: 20, sdrr_ms: 32 }]);
      // 1663776000 at UTC-5 is 2022-09-21, 11:00 local.
      const pressure = (await data(runner, '/v1/measurements?from=2022-09-21&to=2022-09-21', healthAnswer)).data.blood_pressure;
      expect(pressure).toEqual([{ measured_at: '2022-09-21T16:00:00.000Z', local_date: '2022-09-21', systolic: 120, diastolic: 110, pulse: 82, source: 'MANUAL' }]);
      const skin = (await data(runner, '/v1/measurements?from=2024-03-18&to=2024-03-18', healthAnswer)).data.skin_temperature;
      expect(skin).toEqual([{ calendar_date: '2024-03-18', deviation_c: -1.6 }]);
      const trends = (await data(runner, '/v1/trends?from=2022-09-21&to=2022-09-21', trendsData)).data.days[0]!;
      expect(trends).toMatchObject({ bp_systolic: 120, bp_diastolic: 110 });
      expect((await data(runner, '/v1/trends?from=2024-03-18&to=2024-03-18', trendsData)).data.days[0]!.skin_temp_dev_c).toBe(-1.6);
      const tool = (await runner.tool('get_health_metrics', { from: '2021-08-31', to: '2024-03-18' })) as { health: { blood_pressure: unknown[]; skin_temperature: unknown[]; snapshots: unknown[] } };
      expect(tool.health.blood_pressure).toEqual(pressure);
      expect(tool.health.skin_temperature).toEqual(skin);
      expect(tool.health.snapshots).toEqual(snapshot);
    }
  });

  it('activities: the runner’s edit in Garmin Connect replaces the activity, and a re-delivered original does not undo it', async () => {
    for (const runner of w.all) {
      const list = (await data(runner, '/v1/activities?from=2016-01-11&to=2016-01-11', activitiesAnswer)).data;
      const edited = list.find((a) => a.summary_id === 'EXAMPLE_12345')!;
      // The push example said 2.889 m/s; manuallyUpdatedActivities says 44.889.
      expect(edited).toMatchObject({ type: 'RUNNING', avg_speed_mps: 44.888999938964844, device_name: 'Forerunner 910XT' });
      expect(list.find((a) => a.summary_id === 'EXAMPLE_12346')).toMatchObject({ type: 'CYCLING', distance_m: 4322.357 });
      // Garmin's two activity examples share summaryId 5001968355 (string) and activityId 5001968355 (number): one activity, the later one.
      expect(list.filter((a) => a.summary_id === '5001968355').map((a) => [a.activity_id, a.type])).toEqual([['5001968355', 'CYCLING']]);
      const tool = (await runner.tool('list_activities', { from: '2016-01-11', to: '2016-01-11', fields: 'all' })) as { activities: Array<{ summary_id: string; avg_speed_mps: number }> };
      expect(tool.activities.find((a) => a.summary_id === 'EXAMPLE_12345')!.avg_speed_mps).toBeCloseTo(44.889, 3);
    }
    // The original again (a redelivery): the edit stands.
    w.sim.deliverBody(retarget(envelope('push-activities.activity-1.2.3.json'), w.runners.push.garminUserId));
    await w.settle();
    const again = (await data(w.runners.push, '/v1/activities?from=2016-01-11&to=2016-01-11', activitiesAnswer)).data;
    expect(again.find((a) => a.summary_id === 'EXAMPLE_12345')!.avg_speed_mps).toBeCloseTo(44.889, 3);
  });

  it('activityDetails: the details answer on their activity, though Garmin’s samples belong to another activity than its summary', async () => {
    for (const runner of w.all) {
      const answer = await runner.get('/v1/activities/5001968355');
      expect(answer.status).toBe(200);
      const details = (answer.body as { data: { has_details: boolean; summary_id: string } }).data;
      expect(details).toMatchObject({ has_details: true, summary_id: '5001968355' });
      // The two samples are five years after the summary's start (SOURCES.md): figures stay numbers or null.
      expect(JSON.stringify(answer.body)).not.toMatch(/NaN|Infinity/);
      const tool = (await runner.tool('get_activity_details', { id: '5001968355' })) as { activity: { has_details: boolean } };
      expect(tool.activity.has_details).toBe(true);
    }
  });

  it('the envelopes: the Health ping ending in {}, the push with "startTimeInSeconds ", activity files, a deregistration and a permission change of other users', async () => {
    const ping = w.runners.ping;
    const pingBody = retarget(envelope('ping-epochs.health-1.2.2.json'), ping.garminUserId);
    expect(pingBody.epochs!.at(-1)).toEqual({});
    // The documented callback URL's pull token, as if Garmin had issued it, answering Garmin's own epochs.
    w.sim.honourPullToken('XXXXXXXXX', 'epochs', 1444937651, 1444937902, ping.garminUserId);
    const pushBody = retarget(envelope('push-epochs.health-1.2.2.json'), w.runners.push.garminUserId);
    expect(Object.keys(pushBody.epochs![0]!)).toContain('startTimeInSeconds ');
    const before = w.sim.webhookLog.length;
    w.sim.deliverBody(pingBody);
    w.sim.deliverBody(pushBody);
    w.sim.deliverBody(retarget(envelope('ping-activityFiles.activity-1.2.3.json'), ping.garminUserId));
    // These two name Garmin's own example users, not ours: acknowledged and stored for them.
    w.sim.deliverBody(envelope('deregistrations.start-guide-1.1.0.json') as Record<string, Rec[]>);
    w.sim.deliverBody(envelope('userPermissionsChange.start-guide-1.1.0.json') as Record<string, Rec[]>);
    w.sim.deliverBody(retarget(envelope('ping-activities.activity-1.2.3.json'), ping.garminUserId));
    await w.settle();
    // Six bodies, and then what they set off (the activities ping's pull token is not Garmin's, so its window is asked for again through the backfill).
    expect(w.sim.webhookLog.length - before).toBeGreaterThanOrEqual(6);
    expect(w.sim.webhookLog.slice(before).filter((a) => a.status !== 200)).toEqual([]);
    // The Health ping's {} is counted, not refused.
    expect(w.server.lines.some((l) => l.event === 'webhook.not_stored' && l.fields.unreadable === 'epochs:1')).toBe(true);
    // The pushed epoch: its start read from the key with the trailing space (1519679700 at UTC-6: 15:15 on 2018-02-26).
    const pushed = (await data(w.runners.push, '/v1/epochs?from=2018-02-26&to=2018-02-26', epochsAnswer)).data;
    expect(pushed.map((e) => [e.local_time, e.intensity, e.steps, e.active_s])).toEqual([['15:15', 'ACTIVE', 93, 449]]);
    // The push runner is the user of the documented permission change: what they share now shows.
    expect(w.runners.push.world.companion.status()).toMatchObject({ state: 'connected', permissions: ['ACTIVITY_EXPORT', 'COURSE_IMPORT', 'HEALTH_EXPORT', 'MCT_EXPORT', 'WORKOUT_IMPORT'] });
    // The deregistration names the ping runner's id (Garmin's example user): checked with Garmin, who still accepts the token, so it is ignored.
    expect(ping.world.companion.status().state).toBe('connected');
  });

  it('an unknown key next to a known one in one body: the known one stored, the unknown counted', async () => {
    const push = w.runners.push;
    const daily = { ...sample('dailies.json')[0]!, summaryId: 'NEXT_TO_UNKNOWN', calendarDate: '2016-03-01', steps: 1234, userId: push.garminUserId };
    const before = w.sim.webhookLog.length;
    w.sim.deliverBody({ someFutureSummaryType: [{ userId: push.garminUserId, summaryId: 'future-1', secretValue: 'kept-out-of-logs' }], dailies: [daily] });
    await w.settle();
    expect(w.sim.webhookLog.slice(before).filter((a) => a.types.includes('someFutureSummaryType')).map((a) => a.status)).toEqual([200]);
    expect((await data(push, '/v1/dailies?from=2016-03-01&to=2016-03-01', dailiesAnswer)).data.map((d) => d.steps)).toEqual([1234]);
    expect(w.server.lines.some((l) => l.event === 'webhook.not_stored' && l.fields.unknown_keys === 'someFutureSummaryType:1')).toBe(true);
    expect(JSON.stringify(w.server.lines)).not.toContain('kept-out-of-logs');
  });

  it('the older revisions in open-source fixtures: every body 200, their quirks read, no user access token kept anywhere', async () => {
    const push = w.runners.push;
    const variants = path.join(SAMPLES, 'variants');
    const before = w.sim.webhookLog.length;
    let bodies = 0;
    for (const project of readdirSync(variants)) {
      for (const file of readdirSync(path.join(variants, project)).filter((f) => f.endsWith('.json'))) {
        const records = (JSON.parse(readFileSync(path.join(variants, project, file), 'utf8')) as Rec[]).map((r) => ({ ...r, userId: push.garminUserId }));
        w.sim.deliverBody({ [file.replace(/\.json$/, '')]: records });
        bodies++;
      }
    }
    await w.settle();
    expect(w.sim.webhookLog.length - before).toBeGreaterThanOrEqual(bodies);
    expect(w.sim.webhookLog.slice(before).filter((a) => a.status !== 200)).toEqual([]);
    // The DTU project's own keys are not Garmin's: acknowledged and counted.
    expect(w.server.lines.some((l) => l.event === 'webhook.not_stored' && /^(body|thirdparty):\d+$/.test(String(l.fields.unknown_keys)))).toBe(true);
    // RADAR's dailies spell averageStresslevel and keep a space inside the id.
    const radar = (await data(push, '/v1/dailies?from=2016-01-11&to=2016-01-12', dailiesAnswer)).data.find((d) => d.summary_id === 'EXAMPLE 67891');
    expect(radar).toMatchObject({ steps: 4210, avg_stress: 43 });
    // Their blood pressure dates by measurementTimeInSeconds (startTimeInSeconds besides it).
    expect((await data(push, '/v1/measurements?from=2022-09-21&to=2022-09-21', healthAnswer)).data.blood_pressure.length).toBeGreaterThan(0);
    // The pre-2023 push field userAccessToken: the relay drops it, so the desktop's raw records never hold it.
    const token = '8f57a6f1-26ba-4b05-a7cd-c6b525a4c7a2';
    const db = openDatabase(path.join(push.world.home, 'companion.db'));
    try {
      for (const table of ['dailies', 'sleeps', 'activities', 'epochs', 'respiration', 'body_comps']) {
        expect({ table, rows: db.prepare(`SELECT count(*) AS n FROM ${table} WHERE raw LIKE ?`).get(`%${token}%`) }).toEqual({ table, rows: { n: 0 } });
      }
    } finally {
      db.close();
    }
  });
});
