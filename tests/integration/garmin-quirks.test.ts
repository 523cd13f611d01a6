/**
 * Every quirk of Garmin's documented payloads, with the project's own fixtures (so it runs in any
 * clone: garmin-doc-samples.test.ts does the same with Garmin's own text when ../shared is there),
 * pinged and pushed through the R42 server to linked companions: ids trimmed (text or number),
 * keys with stray spaces read, local dates from start + offset where calendarDate is missing (a
 * night: the morning it ends), the documented keys (pulseox, allDayRespiration), the runner's
 * edit replacing an activity, unknown fields kept raw, unreadable records counted per type and
 * shown (`status --json`), and unknown keys acknowledged.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitiesAnswer, connectionStatus, dailiesAnswer, epochsAnswer, healthAnswer, hrvAnswer, metricsAnswer, sleepsAnswer, trendsData } from '../../src-common/contract.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { ACTIVITY, EDITED_ACTIVITY, QUIRKS } from '../fixtures/garmin-quirks.js';
import { startDeliveryWorld, type DeliveryWorld, type Runner } from '../support/garmin-delivery.js';
import { runCli } from '../support/harness.js';

describe('Garmin’s quirks, with the project’s own payloads, pinged and pushed (PGlite)', () => {
  let w: DeliveryWorld;
  const data = <T>(runner: Runner, target: string, schema: { parse(v: unknown): T }) =>
    runner.get(target).then((answer) => {
      expect({ target, status: answer.status }).toEqual({ target, status: 200 });
      return schema.parse(answer.body);
    });

  beforeAll(async () => {
    w = await startDeliveryWorld('pglite');
    w.upload('activities', [ACTIVITY]);
    await w.settle();
    for (const [key, records] of Object.entries(QUIRKS)) w.upload(key, records as unknown as Array<Record<string, unknown>>);
    w.upload('manuallyUpdatedActivities', [EDITED_ACTIVITY]);
    await w.settle();
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  it('answers every body 200', () => {
    expect(w.sim.webhookLog.filter((a) => a.status !== 200)).toEqual([]);
    expect(w.sim.webhookLog.length).toBeGreaterThanOrEqual(2 * (Object.keys(QUIRKS).length + 2));
  });

  it('dates records without calendarDate by their start (a night by the morning it ends) and trims ids, text or number', async () => {
    for (const runner of w.all) {
      const days = (await data(runner, '/v1/dailies?from=2019-06-03&to=2019-06-04', dailiesAnswer)).data;
      expect(days.map((d) => [d.calendar_date, d.summary_id, d.steps, d.resting_hr])).toEqual([
        ['2019-06-04', '778001', 6789, 47],
        ['2019-06-03', 'R42-DAILY-1', 12345, null],
      ]);
      expect((await data(runner, '/v1/sleeps?from=2019-06-03&to=2019-06-04', sleepsAnswer)).data.map((n) => [n.calendar_date, n.summary_id, n.score])).toEqual([['2019-06-04', 'R42-SLEEP-1', 81]]);
      expect((await data(runner, '/v1/hrv?from=2019-06-04&to=2019-06-04', hrvAnswer)).data.map((n) => [n.calendar_date, n.last_night_avg_ms])).toEqual([['2019-06-04', 62]]);
      expect((await data(runner, '/v1/metrics?from=2019-06-05&to=2019-06-05', metricsAnswer)).data).toEqual([{ summary_id: 'R42-METRICS-1', calendar_date: '2019-06-05', vo2max: 55, fitness_age: 29 }]);
    }
  });

  it('reads keys with stray spaces, the documented keys pulseox and allDayRespiration, and serves every health figure', async () => {
    for (const runner of w.all) {
      const june3 = (await data(runner, '/v1/trends?from=2019-06-03&to=2019-06-05', trendsData)).data.days;
      expect(june3.map((d) => [d.date, d.weight_kg, d.intensity_min, d.bp_systolic, d.spo2_avg, d.respiration_avg, d.skin_temp_dev_c, d.vo2max])).toEqual([
        ['2019-06-03', 68.3, 12, 118, null, null, null, null],
        ['2019-06-04', null, null, null, 96, 14, 0.8, null],
        ['2019-06-05', null, null, null, null, null, null, 55],
      ]);
      expect((await data(runner, '/v1/epochs?from=2019-06-03&to=2019-06-03', epochsAnswer)).data.map((e) => [e.local_time, e.steps, e.intensity])).toEqual([['07:00', 2100, 'HIGHLY_ACTIVE']]);
      const health = (await data(runner, '/v1/measurements?from=2019-06-03&to=2019-06-04', healthAnswer)).data;
      expect(health.snapshots.map((s) => [s.calendar_date, s.hr_avg, s.spo2_avg, s.rmssd_ms, s.sdrr_ms])).toEqual([['2019-06-03', 54, 97.5, 61, null]]);
      expect(health.blood_pressure.map((b) => [b.local_date, b.systolic, b.diastolic, b.pulse, b.source])).toEqual([['2019-06-03', 118, 76, 51, 'DEVICE']]);
      const tool = (await runner.tool('get_trends', { from: '2019-06-04', to: '2019-06-04', fields: 'all' })) as { trends: { days: Array<{ respiration_avg: number; spo2_avg: number }> } };
      expect(tool.trends.days[0]).toMatchObject({ respiration_avg: 14, spo2_avg: 96 });
    }
  });

  it('stores the runner’s edit of an activity over it', async () => {
    for (const runner of w.all) {
      const list = (await data(runner, '/v1/activities?from=2019-06-03&to=2019-06-03', activitiesAnswer)).data;
      expect(list.map((a) => [a.summary_id, a.type, a.name, a.distance_m])).toEqual([['R42-RUN-1', 'TRAIL_RUNNING', 'Morning trail run', 10400]]);
    }
    // The original again (Garmin redelivers): the edit stands.
    w.upload('activities', [ACTIVITY]);
    await w.settle();
    for (const runner of w.all) expect((await data(runner, '/v1/activities?from=2019-06-03&to=2019-06-03', activitiesAnswer)).data[0]!.type).toBe('TRAIL_RUNNING');
  });

  it('keeps fields nobody reads in the raw column, and counts what cannot be read per type: in status --json, never silently', async () => {
    for (const runner of w.all) {
      const db = openDatabase(path.join(runner.world.home, 'companion.db'));
      try {
        expect(db.prepare("SELECT raw FROM dailies WHERE summary_id = 'R42-DAILY-1'").pluck().get()).toContain('"r42FutureField":{"nested":[1,2]}');
      } finally {
        db.close();
      }
      const streams = runner.world.companion.status().sync.streams;
      const skipped = Object.fromEntries(streams.filter((s) => s.skippedRecords > 0).map((s) => [s.stream, s.skippedRecords]));
      expect(skipped).toEqual({ dailies: 1, sleeps: 1 });
      const cli = await runCli(['status', '--json'], runner.world.env);
      expect(cli.code).toBe(0);
      const status = connectionStatus.parse(JSON.parse(cli.stdout));
      expect(status.sync.streams.filter((s) => s.skippedRecords > 0).map((s) => [s.stream, s.skippedRecords])).toEqual([
        ['dailies', 1],
        ['sleeps', 1],
      ]);
      const human = await runCli(['status'], runner.world.env);
      expect(human.stdout).toMatch(/Not readable: +dailies 1, sleeps 1 \(records Garmin sent that R42 could not read; the rest is stored\)/);
    }
  });

  it('acknowledges a ping body ending in {} and an unknown key beside a known one, storing the known', async () => {
    const push = w.runners.push;
    const before = w.sim.webhookLog.length;
    w.sim.deliverBody({
      r42UnknownType: [{ userId: push.garminUserId, summaryId: 'u-1' }],
      dailies: [{ ...QUIRKS.dailies[0], summaryId: 'R42-DAILY-NEXT', calendarDate: '2019-06-10', steps: 4_321, userId: push.garminUserId }, {}],
    });
    await w.settle();
    expect(w.sim.webhookLog.slice(before).filter((a) => a.types.includes('r42UnknownType')).map((a) => a.status)).toEqual([200]);
    expect((await data(push, '/v1/dailies?from=2019-06-10&to=2019-06-10', dailiesAnswer)).data.map((d) => d.steps)).toEqual([4321]);
    expect(w.server.lines.filter((l) => l.event === 'webhook.not_stored').map((l) => [l.fields.unknown_keys, l.fields.unreadable])).toContainEqual(['r42UnknownType:1', 'dailies:1']);
  });
});
