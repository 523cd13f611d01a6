/**
 * Issue 11 end to end, pull mode: the simulator serves activityDetails and the wellness types, the
 * sync engine stores them compactly, and the coaching service's figures, read from the STORED data,
 * match figures worked out by hand from the simulator's deterministic records.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src-main/core/analysis/activity.js';
import { dateOfDay } from '../../src-common/dates.js';
import { recordsOver } from '../../src-main/core/analysis/records.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { createCoaching, type Coaching } from '../../src-main/core/coaching/coaching-service.js';
import { CompanionError } from '../../src-main/core/errors.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { openDatabase, type Database } from '../../src-main/core/store/database.js';
import { trainingRepo } from '../support/training-store.js';
import { GarminPullSource } from '../../src-main/core/sync/data-source.js';
import { SyncEngine } from '../../src-main/core/sync/sync-engine.js';
import { RUNNER_OFFSET_S } from '../simulator/garmin-data.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { simRecordsUploadedBetween } from '../simulator/streams.js';
import { startSimulator, tempDir } from '../support/harness.js';
import { simulatorAccessToken } from '../support/r42-server.js';

const DAY = 86_400;
const MAX_HR = 190;
const REST_HR = 48;
const DAYS = 28;
/** A fixed "now" (local noon, 2026-03-15): the same data every run. */
const NOW = Date.UTC(2026, 2, 15, 11, 0, 0) / 1000;

let sim: GarminSimulator;
let db: Database;
let coaching: Coaching;
/** Every record Garmin holds for the synced period, by type. */
const held = (stream: Parameters<typeof simRecordsUploadedBetween>[0]) => simRecordsUploadedBetween(stream, NOW - DAYS * DAY, NOW, NOW);
const summaries = () => held('activities');
const detailsOf = (summaryId: string) => held('activityDetails').find((d) => d.summaryId === `${summaryId}-detail`)!;
const localDay = (s: Record<string, unknown>) => dateOfDay(Math.floor(((s.startTimeInSeconds as number) + RUNNER_OFFSET_S) / DAY));

/** Karvonen zone lower bounds, worked out here rather than taken from the analysis. */
const bound = (p: number) => REST_HR + p * (MAX_HR - REST_HR);
/** Banister's TRIMP per minute at `hr`, written out. */
const trimpPerMin = (hr: number) => {
  const x = Math.min(1, Math.max(0, (hr - REST_HR) / (MAX_HR - REST_HR)));
  return x * 0.64 * Math.exp(1.92 * x);
};
type Sample = { startTimeInSeconds: number; totalDistanceInMeters: number; heartRate?: number };
/** An activity's TRIMP by hand: HR samples when it has them (each 5 s interval at its first sample's HR), else the summary's average HR. */
function trimpByHand(summary: Record<string, unknown>): number {
  const samples = detailsOf(summary.summaryId as string).samples as Sample[];
  if (samples[0]?.heartRate !== undefined) {
    let sum = 0;
    for (let i = 0; i + 1 < samples.length; i++) sum += ((samples[i + 1]!.startTimeInSeconds - samples[i]!.startTimeInSeconds) / 60) * trimpPerMin(samples[i]!.heartRate!);
    return Math.round(sum * 10) / 10;
  }
  return Math.round(((summary.durationInSeconds as number) / 60) * trimpPerMin(summary.averageHeartRateInBeatsPerMinute as number) * 10) / 10;
}

beforeAll(async () => {
  sim = await startSimulator();
  sim.dataNow = () => NOW;
  const token = await simulatorAccessToken(sim);
  db = openDatabase(path.join(tempDir(), 'companion.db'));
  const clock = { now: () => NOW * 1000 };
  const engine = new SyncEngine({
    repo: trainingRepo(db),
    source: new GarminPullSource(new URL(sim.url), fetch, 30_000, async () => token),
    clock,
    logger: silentLogger,
    sleep: async () => undefined,
  });
  // The only sync here: no other process to share the data folder's lease with (sync-service.ts holds it in the app).
  const result = await engine.run({ days: DAYS, renewLease: () => undefined });
  expect(result).toMatchObject({ outcome: 'completed', skipped: 0 });
  coaching = createCoaching({ db, config: { hr: { maxHr: MAX_HR, restingHr: REST_HR, zoneModel: 'hrr' } }, clock });
}, 120_000);

afterAll(async () => {
  db?.close();
  await sim?.stop();
});

/** A steady road run with HR and GPS (not intervals), at least 8 km. */
function steadyRun(): Record<string, unknown> {
  const run = summaries().find((s) => {
    if (s.activityType !== 'RUNNING' || (s.distanceInMeters as number) < 8000) return false;
    const d = detailsOf(s.summaryId as string);
    const samples = d.samples as Array<Record<string, unknown>>;
    return samples[0]!.heartRate !== undefined && samples[0]!.latitudeInDegree !== undefined;
  });
  expect(run).toBeDefined();
  return run!;
}

describe('coaching from synced data (pull)', () => {
  it('stores every activity’s details compactly and the four wellness types', () => {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect(count('activity_samples')).toBe(held('activityDetails').length);
    expect(count('activity_samples')).toBe(count('activities'));
    expect(count('stress_details')).toBe(held('stressDetails').length);
    expect(count('body_comps')).toBe(held('bodyComps').length);
    expect(count('pulse_ox')).toBe(held('pulseOx').length);
    expect(count('respiration')).toBe(held('respiration').length);
    // Compact: the samples take a small fraction of Garmin's JSON.
    const stored = (db.prepare('SELECT sum(length(samples)) AS n FROM activity_samples').get() as { n: number }).n;
    const json = held('activityDetails').reduce((n, d) => n + JSON.stringify(d).length, 0);
    expect(stored * 10).toBeLessThan(json);
  });

  it('answers one run’s km splits and zone seconds as worked out by hand from the simulator’s samples', () => {
    const run = steadyRun();
    const answer = coaching.activityDetails(run.summaryId as string, { unit: 'km' });
    expect(answer).toMatchObject({ summary_id: run.summaryId, has_details: true, unit: 'km', hr_profile: { max_hr: MAX_HR, resting_hr: REST_HR, source: 'settings' } });
    const samples = detailsOf(run.summaryId as string).samples as Sample[];
    const start = samples[0]!.startTimeInSeconds;
    // The moment the runner passed each whole kilometre (no pauses: distance is linear between samples).
    const timeAt = (metres: number) => {
      const i = samples.findIndex((s) => s.totalDistanceInMeters >= metres);
      const a = samples[i - 1]!;
      const b = samples[i]!;
      return a.startTimeInSeconds - start + ((metres - a.totalDistanceInMeters) / (b.totalDistanceInMeters - a.totalDistanceInMeters)) * (b.startTimeInSeconds - a.startTimeInSeconds);
    };
    const km = Math.floor((run.distanceInMeters as number) / 1000);
    const byHand = Array.from({ length: km }, (_, k) => (k === 0 ? timeAt(1000) : timeAt((k + 1) * 1000) - timeAt(k * 1000)));
    expect(answer.splits.length).toBe(km + ((run.distanceInMeters as number) % 1000 >= 1 ? 1 : 0));
    byHand.forEach((seconds, k) => {
      expect(answer.splits[k]!.distance_m).toBeCloseTo(1000, 0);
      expect(answer.splits[k]!.moving_s).toBeCloseTo(seconds, 0);
      expect(answer.splits[k]!.pace_s).toBeCloseTo(seconds, 0);
    });
    // Zone seconds: each 5 s interval at its first sample's HR, against Karvonen bounds.
    const zones = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i + 1 < samples.length; i++) {
      const hr = samples[i]!.heartRate!;
      const z = hr >= bound(0.9) ? 5 : hr >= bound(0.8) ? 4 : hr >= bound(0.7) ? 3 : hr >= bound(0.6) ? 2 : hr >= bound(0.5) ? 1 : 0;
      zones[z]! += samples[i + 1]!.startTimeInSeconds - samples[i]!.startTimeInSeconds;
    }
    expect(answer.zones).toEqual({ below_s: zones[0], z1_s: zones[1], z2_s: zones[2], z3_s: zones[3], z4_s: zones[4], z5_s: zones[5], no_hr_s: 0 });
    expect(answer.load).toEqual({ trimp: trimpByHand(run), method: 'hr_samples' });
    expect(answer.summary.distance_m).toBeCloseTo(run.distanceInMeters as number, 0);
    expect(answer.summary.moving_s).toBe(run.durationInSeconds);
    // Small: a downsampled series, never the samples.
    expect(answer.series.length).toBeLessThanOrEqual(300);
    expect(answer.series.at(-1)!.distance_m).toBeCloseTo(run.distanceInMeters as number, 0);
    expect(JSON.stringify(answer).length).toBeLessThan(60_000);
    expect(coaching.activityDetails(run.summaryId as string, { maxPoints: 50 }).series.length).toBe(50);
    // Miles: the same run, fewer splits.
    expect(coaching.activityDetails(String(run.activityId), { unit: 'mi' }).splits.length).toBe(Math.ceil((run.distanceInMeters as number) / 1609.344));
  });

  it('answers one week’s acute load as the mean of its seven days’ TRIMP worked out by hand', () => {
    const to = dateOfDay(Math.floor((NOW + RUNNER_OFFSET_S) / DAY) - 1);
    const weekFrom = dateOfDay(Math.floor((NOW + RUNNER_OFFSET_S) / DAY) - 7);
    const answer = coaching.trainingLoad({ from: weekFrom, to });
    const week = summaries().filter((s) => localDay(s) >= weekFrom && localDay(s) <= to);
    expect(week.length).toBeGreaterThan(2);
    const total = week.reduce((n, s) => n + trimpByHand(s), 0);
    expect(answer.days.at(-1)!.acute).toBeCloseTo(total / 7, 0);
    expect(answer.days.map((d) => d.date)).toHaveLength(7);
    expect(answer.methods.hr_samples + answer.methods.avg_hr).toBe(week.length);
    expect(answer.hr_source).toBe('settings');
    // The weeks' zone times add up the activities' moving time with HR.
    const zoneSeconds = answer.weeks.reduce((n, w) => n + w.zones.below_s + w.zones.z1_s + w.zones.z2_s + w.zones.z3_s + w.zones.z4_s + w.zones.z5_s, 0);
    expect(zoneSeconds).toBeGreaterThan(0);
    expect(JSON.stringify(answer)).not.toMatch(/NaN|Infinity/);
  });

  it('keeps personal records over the whole history, equal to the records over Garmin’s raw JSON', () => {
    const runs = summaries().filter((s) => /RUN/.test(s.activityType as string));
    const expected = recordsOver(
      runs.map((s) => {
        const analysis = analyzeActivity(parseActivityDetails(detailsOf(s.summaryId as string))!, null);
        return { summary_id: s.summaryId as string, date: localDay(s), efforts: analysis.best_efforts };
      }),
    );
    const answer = coaching.personalRecords();
    expect(answer.runs_with_details).toBe(runs.length);
    expect(answer.records).toEqual(Object.values(expected));
    expect(answer.records.map((r) => r.label)).toEqual(expect.arrayContaining(['1k', '5k', '10k']));
  });

  it('estimates the HR profile from the data when unset, and says so', () => {
    const estimated = createCoaching({ db, config: { hr: { maxHr: undefined, restingHr: undefined, zoneModel: 'max' } }, clock: { now: () => NOW * 1000 } });
    const profile = estimated.hrProfile();
    const maxes = summaries().map((s) => s.maxHeartRateInBeatsPerMinute as number);
    expect(profile).toMatchObject({ maxHr: Math.max(...maxes), model: 'max', source: 'estimated', maxHrSource: 'estimated', restingHrSource: 'estimated' });
    expect(profile.zones).toHaveLength(5);
    expect(profile.zones[0]!.from_bpm).toBeCloseTo(0.5 * Math.max(...maxes), 1);
    expect(profile.note).toMatch(/estimated/);
    expect(coaching.hrProfile()).toMatchObject({ maxHr: MAX_HR, restingHr: REST_HR, source: 'settings', note: null });
  });

  it('answers trends with HRV, resting HR, sleep and the wellness types per day', () => {
    const to = dateOfDay(Math.floor((NOW + RUNNER_OFFSET_S) / DAY) - 1);
    const from = dateOfDay(Math.floor((NOW + RUNNER_OFFSET_S) / DAY) - 7);
    const answer = coaching.trends({ from, to });
    expect(answer.days).toHaveLength(7);
    expect(answer.hrv).toHaveLength(7);
    expect(answer.resting_hr.at(-1)!.mean_7d).not.toBeNull();
    expect(answer.sleep.at(-1)!.mean_7d).not.toBeNull();
    const saturday = answer.days.find((d) => new Date(`${d.date}T00:00:00Z`).getUTCDay() === 6)!;
    expect(saturday.weight_kg).toBeGreaterThan(60);
    expect(answer.days.every((d) => d.avg_stress !== null && d.spo2_avg !== null && d.respiration_avg !== null)).toBe(true);
    expect(JSON.stringify(answer)).not.toMatch(/NaN|Infinity/);
  });

  it('says clearly what it cannot answer', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof CompanionError ? error.code : String(error);
      }
      return 'answered';
    };
    expect(code(() => coaching.activityDetails('no-such-activity'))).toBe('not_found');
    expect(code(() => coaching.activityDetails(steadyRun().summaryId as string, { unit: 'yards' as 'km' }))).toBe('bad_request');
    expect(code(() => coaching.activityDetails(steadyRun().summaryId as string, { maxPoints: 1 }))).toBe('bad_request');
    expect(code(() => coaching.trainingLoad({ from: '2026-03-10', to: '2026-03-01' }))).toBe('bad_request');
    expect(code(() => coaching.trends({ from: 'yesterday', to: '2026-03-01' }))).toBe('bad_request');
  });
});
