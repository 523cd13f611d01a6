/**
 * FIT import end to end on a real SQLite file: every real file of ../shared/fit-samples (the
 * imported distance, timer time and average HR equal the file's own session totals, laps as
 * recorded, damaged and non-activity files with their reason, a multisport file's legs with their
 * transitions, developer fields kept raw), files written with Garmin's SDK Encoder for the same
 * behaviour where ../shared is absent, the same run from the API and from a file as one activity,
 * re-import, Garmin's export shape (zips in a zip), the mounted-watch finder on a fake volume, and
 * every bad input: empty, random bytes, 300 MB, a zip bomb, `../` and absolute entries, symbolic
 * links and their loops, 10,000 files.
 */
import { Decoder, Stream } from '@garmin/fitsdk';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCoaching } from '../../src-main/core/coaching/coaching-service.js';
import { FitImporter } from '../../src-main/core/fit/fit-import.js';
import { createFitImports, type FitImports } from '../../src-main/core/fit/fit-imports.js';
import { MTP_NOTE } from '../../src-main/core/fit/watch-finder.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { openDatabase, type Database } from '../../src-main/core/store/database.js';
import { unpackJson } from '../../src-main/core/store/sample-codec.js';
import type { TrainingRepo } from '../../src-main/core/store/training-repo.js';
import { trainingRepo } from '../support/training-store.js';
import { activityDetailsFor } from '../simulator/activity-details.js';
import { recordsForDay } from '../simulator/garmin-data.js';
import { encodeRun } from '../support/fit-files.js';
import { sharedDir } from '../support/shared.js';
import { makeZip } from '../support/zip-writer.js';

const SAMPLES = sharedDir('fit-samples');
const folders: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'r42-fit-'));
  folders.push(dir);
  return dir;
};
afterAll(() => folders.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface World {
  readonly db: Database;
  readonly training: TrainingRepo;
  readonly imports: FitImports;
  readonly home: string;
  readonly coaching: ReturnType<typeof createCoaching>;
  count(table: string): number;
  activities(): Array<Record<string, unknown>>;
}

function world(): World {
  const home = tempDir();
  const db = openDatabase(path.join(home, 'companion.db'));
  const training = trainingRepo(db);
  const clock = { now: () => Date.UTC(2026, 11, 1) };
  return {
    db,
    training,
    home,
    imports: createFitImports({ db, training, clock, logger: silentLogger, tmpDir: path.join(home, 'import-tmp') }),
    coaching: createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 50, zoneModel: 'hrr' } }, clock }),
    count: (table) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number,
    activities: () => db.prepare('SELECT * FROM activities ORDER BY start_time').all() as Array<Record<string, unknown>>,
  };
}

/** The file's own session messages, as Garmin's decoder reads them. */
function sessionsOf(file: string) {
  const { messages } = new Decoder(Stream.fromByteArray(readFileSync(file))).read({ convertDateTimesToDates: true });
  return { sessions: messages.sessionMesgs ?? [], laps: messages.lapMesgs ?? [] };
}

const within = (actual: unknown, expected: number) => {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 0.005 + 1e-9);
};

describe.skipIf(!SAMPLES)('every real FIT file of ../shared/fit-samples', () => {
  const w = world();
  let summary: Awaited<ReturnType<FitImports['importPaths']>>;
  beforeEach(async () => {
    summary ??= await w.imports.importPaths([SAMPLES!]);
  });

  it('imports the activities and gives the others their reason', () => {
    const byName = new Map(summary.results.map((r) => [path.basename(r.name), r]));
    expect(byName.get('MonitoringFile.fit')).toMatchObject({ outcome: 'skipped', reason: 'not_activity', message: expect.stringMatching(/monitoring/) });
    expect(byName.get('Settings.fit')).toMatchObject({ outcome: 'skipped', reason: 'not_activity', message: expect.stringMatching(/settings/) });
    for (const name of ['WorkoutCustomTargetValues.fit', 'WorkoutIndividualSteps.fit', 'WorkoutRepeatGreaterThanStep.fit', 'WorkoutRepeatSteps.fit']) {
      expect(byName.get(name)).toMatchObject({ outcome: 'skipped', reason: 'not_activity', message: expect.stringMatching(/workout/) });
    }
    expect(byName.get('DeveloperData.fit')).toMatchObject({ outcome: 'skipped', reason: 'no_data' });
    expect(byName.get('activity-unexpected-eof.fit')).toMatchObject({ outcome: 'imported', warnings: [expect.stringMatching(/ends early/), expect.anything()] });
    expect(byName.get('activity-settings-corruptheader.fit')?.warnings.join(' ')).toMatch(/second FIT stream .* damaged/);
    // The SDK's example activity and the two damaged copies of it are the same run: one activity.
    const sdkRun = ['Activity.fit', 'activity-settings-corruptheader.fit', 'activity-settings-nodata.fit', 'activity-unexpected-eof.fit'].map((n) => byName.get(n)!.activities[0]!.summary_id);
    expect(new Set(sdkRun).size).toBe(1);
    expect(summary.files).toBe(readdirSync(SAMPLES!).filter((n) => n.endsWith('.fit')).length);
  });

  it('each activity has the distance, timer time and average HR of its session, and its laps as recorded', () => {
    for (const result of summary.results.filter((r) => r.outcome === 'imported')) {
      const { sessions, laps } = sessionsOf(path.join(SAMPLES!, path.basename(result.name)));
      const sorted = [...sessions].sort((a, b) => +a.startTime! - +b.startTime!);
      expect(result.activities).toHaveLength(sorted.length);
      result.activities.forEach((activity, i) => {
        const session = sorted[i]!;
        const row = w.db.prepare('SELECT * FROM activities WHERE summary_id = ?').get(activity.summary_id) as Record<string, unknown>;
        const detail = w.coaching.activityDetails(activity.summary_id);
        if (['Activity.fit', 'activity-settings-corruptheader.fit', 'activity-settings-nodata.fit'].includes(path.basename(result.name))) return; // merged into the first copy
        within(row.distance_m, session.totalDistance!);
        within(row.duration_s, session.totalTimerTime!);
        if (session.avgHeartRate !== undefined) within(row.avg_hr, session.avgHeartRate);
        expect(detail.recorded?.session.distance_m).toBe(session.totalDistance);
        // The watch's laps of this leg, as recorded, and the lap table cut at their starts.
        const legLaps = laps.filter((l) => +l.startTime! >= +session.startTime! - 1000 || i === 0).filter((l) => i === sorted.length - 1 || +l.startTime! < +sorted[i + 1]!.startTime!);
        expect(detail.recorded?.laps.map((l) => l.distance_m)).toEqual(legLaps.map((l) => l.totalDistance ?? null));
        // The lap table cuts the samples at those starts (a lap starting after the last sample has no samples to cut).
        if (detail.has_details && legLaps.length > 0) expect(detail.laps.length).toBeGreaterThanOrEqual(Math.min(legLaps.length - 1, 1));
      });
    }
    const fr110 = summary.results.find((r) => r.name.endsWith('2013-02-06-12-11-14.fit'))!.activities[0]!;
    const activity = w.coaching.activityDetails(fr110.summary_id);
    expect(activity).toMatchObject({ type: 'RUNNING', has_details: true });
    expect(activity.laps).toHaveLength(5);
    expect(activity.recorded).toMatchObject({ device: 'fr110', session: { distance_m: 4835.38, timer_s: 2625.14, avg_hr: 147 } });
    expect(activity.splits.length).toBeGreaterThanOrEqual(4);
  });

  it('a multisport file gives each leg, transitions kept as such', () => {
    const multi = summary.results.find((r) => r.name.endsWith('activity-large-fenxi2-multisport.fit'))!;
    expect(multi.activities.map((a) => a.type)).toEqual(['OTHER', 'TRANSITION', 'RUNNING', 'TRANSITION', 'RUNNING', 'TRANSITION', 'CYCLING']);
    const legs = multi.activities.map((a) => w.coaching.activityDetails(a.summary_id).recorded!);
    expect(legs.map((l) => `${l.leg}/${l.legs}`)).toEqual(['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7']);
    // Local dates from the file's own local time (UTC+2 in that file).
    expect(legs[0]!.local_offset_s).toBe(7200);
    expect(multi.activities[6]!.local_date).toBe('2015-08-29');
  });

  it('a multisport file whose door names a Garmin activity id (the upload’s) still gives each leg its own activity', async () => {
    const fresh = world();
    const bytes = readFileSync(path.join(SAMPLES!, 'activity-large-fenxi2-multisport.fit'));
    const imported = await fresh.imports.importBytes([{ name: 'garmin-activity-5001904988.fit', bytes, activityId: '5001904988' }], { source: 'activity_file' });
    expect(imported.results[0]!.activities.map((a) => a.result)).toEqual(Array(7).fill('new'));
    expect(fresh.count('activities')).toBe(7);
    // None of the legs claims the upload's id: a summary Garmin sends for one leg finds it by its sport and start.
    expect(fresh.db.prepare('SELECT count(*) FROM activities WHERE activity_id IS NOT NULL').pluck().get()).toBe(0);
  });

  it('keeps developer (Connect IQ) fields raw, and running dynamics and power where recorded', () => {
    const dev = summary.results.find((r) => r.name.endsWith('developer-types-sample.fit'))!.activities[0]!;
    const recorded = w.coaching.activityDetails(dev.summary_id).recorded!;
    expect(recorded.developer_fields.map((f) => f.name)).toEqual(['Form Power', 'Leg Spring Stiffness', 'Speed', 'Distance']);
    expect(recorded.developer_fields.every((f) => f.samples > 3000)).toBe(true);
    expect(recorded.channels.power_w).toMatchObject({ samples: 3424 });
    expect(recorded.channels.vertical_oscillation_mm?.samples).toBeGreaterThan(3000);
    const raw = w.db.prepare('SELECT developer_z FROM activity_fit WHERE activity_summary_id = ?').pluck().get(dev.summary_id) as Buffer;
    const values = unpackJson(raw) as { records: Record<string, unknown[]> };
    const { messages } = new Decoder(Stream.fromByteArray(readFileSync(path.join(SAMPLES!, 'developer-types-sample.fit')))).read();
    expect(values.records['0']!.slice(0, 50)).toEqual(messages.recordMesgs!.slice(0, 50).map((r) => r.developerFields?.[0] ?? null));
    const fenix5 = summary.results.find((r) => r.name.endsWith('garmin-fenix-5-run.fit'))!.activities[0]!;
    const run = w.coaching.activityDetails(fenix5.summary_id).recorded!;
    expect(run.channels.ground_contact_ms?.avg).toBeGreaterThan(150);
    expect(run.channels.stride_length_m?.avg).toBeGreaterThan(0.5);
    expect(run.channels.temperature_c?.samples).toBeGreaterThan(0);
    expect(run.session.avg_ground_contact_ms).toBe(270.3);
  });

  it('importing the same files again changes nothing', async () => {
    const before = ['activities', 'activity_samples', 'activity_fit', 'fit_files', 'personal_records'].map((t) => w.count(t));
    const again = await w.imports.importPaths([SAMPLES!]);
    expect(again).toMatchObject({ imported: 0, already: again.files, skipped: 0 });
    expect(['activities', 'activity_samples', 'activity_fit', 'fit_files', 'personal_records'].map((t) => w.count(t))).toEqual(before);
  });
});

if (!SAMPLES) {
  it('../shared/fit-samples is absent here: the real-file tests are skipped; the Encoder files below cover the same behaviour', () => {
    expect(SAMPLES).toBeNull();
  });
}

const DAY = 86_400;

describe('files written with the SDK Encoder', () => {
  it('a run with power, dynamics, laps and a developer field: its session totals, laps and local date', async () => {
    const w = world();
    const dir = tempDir();
    // 23:30 UTC at UTC+2 is the next local day.
    const start = Date.UTC(2026, 5, 1, 23, 30) / 1000;
    const { bytes, totals } = encodeRun({ start, seconds: 1800, power: true, dynamics: true, lapMetres: 1000, developer: true, offsetS: 7200 });
    writeFileSync(path.join(dir, 'run.fit'), bytes);
    const summary = await w.imports.importPaths([path.join(dir, 'run.fit')]);
    expect(summary).toMatchObject({ files: 1, imported: 1, activities: 1 });
    const [row] = w.activities();
    within(row!.distance_m, totals.distanceM);
    within(row!.duration_s, totals.timerS);
    within(row!.avg_hr, totals.avgHr!);
    expect(row!.local_date).toBe('2026-06-02');
    const detail = w.coaching.activityDetails(row!.summary_id as string);
    expect(detail.laps).toHaveLength(totals.laps);
    expect(detail.recorded).toMatchObject({ source: 'file', samples_from_file: true, local_offset_s: 7200, laps: expect.any(Array), developer_fields: [{ name: 'Form Power', units: 'Watts', samples: 1801 }] });
    expect(detail.recorded!.laps).toHaveLength(totals.laps);
    expect(detail.recorded!.channels.power_w).toMatchObject({ samples: 1801 });
    // The same figures as any synced run: records, load.
    expect(w.coaching.personalRecords().records.map((r) => r.label)).toContain('5k');
  });

  it('a file without local time is dated by this computer and says so', async () => {
    const w = world();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.fit'), encodeRun({ start: Date.UTC(2026, 0, 5, 12) / 1000, seconds: 600, offsetS: null }).bytes);
    const summary = await w.imports.importPaths([dir]);
    expect(summary.results[0]!.warnings.join(' ')).toMatch(/does not say its local time/);
  });

  it('one transaction per activity: a leg that fails leaves nothing of itself, and the file is imported again later', async () => {
    const w = world();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'run.fit'), encodeRun({ start: Date.UTC(2026, 0, 6, 7) / 1000, seconds: 900 }).bytes);
    w.db.exec("CREATE TRIGGER fail_fit BEFORE INSERT ON activity_fit BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    await expect(w.imports.importPaths([dir])).rejects.toThrow(/disk full/);
    expect([w.count('activities'), w.count('activity_samples'), w.count('activity_analysis'), w.count('fit_files')]).toEqual([0, 0, 0, 0]);
    w.db.exec('DROP TRIGGER fail_fit');
    expect(await w.imports.importPaths([dir])).toMatchObject({ imported: 1 });
    expect([w.count('activities'), w.count('activity_samples'), w.count('activity_fit')]).toEqual([1, 1, 1]);
    // Cut off after its activities but before the file was remembered: importing again changes nothing.
    const before = w.db.prepare('SELECT * FROM activity_fit').get();
    w.db.exec('DELETE FROM fit_files');
    expect(await w.imports.importPaths([dir])).toMatchObject({ imported: 1, activities: 1 });
    expect(w.db.prepare('SELECT * FROM activity_fit').get()).toEqual(before);
    expect([w.count('activities'), w.count('activity_samples'), w.count('activity_fit'), w.count('fit_files')]).toEqual([1, 1, 1, 1]);
  });
});

describe('one activity, whatever the door', () => {
  const day = Array.from({ length: 60 }, (_, i) => 20_400 + i).find((d) => recordsForDay('activities', d).some((r) => r.body.activityType === 'RUNNING'))!;
  const apiRun = recordsForDay('activities', day).find((r) => r.body.activityType === 'RUNNING')!.body;
  const apiDetails = activityDetailsFor(apiRun);
  const start = apiRun.startTimeInSeconds as number;
  const fileOf = (power: boolean) => encodeRun({ start: start + 20, seconds: apiRun.durationInSeconds as number, power, dynamics: power, offsetS: 3600 }).bytes;

  it('a file imported after the API synced the run: one activity, the file’s richer samples win', async () => {
    const w = world();
    w.db.transaction(() => {
      w.training.upsertRecords('activities', [apiRun], 1);
      w.training.upsertRecords('activityDetails', [apiDetails], 1);
    })();
    const apiSamples = w.coaching.activityDetails(apiRun.summaryId as string).summary.samples;
    const dir = tempDir();
    writeFileSync(path.join(dir, 'watch.fit'), fileOf(true));
    const summary = await w.imports.importPaths([dir]);
    expect(summary.results[0]!.activities).toEqual([expect.objectContaining({ summary_id: apiRun.summaryId, result: 'samples_replaced' })]);
    expect(w.count('activities')).toBe(1);
    expect(w.count('activity_samples')).toBe(1);
    const detail = w.coaching.activityDetails(apiRun.summaryId as string);
    expect(detail.summary.samples).toBeGreaterThan(apiSamples * 4);
    expect(detail.recorded?.samples_from_file).toBe(true);
    // Garmin sends the details again (poorer): the file's stay.
    w.db.transaction(() => w.training.upsertRecords('activityDetails', [apiDetails], 2))();
    expect(w.coaching.activityDetails(apiRun.summaryId as string).summary.samples).toBe(detail.summary.samples);
  });

  it('a file imported before the API sends the run: the API’s summary takes the file’s activity over', async () => {
    const w = world();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'watch.fit'), fileOf(false));
    const first = await w.imports.importPaths([dir]);
    const fileId = first.results[0]!.activities[0]!.summary_id;
    expect(fileId).toMatch(/^fit-/);
    w.db.transaction(() => {
      w.training.upsertRecords('activities', [apiRun], 1);
      w.training.upsertRecords('activityDetails', [apiDetails], 1);
    })();
    expect(w.activities().map((a) => a.summary_id)).toEqual([apiRun.summaryId]);
    const detail = w.coaching.activityDetails(apiRun.summaryId as string);
    expect(detail.recorded?.samples_from_file).toBe(true);
    expect(detail.summary.samples).toBe((apiRun.durationInSeconds as number) + 1);
    expect(w.count('activity_samples')).toBe(1);
    expect(w.coaching.personalRecords().records.every((r) => r.summary_id === apiRun.summaryId)).toBe(true);
  });

  it('by Garmin activity id where the door knows it, even when the starts differ by more than 60 s', async () => {
    const w = world();
    w.db.transaction(() => w.training.upsertRecords('activities', [apiRun], 1))();
    const importer = new FitImporter({ db: w.db, training: w.training, clock: { now: () => Date.now() }, logger: silentLogger });
    const bytes = encodeRun({ start: start + 600, seconds: 900, seed: 9 }).bytes;
    const summary = await importer.importAll([{ kind: 'file', name: 'activity-file.fit', source: 'activity_file', bytes: bytes.length, activityId: String(apiRun.activityId), read: async () => bytes }]);
    expect(summary.results[0]!.activities).toEqual([expect.objectContaining({ summary_id: apiRun.summaryId })]);
    expect(w.count('activities')).toBe(1);
  });

  it('a different sport or a start more than 60 s away is another activity', async () => {
    const w = world();
    w.db.transaction(() => w.training.upsertRecords('activities', [apiRun], 1))();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'ride.fit'), encodeRun({ start: start + 5, seconds: 600, sport: 'cycling' }).bytes);
    writeFileSync(path.join(dir, 'later.fit'), encodeRun({ start: start + 61, seconds: 600, seed: 2 }).bytes);
    await w.imports.importPaths([dir]);
    expect(w.count('activities')).toBe(3);
  });
});

describe('Garmin Connect export: zips in a zip', () => {
  it('streams each inner zip, imports its FIT files, removes what it unpacked', async () => {
    const w = world();
    const runs = [0, 1, 2].map((i) => encodeRun({ start: Date.UTC(2025, 3, 1 + i, 7) / 1000, seconds: 1200, seed: i }).bytes);
    const part1 = makeZip([
      { name: 'runner@example.com_1001.fit', data: runs[0]! },
      { name: 'runner@example.com_1002.fit', data: runs[1]! },
    ]);
    const part2 = makeZip([{ name: 'runner@example.com_1003.fit', data: runs[2]! }, { name: 'notes.txt', data: Buffer.from('hi') }]);
    const archive = makeZip([
      { name: 'DI_CONNECT/DI-Connect-Fitness/summary.json', data: Buffer.from('{}') },
      { name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip', data: part1, store: true },
      { name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part2.zip', data: part2, store: true },
    ]);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'export.zip'), archive);
    const summary = await w.imports.importPaths([path.join(dir, 'export.zip')]);
    expect(summary).toMatchObject({ files: 3, imported: 3, activities: 3 });
    expect(summary.results[0]!.name).toMatch(/export\.zip\/DI_CONNECT\/.*Part1\.zip\/runner@example\.com_1001\.fit$/);
    expect(w.count('activity_fit')).toBe(3);
    expect(w.db.prepare('SELECT DISTINCT source FROM activity_fit').pluck().all()).toEqual(['export']);
    expect(readdirSync(path.join(w.home, 'import-tmp'))).toEqual([]);
    expect(await w.imports.importPaths([path.join(dir, 'export.zip')])).toMatchObject({ imported: 0, already: 3 });
  });
});

describe('Import from watch', () => {
  it('finds GARMIN/Activity on a mounted volume and imports only the files not seen', async () => {
    const w = world();
    const media = tempDir();
    const activity = path.join(media, 'runner', 'GARMIN', 'GARMIN', 'Activity');
    mkdirSync(activity, { recursive: true });
    mkdirSync(path.join(media, 'runner', 'USBSTICK', 'photos'), { recursive: true });
    writeFileSync(path.join(activity, '2026-11-30-07-00-00.fit'), encodeRun({ start: Date.UTC(2026, 10, 30, 7) / 1000, seconds: 900 }).bytes);
    const first = await w.imports.importFromWatch([path.join(tempDir(), 'no-such-root'), media]);
    expect(first.watch).toEqual({ found: [activity], note: null });
    expect(first).toMatchObject({ imported: 1, activities: 1 });
    expect(w.db.prepare('SELECT source FROM activity_fit').pluck().get()).toBe('watch');
    writeFileSync(path.join(activity, '2026-12-01-07-00-00.fit'), encodeRun({ start: Date.UTC(2026, 11, 1, 7) / 1000, seconds: 900, seed: 3 }).bytes);
    const second = await w.imports.importFromWatch([media]);
    expect(second).toMatchObject({ imported: 1, already: 1 });
  });

  it('no watch as a drive: says why and points to the export', async () => {
    const w = world();
    const summary = await w.imports.importFromWatch([tempDir()]);
    expect(summary.watch).toEqual({ found: [], note: MTP_NOTE });
    expect(MTP_NOTE).toMatch(/MTP/);
    expect(MTP_NOTE).toMatch(/Export Your Data/);
  });
});

describe('bad input: a clear reason each, nothing stored', () => {
  it('empty, random bytes named .fit, 300 MB, a zip bomb, ../ and absolute entries, symlinks and loops', async () => {
    const w = world();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'empty.fit'), '');
    writeFileSync(path.join(dir, 'random.fit'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    // 300 MB without writing them: a sparse file. Refused by its size before any byte is read.
    writeFileSync(path.join(dir, 'huge.fit'), '');
    truncateSync(path.join(dir, 'huge.fit'), 300 * 1024 * 1024);
    const good = encodeRun({ start: Date.UTC(2026, 1, 1, 7) / 1000, seconds: 600 }).bytes;
    writeFileSync(
      path.join(dir, 'bad.zip'),
      makeZip([
        { name: 'bomb.fit', data: Buffer.alloc(20 * 1024 * 1024) },
        { name: 'liar.fit', data: good, declaredSize: 100 },
        { name: '../../etc/evil.fit', data: good },
        { name: '/abs/evil.fit', data: good },
        { name: 'link.fit', data: Buffer.from('/etc/passwd'), mode: 0o120777, store: true },
        { name: 'deep.zip', data: makeZip([{ name: 'deeper.zip', data: makeZip([{ name: 'x.fit', data: good }]), store: true }]), store: true },
      ]),
    );
    mkdirSync(path.join(dir, 'loop'));
    symlinkSync('..', path.join(dir, 'loop', 'parent'));
    symlinkSync('self', path.join(dir, 'self'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not a FIT');
    const summary = await w.imports.importPaths([dir, path.join(dir, 'notes.txt')]);
    const reason = (name: string) => summary.results.find((r) => r.name.endsWith(name));
    expect(reason('empty.fit')).toMatchObject({ reason: 'empty', message: expect.stringMatching(/0 bytes/) });
    expect(reason('random.fit')).toMatchObject({ reason: 'not_fit' });
    expect(reason('huge.fit')).toMatchObject({ reason: 'too_large', message: expect.stringMatching(/314572800 bytes/) });
    expect(reason('bomb.fit')).toMatchObject({ reason: 'zip_bomb' });
    expect(reason('liar.fit')).toMatchObject({ reason: 'zip_bomb' });
    expect(reason('etc/evil.fit')).toMatchObject({ reason: 'unsafe_entry', message: expect.stringMatching(/"\.\.\/"/) });
    expect(reason('/abs/evil.fit')).toMatchObject({ reason: 'unsafe_entry', message: expect.stringMatching(/absolute path/) });
    expect(reason('link.fit')).toMatchObject({ reason: 'symlink' });
    expect(reason('deeper.zip')).toMatchObject({ reason: 'zip_bomb', message: expect.stringMatching(/two deep/) });
    expect(reason('loop/parent')).toMatchObject({ reason: 'symlink_loop' });
    expect(reason('self')).toMatchObject({ reason: 'symlink_loop' });
    expect(reason('notes.txt')).toMatchObject({ reason: 'not_fit_or_zip' });
    expect(summary.imported).toBe(0);
    expect(w.count('activities')).toBe(0);
    expect(w.count('activity_samples')).toBe(0);
    // Nothing was unpacked where a name pointed.
    expect(readdirSync(path.join(w.home, 'import-tmp'))).toEqual([]);
  });

  it('a folder of 10,000 files: every one accounted for, memory bounded', async () => {
    const w = world();
    const dir = tempDir();
    const distinct = Array.from({ length: 5 }, (_, i) => encodeRun({ start: Date.UTC(2026, 2, 1 + i, 7) / 1000, seconds: 300, seed: i }).bytes);
    for (let i = 0; i < 10_000; i++) writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.fit`), i % 10 === 9 ? Buffer.from('junk') : distinct[i % 5]!);
    const heapBefore = process.memoryUsage().heapUsed;
    const summary = await w.imports.importPaths([dir]);
    expect(summary.files).toBe(10_000);
    expect(summary.imported).toBe(5);
    expect(summary.skipped).toBe(1);
    expect(summary.already).toBe(9_994);
    expect(summary.reasons).toEqual({ not_fit: 1 });
    expect(w.count('activities')).toBe(5);
    // File bytes are not held: the heap grows by the results list, not by 10,000 files.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  it('stops past the file limit with a reason', async () => {
    const home = tempDir();
    const db = openDatabase(path.join(home, 'companion.db'));
    const training = trainingRepo(db);
    const imports = createFitImports({ db, training, clock: { now: () => 0 }, logger: silentLogger, tmpDir: path.join(home, 'tmp'), limits: { maxFiles: 3, maxInnerZipBytes: 1e9, maxRatio: 100 } });
    const dir = tempDir();
    for (let i = 0; i < 5; i++) writeFileSync(path.join(dir, `${i}.fit`), '');
    const summary = await imports.importPaths([dir]);
    expect(summary.files).toBe(4);
    expect(summary.results.at(-1)).toMatchObject({ reason: 'too_many_files', message: expect.stringMatching(/after 3 files/) });
  });
});

void DAY;

describe('the app’s doors take bytes, never a path to read', () => {
  it('a dropped file is its bytes: a name like a path reads nothing, a path field is refused, an archive is sent to the CLI', async () => {
    const { CHANNELS } = await import('../../src-common/ipc-contract.js');
    const args = CHANNELS['companion:import.file'].args;
    expect(args.safeParse({ name: 'run.fit', data: 'AAAA' }).success).toBe(true);
    expect(args.safeParse({ name: 'run.fit', data: 'AAAA', path: '/etc/passwd' }).success).toBe(false);
    expect(CHANNELS['companion:import.watch'].args.safeParse({ roots: ['/'] }).success).toBe(false);
    const w = world();
    const summary = await w.imports.importBytes([
      { name: '/etc/passwd', bytes: Buffer.from('x') },
      { name: 'export.zip', bytes: makeZip([{ name: 'a.fit', data: Buffer.from('x') }]) },
    ]);
    expect(summary.results.map((r) => [r.name, r.reason])).toEqual([
      ['passwd', 'not_fit'],
      ['export.zip', 'not_fit_or_zip'],
    ]);
    expect(summary.results[1]!.message).toMatch(/r42-companion import/);
  });
});
