/**
 * Activities imported from FIT files (the watch over USB, Garmin Connect's export, the Activity
 * API's activity files): which file contents were seen (fit_files, by SHA-256), what each file
 * recorded beyond the API (activity_fit), and the rules that keep one activity whatever the door:
 * the same run from a file and from the API is one activity (Garmin activity id where known, else
 * the same sport family and a start within 60 s), and the richer samples win, in either order.
 * The activity itself and its samples are in the same tables as the API's (activities,
 * activity_samples through DetailsRepo), so every figure, route, tool and page reads them alike.
 */
import { z } from 'zod';
import type { RawSample } from '../../../src-common/activity-samples.js';
import { ACTIVITY_FAMILIES } from '../../../src-common/data-query.js';
import { fitSource, watchLap, watchTotals, type FitSource, type WatchLap, type WatchRecorded, type WatchTotals } from '../../../src-common/coaching-contract.js';
import { rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { decodeColumns, encodeColumns, unpackJson } from './sample-codec.js';

/** The rows read here, parsed as they leave SQLite (never cast). */
const fileRow = z.object({ outcome: z.enum(['imported', 'skipped']), reason: z.string().nullable(), activities: z.string() });
const twinRow = z.object({ summary_id: z.string(), activity_type: z.string(), start_time: z.number() });
const twinRows = z.array(twinRow);
const fitRow = z.object({ details_id: z.string(), richness: z.number(), samples_used: z.number(), file_sha256: z.string() });
const recordedRow = z.object({
  source: z.unknown(),
  device: z.string().nullable(),
  sport: z.string(),
  sub_sport: z.string().nullable(),
  leg: z.number(),
  legs: z.number(),
  local_offset: z.number().nullable(),
  samples_used: z.number(),
  truncated: z.number(),
  warnings: z.string(),
  totals: z.string(),
  laps: z.string(),
  extras: z.instanceof(Uint8Array).nullable(),
  developer_z: z.instanceof(Uint8Array).nullable(),
});
const count = z.number();

/** How far apart two starts may be and still be the same activity (a watch's clock and Garmin's summary differ by seconds). */
export const SAME_START_S = 60;
/** The summaryId prefix of an activity known only from a file (Garmin's own ids are digits). */
export const FILE_SUMMARY_PREFIX = 'fit-';

/** The channels beyond the API, in the order and at the scales they are stored (sample-codec columns). */
export const EXTRA_COLUMNS = [
  { key: 'power_w', scale: 10 },
  { key: 'temperature_c', scale: 10 },
  { key: 'vertical_oscillation_mm', scale: 10 },
  { key: 'ground_contact_ms', scale: 10 },
  { key: 'stride_length_m', scale: 1000 },
  { key: 'cadence_rpm', scale: 10 },
] as const;
export type ExtraColumnKey = (typeof EXTRA_COLUMNS)[number]['key'];
const SCALES = EXTRA_COLUMNS.map((c) => c.scale);

/** The family a Garmin activity type belongs to (running, cycling…), or the type itself. */
export function familyOf(type: string): string {
  for (const [family, parts] of Object.entries(ACTIVITY_FAMILIES)) if (parts.some((p) => type.includes(p))) return family;
  return type;
}

/** The extra channels (EXTRA_COLUMNS' order) as their stored blob, or null when none holds a value. */
export function encodeExtras(extras: ReadonlyArray<ReadonlyArray<number | null>>): Uint8Array | null {
  return extras.some((col) => col.some((v) => v !== null)) ? encodeColumns(SCALES, extras) : null;
}

/** How many values a sample series holds (every channel but time): the measure of "richer". */
export function richnessOf(samples: readonly RawSample[], extras: ReadonlyArray<ReadonlyArray<number | null>> = []): number {
  let n = 0;
  for (const s of samples) {
    if (typeof s.distance === 'number') n++;
    if (typeof s.hr === 'number') n++;
    if (typeof s.speed === 'number') n++;
    if (typeof s.cadence === 'number') n++;
    if (typeof s.elevation === 'number') n++;
    if (typeof s.lat === 'number') n++;
    if (typeof s.lon === 'number') n++;
  }
  for (const col of extras) for (const v of col) if (v !== null) n++;
  return n;
}

export interface FileSeen {
  readonly outcome: 'imported' | 'skipped';
  readonly reason: string | null;
  readonly activities: readonly string[];
}

export interface Twin {
  readonly summaryId: string;
  readonly activityType: string;
  readonly startTime: number;
  /** Known only from a file (no Garmin summary yet). */
  readonly fromFile: boolean;
}

/** A file's record of an activity as stored: the contract's, with each extra channel's values per sample (by EXTRA_COLUMNS key) where the answer has their figures. */
export type StoredRecording = Omit<WatchRecorded, 'channels'> & { readonly channels: Readonly<Record<string, ReadonlyArray<number | null>>> };

export interface StoredFit {
  readonly detailsId: string;
  readonly richness: number;
  readonly samplesUsed: boolean;
  readonly fileSha256: string;
}

export interface FitRow {
  readonly activitySummaryId: string;
  readonly detailsId: string;
  readonly fileSha256: string;
  readonly source: FitSource;
  readonly leg: number;
  readonly legs: number;
  readonly sport: string;
  readonly subSport: string | null;
  readonly device: string | null;
  readonly startTime: number;
  readonly localOffset: number | null;
  readonly totals: WatchTotals;
  readonly laps: ReadonlyArray<Omit<WatchLap, 'index'>>;
  /** The extra channels as stored (encodeExtras), or null when the file recorded none. */
  readonly extras: Uint8Array | null;
  /** The developer fields as stored (sample-codec.ts packJson), or null when the file has none. */
  readonly developer: Uint8Array | null;
  readonly richness: number;
  readonly samplesUsed: boolean;
  readonly truncated: boolean;
  readonly warnings: readonly string[];
}

/** A blob as SQLite binds it: bytes that crossed from a worker thread arrive as a plain Uint8Array. */
export const blob = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

const developerSchema = z
  .object({
    fields: z.array(z.object({ key: z.number(), name: z.string().nullable(), units: z.string().nullable() })).catch([]),
    records: z.record(z.string(), z.array(z.unknown())).catch({}),
  })
  .catch({ fields: [], records: {} });

export class FitRepo {
  private readonly fileRow;
  private readonly upsertFile;
  private readonly byActivityId;
  private readonly byStart;
  private readonly fitRow;
  private readonly upsertFit;
  private readonly releaseStatement;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.fileRow = db.prepare('SELECT outcome, reason, activities FROM fit_files WHERE profile_id = ? AND sha256 = ?');
    this.upsertFile = db.prepare(
      `INSERT INTO fit_files (profile_id, sha256, name, bytes, outcome, reason, activities, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, sha256) DO UPDATE SET name = excluded.name, outcome = excluded.outcome, reason = excluded.reason, activities = excluded.activities`,
    );
    this.byActivityId = db.prepare('SELECT summary_id, activity_type, start_time FROM activities WHERE profile_id = ? AND activity_id = ? LIMIT 1');
    this.byStart = db.prepare('SELECT summary_id, activity_type, start_time FROM activities WHERE profile_id = ? AND start_time BETWEEN ? AND ? ORDER BY abs(start_time - ?)');
    this.releaseStatement = db.prepare('UPDATE activity_fit SET samples_used = 0 WHERE profile_id = ? AND activity_summary_id = ?');
    this.fitRow = db.prepare('SELECT details_id, richness, samples_used, file_sha256 FROM activity_fit WHERE profile_id = ? AND activity_summary_id = ?');
    this.upsertFit = db.prepare(
      `INSERT INTO activity_fit (profile_id, activity_summary_id, details_id, file_sha256, source, leg, legs, sport, sub_sport, device, start_time, local_offset, totals, laps, extras, developer_z, richness, samples_used, truncated, warnings, imported_at)
       VALUES (@profile_id, @activity_summary_id, @details_id, @file_sha256, @source, @leg, @legs, @sport, @sub_sport, @device, @start_time, @local_offset, @totals, @laps, @extras, @developer_z, @richness, @samples_used, @truncated, @warnings, @imported_at)
       ON CONFLICT (profile_id, activity_summary_id) DO UPDATE SET details_id = excluded.details_id, file_sha256 = excluded.file_sha256, source = excluded.source, leg = excluded.leg,
         legs = excluded.legs, sport = excluded.sport, sub_sport = excluded.sub_sport, device = excluded.device, start_time = excluded.start_time, local_offset = excluded.local_offset,
         totals = excluded.totals, laps = excluded.laps, extras = excluded.extras, developer_z = excluded.developer_z, richness = excluded.richness, samples_used = excluded.samples_used,
         truncated = excluded.truncated, warnings = excluded.warnings, imported_at = excluded.imported_at`,
    );
  }

  /** What an earlier import made of a file with this content, or null when it was never seen. */
  fileSeen(sha256: string): FileSeen | null {
    const r = rowOrNull(fileRow, this.fileRow.get(this.profileId, sha256));
    if (!r) return null;
    return { outcome: r.outcome, reason: r.reason, activities: z.array(z.string()).catch([]).parse(JSON.parse(r.activities)) };
  }

  rememberFile(sha256: string, name: string, bytes: number, outcome: 'imported' | 'skipped', reason: string | null, activities: readonly string[], now: number): void {
    this.upsertFile.run(this.profileId, sha256, name.slice(0, 500), bytes, outcome, reason, JSON.stringify(activities), now);
  }

  /** The stored activity this one is: by Garmin activity id, else the same sport family starting within 60 s (the closest). */
  findTwin(activityType: string, startTime: number, activityId: string | null, except?: string): Twin | null {
    const toTwin = (r: z.infer<typeof twinRow>): Twin => ({ summaryId: r.summary_id, activityType: r.activity_type, startTime: r.start_time, fromFile: r.summary_id.startsWith(FILE_SUMMARY_PREFIX) });
    if (activityId) {
      const r = rowOrNull(twinRow, this.byActivityId.get(this.profileId, activityId));
      if (r && r.summary_id !== except) return toTwin(r);
    }
    const family = familyOf(activityType);
    const rows = twinRows.parse(this.byStart.all(this.profileId, startTime - SAME_START_S, startTime + SAME_START_S, startTime));
    const r = rows.find((row) => row.summary_id !== except && familyOf(row.activity_type) === family);
    return r ? toTwin(r) : null;
  }

  fitOf(activitySummaryId: string): StoredFit | null {
    const r = rowOrNull(fitRow, this.fitRow.get(this.profileId, activitySummaryId));
    return r ? { detailsId: r.details_id, richness: r.richness, samplesUsed: r.samples_used === 1, fileSha256: r.file_sha256 } : null;
  }

  storeFit(row: FitRow, now: number): void {
    this.upsertFit.run({
      profile_id: this.profileId,
      activity_summary_id: row.activitySummaryId,
      details_id: row.detailsId,
      file_sha256: row.fileSha256,
      source: row.source,
      leg: row.leg,
      legs: row.legs,
      sport: row.sport,
      sub_sport: row.subSport,
      device: row.device,
      start_time: row.startTime,
      local_offset: row.localOffset,
      totals: JSON.stringify(row.totals),
      laps: JSON.stringify(row.laps),
      extras: row.extras && blob(row.extras),
      developer_z: row.developer && blob(row.developer),
      richness: row.richness,
      samples_used: Number(row.samplesUsed),
      truncated: Number(row.truncated),
      warnings: JSON.stringify(row.warnings),
      imported_at: now,
    });
  }

  /**
   * A Garmin activity summary arrives (sync or relay): an activity known only from a file with
   * the same sport family and start becomes this one (its samples, figures, file data and records
   * move to Garmin's summaryId, its own row goes), so the two doors never make two activities.
   * Call inside the caller's transaction, before the summary is stored.
   */
  adoptFileTwin(summaryId: string, activityType: string, startTime: number, activityId: string | null): void {
    if (summaryId.startsWith(FILE_SUMMARY_PREFIX)) return;
    const twin = this.findTwin(activityType, startTime, activityId, summaryId);
    if (!twin || !twin.fromFile) return;
    const p = this.profileId;
    const from = twin.summaryId;
    this.db.prepare('UPDATE activity_samples SET activity_summary_id = ? WHERE profile_id = ? AND activity_summary_id = ?').run(summaryId, p, from);
    this.db.prepare('UPDATE activity_analysis SET activity_summary_id = ? WHERE profile_id = ? AND activity_summary_id = ?').run(summaryId, p, from);
    this.db.prepare('UPDATE OR REPLACE activity_fit SET activity_summary_id = ? WHERE profile_id = ? AND activity_summary_id = ?').run(summaryId, p, from);
    this.db.prepare('UPDATE personal_records SET summary_id = ? WHERE profile_id = ? AND summary_id = ?').run(summaryId, p, from);
    this.db.prepare('DELETE FROM activities WHERE profile_id = ? AND summary_id = ?').run(p, from);
  }

  /**
   * API details arrive for an activity whose samples came from a file: true when the file's are at
   * least as rich (the API's are then not stored); otherwise the file's details row makes way for
   * the API's (the file's laps, totals and extra channels stay). Call inside the caller's transaction.
   */
  keepsFileSamples(activitySummaryId: string, incomingDetailsId: string, incomingRichness: number): boolean {
    const fit = this.fitOf(activitySummaryId);
    if (!fit || !fit.samplesUsed) return false;
    if (fit.richness >= incomingRichness) return true;
    if (fit.detailsId !== incomingDetailsId) this.db.prepare('DELETE FROM activity_samples WHERE profile_id = ? AND summary_id = ?').run(this.profileId, fit.detailsId);
    this.db.prepare('UPDATE activity_fit SET samples_used = 0, details_id = ? WHERE profile_id = ? AND activity_summary_id = ?').run(incomingDetailsId, this.profileId, activitySummaryId);
    return false;
  }

  /** Before a file's samples are stored for an activity: the details guard must not compare them with the record they replace. */
  releaseSamples(activitySummaryId: string): void {
    this.releaseStatement.run(this.profileId, activitySummaryId);
  }

  /** The file's record of an activity for its details answer, or undefined when it came from no file. */
  recorded(activitySummaryId: string): StoredRecording | undefined {
    const r = rowOrNull(recordedRow, this.db.prepare('SELECT * FROM activity_fit WHERE profile_id = ? AND activity_summary_id = ?').get(this.profileId, activitySummaryId));
    if (!r) return undefined;
    const columns = r.extras ? decodeColumns(SCALES, r.extras) : EXTRA_COLUMNS.map(() => []);
    const channels = Object.fromEntries(EXTRA_COLUMNS.map((c, i) => [c.key, columns[i] ?? []]));
    const developer = r.developer_z ? developerSchema.parse(unpackJson(r.developer_z)) : { fields: [], records: {} };
    const laps = z.array(watchLap.omit({ index: true })).catch([]).parse(JSON.parse(r.laps));
    return {
      source: fitSource.catch('file').parse(r.source),
      device: r.device,
      sport: r.sport,
      sub_sport: r.sub_sport,
      leg: r.leg + 1,
      legs: r.legs,
      local_offset_s: r.local_offset,
      samples_from_file: r.samples_used === 1,
      truncated: r.truncated === 1,
      warnings: z.array(z.string()).catch([]).parse(JSON.parse(r.warnings)),
      session: watchTotals.parse(JSON.parse(r.totals)),
      laps: laps.map((lap, index) => ({ index: index + 1, ...lap })),
      channels,
      developer_fields: developer.fields.map((f) => ({
        key: Math.trunc(f.key),
        name: f.name,
        units: f.units,
        samples: (developer.records[String(f.key)] ?? []).filter((v) => v !== null && v !== undefined).length,
      })),
    };
  }

  /** How many files and activities came from files (for the summary of an import). */
  counts(): { files: number; activities: number } {
    return {
      files: count.parse(this.db.prepare('SELECT count(*) FROM fit_files WHERE profile_id = ?').pluck().get(this.profileId)),
      activities: count.parse(this.db.prepare('SELECT count(*) FROM activity_fit WHERE profile_id = ?').pluck().get(this.profileId)),
    };
  }

  deleteAll(): void {
    this.db.prepare('DELETE FROM activity_fit WHERE profile_id = ?').run(this.profileId);
    this.db.prepare('DELETE FROM fit_files WHERE profile_id = ?').run(this.profileId);
  }
}
