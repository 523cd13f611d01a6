/**
 * The big summary types: activityDetails (samples and laps, kept compact by sample-codec.ts, with
 * the figures derived from them and the personal records they set) and the wellness types
 * stressDetails, bodyComps, pulseOx and respiration. Rows are written inside the caller's
 * transaction (a sync window or a relay page), so they commit with the cursor that brought them.
 * The figures are computed above the store and handed in (DetailsIngest): this module keeps them.
 */
import { z } from 'zod';
import type { ActivityDetails } from '../../../src-common/activity-samples.js';
import { activityDetailsSchema, parseActivityDetails } from '../garmin/activity-details.js';
import { dateOfEpochSeconds } from '../../../src-common/dates.js';
import { normalizeRecord } from '../garmin/records.js';
import { AnalysisRepo, type ActivityAnalysisRow } from './analysis-repo.js';
import { rowOrNull, upsertStatement } from './rows.js';
import type { Database } from './database.js';
import { blob, FitRepo, richnessOf } from './fit-repo.js';
import { WELLNESS_DETAIL_STREAMS, WELLNESS_DETAIL_TABLE, WellnessDetailsRepo } from './wellness-details-repo.js';
import { decodeSamples, encodeSamples, SAMPLE_FORMAT_VERSION } from './sample-codec.js';

export const DETAIL_STREAMS = ['activityDetails', ...WELLNESS_DETAIL_STREAMS] as const;
export type DetailStream = (typeof DETAIL_STREAMS)[number];

/** The table holding each stream's rows, keyed by (profile_id, summary_id). */
export const DETAIL_TABLE: Record<DetailStream, string> = { activityDetails: 'activity_samples', ...WELLNESS_DETAIL_TABLE };

/** What an activity's details are stored with, computed from its samples above the store. */
export interface DetailsFigures {
  /** What activity_samples says of the cleaned samples: the seconds they span, whether a heart rate and a position remain. */
  readonly samples: { readonly durationS: number; readonly hasHr: boolean; readonly hasGps: boolean };
  /** activity_analysis' figures. */
  readonly analysis: Pick<ActivityAnalysisRow, 'isRun' | 'distanceM' | 'hr' | 'efforts'>;
}

/** An activity's details without their samples (these come encoded, with their figures: PreparedDetails). */
export type DetailsHead = Omit<ActivityDetails, 'samples'>;

/** Where an activity's details belong and how they are dated (storeParsedDetails). */
export interface DetailsMeta {
  readonly activityId: string | null;
  readonly activitySummaryId: string;
  readonly offsetS: number;
  readonly dated: boolean;
  readonly raw: Record<string, unknown>;
}

/**
 * An activity's samples ready to store, prepared above the store (a FIT import prepares them in its
 * worker thread): plain data, so it crosses threads as it is.
 */
export interface PreparedDetails {
  readonly count: number;
  /** sample-codec.ts encodeSamples' blob. */
  readonly blob: Uint8Array;
  /** fit-repo.ts richnessOf of the samples (with a file's extra channels): what decides whose samples an activity keeps. */
  readonly richness: number;
  readonly figures: DetailsFigures;
  /** The version of the analysis that computed `figures` (DetailsIngest.analysisVersion). */
  readonly analysisVersion: number;
}

/**
 * The figures derived on ingest, handed to the repo by whoever builds it (wiring.ts gives
 * coaching/activity-ingest.ts's): the store writes what they compute in the transaction that
 * stores the samples, and never computes a figure itself (docs/architecture.md rule 16).
 */
export interface DetailsIngest {
  /** The version of the figures (analysis_version): rows of another are recomputed by the coaching service. */
  readonly analysisVersion: number;
  /** One activity's figures from its details; `activityType` is the activity's, its summary's when the details name none. */
  figures(details: ActivityDetails, activityType: string | null): DetailsFigures;
  /** After an activity's figures are written, in the same transaction: what they change beyond it (the personal records). */
  stored(row: ActivityAnalysisRow, analysis: AnalysisRepo): void;
}

/** A stored activity's details, read back. */
export interface StoredDetails {
  readonly summaryId: string;
  readonly activitySummaryId: string;
  readonly activityId: string | null;
  readonly activityType: string | null;
  readonly localDate: string | null;
  readonly details: ActivityDetails;
  readonly sampleCount: number;
  readonly bytes: number;
}

/** An activity_samples row as find() reads it, parsed as it leaves SQLite. */
const detailsRow = z.object({
  summary_id: z.string(),
  activity_summary_id: z.string(),
  activity_id: z.string().nullable(),
  activity_type: z.string().nullable(),
  local_date: z.string().nullable(),
  sample_count: z.number(),
  start_time: z.number().nullable(),
  duration_s: z.number().nullable(),
  distance_m: z.number().nullable(),
  avg_hr: z.number().nullable(),
  lap_starts: z.string(),
  samples: z.instanceof(Uint8Array),
});

export class DetailsRepo {
  /** Activities imported from FIT files: the file's samples are kept when richer than the API's. */
  readonly fit: FitRepo;
  /** Stress, body composition, SpO2 and respiration. */
  readonly wellness: WellnessDetailsRepo;
  /** The figures derived on ingest, the HR figures cached per profile, the personal records. */
  readonly analysis: AnalysisRepo;
  private readonly upsertSamples;
  private readonly activityLookup;
  private readonly detailsIdLookup;
  private readonly detailsRow;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
    private readonly ingest: DetailsIngest,
  ) {
    this.fit = new FitRepo(db, profileId);
    this.wellness = new WellnessDetailsRepo(db, profileId);
    this.analysis = new AnalysisRepo(db, profileId);
    const upsert = (table: string, cols: readonly string[]) => upsertStatement(db, table, cols);
    this.upsertSamples = upsert('activity_samples', [
      'summary_id', 'activity_summary_id', 'activity_id', 'activity_type', 'start_time', 'local_date', 'duration_s', 'distance_m', 'avg_hr',
      'lap_starts', 'format_version', 'sample_count', 'samples_duration_s', 'has_hr', 'has_gps', 'samples', 'raw', 'synced_at',
    ]);
    this.activityLookup = db.prepare(
      'SELECT summary_id, activity_type, local_date FROM activities WHERE profile_id = ? AND (summary_id = ? OR activity_id = ?) LIMIT 1',
    );
    // One indexed lookup per key, not an OR across three columns (which SQLite answers by scanning
    // every activity of the profile: a millisecond and a half per details query at five years).
    // UNION ALL and the indexes named: a plain UNION sorts by summary_id, for which the planner
    // picks the primary key and scans the profile again.
    this.detailsIdLookup = db
      .prepare(
        `SELECT summary_id FROM (
           SELECT summary_id, synced_at FROM activity_samples INDEXED BY activity_samples_activity WHERE profile_id = @p AND activity_summary_id = @id
           UNION ALL SELECT summary_id, synced_at FROM activity_samples WHERE profile_id = @p AND summary_id = @id
           UNION ALL SELECT summary_id, synced_at FROM activity_samples INDEXED BY activity_samples_activity_id WHERE profile_id = @p AND activity_id = @id
         ) ORDER BY synced_at DESC LIMIT 1`,
      )
      .pluck();
    // Every column but raw (the record without its samples, never read back here).
    this.detailsRow = db.prepare(
      `SELECT summary_id, activity_summary_id, activity_id, activity_type, local_date, sample_count, start_time, duration_s, distance_m, avg_hr, lap_starts, samples
       FROM activity_samples WHERE profile_id = ? AND summary_id = ?`,
    );
  }

  /** Stores one record of a stream; false when it cannot be stored (no id, no time). Call inside a transaction. */
  store(stream: DetailStream, record: unknown, now: number): boolean {
    return stream === 'activityDetails' ? this.storeActivityDetails(record, now) : this.wellness.store(stream, record, now);
  }

  private storeActivityDetails(delivered: unknown, now: number): boolean {
    // Keys with stray spaces read as the key, the id trimmed (core/garmin/records.ts).
    const normalized = normalizeRecord(delivered);
    const id = normalized?.summaryId;
    const record = normalized && (typeof id === 'string' || typeof id === 'number') ? { ...normalized, summaryId: String(id).trim() } : normalized;
    const details = parseActivityDetails(record);
    if (!details) return false;
    const parsed = activityDetailsSchema.parse(record);
    const summary = (parsed.summary ?? {}) as Record<string, unknown>;
    const activityId = parsed.activityId === undefined ? null : String(parsed.activityId);
    // Garmin's details summaryId is the activity's with "-detail"; a summary inside may name it.
    const named = typeof summary.summaryId === 'string' && summary.summaryId ? summary.summaryId : null;
    const activitySummaryIdGuess = named ?? details.summaryId.replace(/-detail$/, '');
    const offset = typeof summary.startTimeOffsetInSeconds === 'number' && Number.isFinite(summary.startTimeOffsetInSeconds) ? summary.startTimeOffsetInSeconds : 0;
    const { samples: _samples, laps: _laps, ...rest } = parsed;
    return this.storeParsedDetails(details, { activityId, activitySummaryId: activitySummaryIdGuess, offsetS: offset, dated: typeof summary.startTimeInSeconds === 'number', raw: rest }, now);
  }

  /**
   * Stores an activity's details already in the analysis' shape: the same row, codec, figures and
   * records as Garmin's activityDetails. `activitySummaryId` is the activity summary's id (or
   * Garmin's activity id) they belong to; `dated`: the local date comes from the start and
   * `offsetS`, else from the stored summary. Call inside a transaction.
   */
  storeParsedDetails(details: ActivityDetails, meta: DetailsMeta & { readonly deflateLevel?: number }, now: number): boolean {
    const { samples, ...head } = details;
    return this.storeDetails(
      head,
      richnessOf(samples),
      (activityType) => ({ count: samples.length, blob: encodeSamples(samples, meta.deflateLevel), figures: this.ingest.figures(details, activityType), analysisVersion: this.ingest.analysisVersion }),
      meta,
      now,
    );
  }

  /**
   * The same with the samples encoded and their figures computed already (a FIT file's legs, which
   * the import prepares in its worker thread: core/fit/fit-prepare.ts), so only the rows are
   * written here. Call inside a transaction.
   */
  storePreparedDetails(head: DetailsHead, prepared: PreparedDetails, meta: DetailsMeta, now: number): boolean {
    return this.storeDetails(head, prepared.richness, () => prepared, meta, now);
  }

  private storeDetails(details: DetailsHead, richness: number, prepare: (activityType: string | null) => Omit<PreparedDetails, 'richness'>, meta: DetailsMeta, now: number): boolean {
    const { activityId, offsetS: offset, raw: rest } = meta;
    const activitySummaryIdGuess = meta.activitySummaryId;
    const known = this.activityLookup.get(this.profileId, activitySummaryIdGuess, activityId ?? activitySummaryIdGuess) as
      | { summary_id: string; activity_type: string; local_date: string }
      | undefined;
    const activitySummaryId = known?.summary_id ?? activitySummaryIdGuess;
    const localDate = details.startTime !== null && meta.dated ? dateOfEpochSeconds(details.startTime + offset) : (known?.local_date ?? null);
    const activityType = details.activityType ?? known?.activity_type ?? null;
    // The same run imported from the watch's file with richer samples keeps them (fit-repo.ts).
    if (this.fit.keepsFileSamples(activitySummaryId, details.summaryId, richness)) return true;
    const { count, blob: samples, figures, analysisVersion } = prepare(activityType);
    this.upsertSamples.run({
      profile_id: this.profileId,
      summary_id: details.summaryId,
      activity_summary_id: activitySummaryId,
      activity_id: activityId,
      activity_type: activityType,
      start_time: details.startTime === null ? null : Math.round(details.startTime),
      local_date: localDate,
      duration_s: details.durationS,
      distance_m: details.distanceM,
      avg_hr: details.avgHr,
      lap_starts: JSON.stringify(details.lapStarts.filter((t) => Number.isFinite(t))),
      format_version: SAMPLE_FORMAT_VERSION,
      sample_count: count,
      samples_duration_s: figures.samples.durationS,
      has_hr: Number(figures.samples.hasHr),
      has_gps: Number(figures.samples.hasGps),
      samples: blob(samples),
      raw: JSON.stringify(rest),
      synced_at: now,
    });
    const row: ActivityAnalysisRow = { summaryId: details.summaryId, activitySummaryId, localDate, ...figures.analysis };
    this.analysis.write(row, analysisVersion, now);
    this.ingest.stored(row, this.analysis);
    return true;
  }

  /** Runs `work` in one transaction (or inside the caller's): figures recomputed together commit together. */
  inTransaction(work: () => void): void {
    this.db.transaction(work)();
  }

  /** The details stored for an activity: by its summaryId, its Garmin activityId, or the details' own summaryId. */
  find(id: string): StoredDetails | null {
    const summaryId: unknown = this.detailsIdLookup.get({ p: this.profileId, id });
    return summaryId === undefined ? null : this.detailsOf(z.string().parse(summaryId));
  }

  /** The details stored under their own summaryId. */
  detailsOf(summaryId: string): StoredDetails | null {
    const r = rowOrNull(detailsRow, this.detailsRow.get(this.profileId, summaryId));
    if (!r) return null;
    return {
      summaryId: r.summary_id,
      activitySummaryId: r.activity_summary_id,
      activityId: r.activity_id,
      activityType: r.activity_type,
      localDate: r.local_date,
      sampleCount: r.sample_count,
      bytes: r.samples.length,
      details: {
        summaryId: r.summary_id,
        startTime: r.start_time,
        activityType: r.activity_type,
        durationS: r.duration_s,
        distanceM: r.distance_m,
        avgHr: r.avg_hr,
        samples: decodeSamples(r.samples),
        lapStarts: z.array(z.number()).catch([]).parse(JSON.parse(r.lap_starts)),
      },
    };
  }

  deleteAll(): void {
    for (const table of ['personal_records', 'activity_hr_figures', 'activity_analysis', ...Object.values(DETAIL_TABLE)]) this.db.prepare(`DELETE FROM ${table} WHERE profile_id = ?`).run(this.profileId);
  }

  counts(): Record<DetailStream, number> {
    const counts = {} as Record<DetailStream, number>;
    for (const stream of DETAIL_STREAMS) counts[stream] = z.number().parse(this.db.prepare(`SELECT count(*) FROM ${DETAIL_TABLE[stream]} WHERE profile_id = ?`).pluck().get(this.profileId));
    return counts;
  }

}
