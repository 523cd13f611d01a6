/**
 * The big summary types: activityDetails (samples and laps, kept compact by sample-codec.ts, with
 * the figures derived from them and the personal records they set) and the wellness types
 * stressDetails, bodyComps, pulseOx and respiration. Rows are written inside the caller's
 * transaction (a sync window or a relay page), so they commit with the cursor that brought them.
 */
import { z } from 'zod';
import { bestEfforts, type BestEffort } from '../analysis/efforts.js';
import { hrHistogram, type HrSummary } from '../analysis/histogram.js';
import type { ZoneTime } from '../analysis/zones.js';
import { recordsOver, updateRecords, type PersonalRecord, type Records } from '../analysis/records.js';
import { cleanSamples, type ActivityDetails } from '../analysis/samples.js';
import { activityDetailsSchema, parseActivityDetails } from '../garmin/activity-details.js';
import { dateOfEpochSeconds } from '../../../src-common/dates.js';
import { normalizeRecord, valuesOf } from '../garmin/records.js';
import { readBodyComp, readPulseOx, readRespiration, readStress } from '../garmin/wellness-records.js';
import type { Database } from './database.js';
import { FitRepo } from './fit-repo.js';
import { decodeSamples, encodeSamples, packJson, SAMPLE_FORMAT_VERSION } from './sample-codec.js';

export const DETAIL_STREAMS = ['activityDetails', 'stressDetails', 'bodyComps', 'pulseOx', 'respiration'] as const;
export type DetailStream = (typeof DETAIL_STREAMS)[number];

/** Bumped when the derived figures change meaning: older rows are recomputed from the samples. */
export const ANALYSIS_VERSION = 1;

/** The table holding each stream's rows, keyed by (profile_id, summary_id). */
export const DETAIL_TABLE: Record<DetailStream, string> = {
  activityDetails: 'activity_samples',
  stressDetails: 'stress_details',
  bodyComps: 'body_comps',
  pulseOx: 'pulse_ox',
  respiration: 'respiration',
};

const isRun = (type: string | null) => type !== null && /RUN/.test(type);

const avg = (v: number[]) => (v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10 : null);
const minOf = (v: number[]) => (v.length ? Math.min(...v) : null);
const maxOf = (v: number[]) => (v.length ? Math.max(...v) : null);

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

/** What is cached per activity with details. */
export interface ActivityAnalysisRow {
  readonly summaryId: string;
  readonly activitySummaryId: string;
  readonly localDate: string | null;
  readonly isRun: boolean;
  readonly distanceM: number | null;
  readonly hr: HrSummary;
  readonly efforts: readonly BestEffort[];
}

/**
 * One activity summary in a date range, with what the load needs: its summary's average HR and
 * duration, its details' moving and HR seconds, and the HR figures cached for the asked profile.
 */
export interface LoadInput {
  readonly summaryId: string;
  readonly localDate: string;
  readonly avgHr: number | null;
  readonly durationS: number | null;
  /** The details' summaryId (activity_analysis), or null when only the summary is stored. */
  readonly analysisId: string | null;
  readonly movingS: number | null;
  readonly hrS: number | null;
  /** The cached figures for the asked HR profile, or null when not cached yet (or no details). */
  readonly figures: HrFigures | null;
}

/** What an activity's histogram gives for one HR profile (activity_hr_figures). */
export interface HrFigures {
  /** The hr_samples TRIMP, or null when that method does not apply (HR under half the moving time). */
  readonly trimp: number | null;
  /** Zone seconds, or null without HR seconds. */
  readonly zones: ZoneTime | null;
}

const LABEL_ORDER = ['1k', '5k', '10k', 'half_marathon', 'marathon'];

export class DetailsRepo {
  /** Activities imported from FIT files: the file's samples are kept when richer than the API's. */
  readonly fit: FitRepo;
  private readonly upsertSamples;
  private readonly upsertAnalysis;
  private readonly upsertStress;
  private readonly upsertBodyComp;
  private readonly upsertPulseOx;
  private readonly upsertRespiration;
  private readonly activityLookup;
  private readonly detailsIdLookup;
  private readonly detailsRow;
  private readonly loadInputRows;
  private readonly histogramRow;
  private readonly upsertHrFigures;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.fit = new FitRepo(db, profileId);
    const upsert = (table: string, cols: readonly string[]) =>
      db.prepare(
        `INSERT INTO ${table} (profile_id, ${cols.join(', ')}) VALUES (@profile_id, ${cols.map((c) => `@${c}`).join(', ')})
         ON CONFLICT (profile_id, summary_id) DO UPDATE SET ${cols.filter((c) => c !== 'summary_id').map((c) => `${c} = excluded.${c}`).join(', ')}`,
      );
    this.upsertSamples = upsert('activity_samples', [
      'summary_id', 'activity_summary_id', 'activity_id', 'activity_type', 'start_time', 'local_date', 'duration_s', 'distance_m', 'avg_hr',
      'lap_starts', 'format_version', 'sample_count', 'samples_duration_s', 'has_hr', 'has_gps', 'samples', 'raw', 'synced_at',
    ]);
    this.upsertAnalysis = upsert('activity_analysis', [
      'summary_id', 'activity_summary_id', 'analysis_version', 'local_date', 'is_run', 'moving_s', 'distance_m', 'hr_s', 'hr_histogram', 'best_efforts', 'computed_at',
    ]);
    this.upsertStress = upsert('stress_details', ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'duration_s', 'avg_stress', 'max_stress', 'body_battery_high', 'body_battery_low', 'raw_z', 'synced_at']);
    this.upsertBodyComp = upsert('body_comps', ['summary_id', 'measured_at', 'local_date', 'weight_g', 'body_fat_pct', 'bmi', 'muscle_mass_g', 'raw', 'synced_at']);
    this.upsertPulseOx = upsert('pulse_ox', ['summary_id', 'calendar_date', 'start_time', 'duration_s', 'avg_spo2', 'min_spo2', 'on_demand', 'raw_z', 'synced_at']);
    this.upsertRespiration = upsert('respiration', ['summary_id', 'start_time', 'local_date', 'duration_s', 'avg_breaths', 'min_breaths', 'max_breaths', 'raw', 'synced_at']);
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
    // In the activities' date order (the order the load adds a day's activities in), each with
    // its details' figures; an activity with two details rows comes once per row (adjacent).
    // Rows as arrays: five years are 1,500 rows, and an object per row costs more than the query.
    this.loadInputRows = db.prepare(
      `SELECT act.summary_id, act.local_date, act.avg_hr, act.duration_s, a.summary_id AS analysis_id, a.moving_s, a.hr_s,
              f.hr_key, f.trimp, f.below_s, f.z1_s, f.z2_s, f.z3_s, f.z4_s, f.z5_s, f.no_hr_s
       FROM activities act
       LEFT JOIN activity_analysis a INDEXED BY activity_analysis_activity ON a.profile_id = act.profile_id AND a.activity_summary_id = act.summary_id AND a.local_date BETWEEN @from AND @to
       LEFT JOIN activity_hr_figures f ON f.profile_id = a.profile_id AND f.summary_id = a.summary_id AND f.hr_key = @key
       WHERE act.profile_id = @p AND act.local_date BETWEEN @from AND @to
       ORDER BY act.local_date, act.rowid`,
    ).raw();
    this.histogramRow = db.prepare('SELECT moving_s, hr_s, hr_histogram FROM activity_analysis WHERE profile_id = ? AND summary_id = ?');
    this.upsertHrFigures = upsert('activity_hr_figures', ['summary_id', 'hr_key', 'trimp', 'below_s', 'z1_s', 'z2_s', 'z3_s', 'z4_s', 'z5_s', 'no_hr_s']);
  }

  /** Stores one record of a stream; false when it cannot be stored (no id, no time). Call inside a transaction. */
  store(stream: DetailStream, record: unknown, now: number): boolean {
    switch (stream) {
      case 'activityDetails':
        return this.storeActivityDetails(record, now);
      case 'stressDetails': {
        const s = readStress(record);
        if (!s) return false;
        const stress = valuesOf(s.stressValues, 0, 100);
        const battery = valuesOf(s.bodyBatteryValues, 0, 100);
        this.upsertStress.run({
          profile_id: this.profileId, summary_id: s.summaryId, calendar_date: s.calendarDate, start_time: s.startTime, start_offset: s.offset,
          duration_s: s.durationS, avg_stress: avg(stress), max_stress: maxOf(stress), body_battery_high: maxOf(battery), body_battery_low: minOf(battery),
          raw_z: packJson(record), synced_at: now,
        });
        return true;
      }
      case 'bodyComps': {
        const b = readBodyComp(record);
        if (!b) return false;
        this.upsertBodyComp.run({
          profile_id: this.profileId, summary_id: b.summaryId, measured_at: b.measuredAt, local_date: b.localDate,
          weight_g: b.weightG, body_fat_pct: b.bodyFatPct, bmi: b.bmi, muscle_mass_g: b.muscleMassG, raw: JSON.stringify(record), synced_at: now,
        });
        return true;
      }
      case 'pulseOx': {
        const p = readPulseOx(record);
        if (!p) return false;
        const spo2 = valuesOf(p.spo2Values, 50, 100);
        this.upsertPulseOx.run({
          profile_id: this.profileId, summary_id: p.summaryId, calendar_date: p.calendarDate, start_time: p.startTime, duration_s: p.durationS,
          avg_spo2: avg(spo2), min_spo2: minOf(spo2), on_demand: p.onDemand === null ? null : Number(p.onDemand), raw_z: packJson(record), synced_at: now,
        });
        return true;
      }
      case 'respiration': {
        const r = readRespiration(record);
        if (!r) return false;
        const breaths = valuesOf(r.breaths, 1, 80);
        this.upsertRespiration.run({
          profile_id: this.profileId, summary_id: r.summaryId, start_time: r.startTime, local_date: r.localDate,
          duration_s: r.durationS, avg_breaths: avg(breaths), min_breaths: minOf(breaths), max_breaths: maxOf(breaths), raw: JSON.stringify(record), synced_at: now,
        });
        return true;
      }
    }
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
   * Stores an activity's details already in the analysis' shape (a FIT file's, core/fit): the same
   * row, codec, figures and records as Garmin's activityDetails. `activitySummaryId` is the activity
   * summary's id (or Garmin's activity id) they belong to; `dated`: the local date comes from the
   * start and `offsetS`, else from the stored summary. Call inside a transaction.
   */
  storeParsedDetails(details: ActivityDetails, meta: { activityId: string | null; activitySummaryId: string; offsetS: number; dated: boolean; raw: Record<string, unknown>; deflateLevel?: number }, now: number): boolean {
    const { activityId, offsetS: offset, raw: rest } = meta;
    const activitySummaryIdGuess = meta.activitySummaryId;
    const known = this.activityLookup.get(this.profileId, activitySummaryIdGuess, activityId ?? activitySummaryIdGuess) as
      | { summary_id: string; activity_type: string; local_date: string }
      | undefined;
    const activitySummaryId = known?.summary_id ?? activitySummaryIdGuess;
    const localDate = details.startTime !== null && meta.dated ? dateOfEpochSeconds(details.startTime + offset) : (known?.local_date ?? null);
    const activityType = details.activityType ?? known?.activity_type ?? null;
    // The same run imported from the watch's file with richer samples keeps them (fit-repo.ts).
    if (this.fit.keepsFileSamples(activitySummaryId, details.summaryId, details.samples)) return true;
    const series = cleanSamples(details.samples);
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
      sample_count: details.samples.length,
      samples_duration_s: series.elapsedS,
      has_hr: Number(series.hasHr),
      has_gps: Number(series.hasGps),
      samples: encodeSamples(details.samples, meta.deflateLevel),
      raw: JSON.stringify(rest),
      synced_at: now,
    });
    const row = this.writeAnalysis(details.summaryId, activitySummaryId, localDate, activityType, details, now, series);
    if (row.isRun && row.localDate !== null) this.applyToRecords(row);
    return true;
  }

  /** Computes and stores the HR-setting-free figures of one activity. */
  private writeAnalysis(
    summaryId: string,
    activitySummaryId: string,
    localDate: string | null,
    activityType: string | null,
    details: ActivityDetails,
    now: number,
    series = cleanSamples(details.samples),
  ): ActivityAnalysisRow {
    const hr = hrHistogram(series);
    const efforts = bestEfforts(series);
    const row: ActivityAnalysisRow = { summaryId, activitySummaryId, localDate, isRun: isRun(activityType), distanceM: series.distanceM, hr, efforts };
    this.upsertAnalysis.run({
      profile_id: this.profileId,
      summary_id: summaryId,
      activity_summary_id: activitySummaryId,
      analysis_version: ANALYSIS_VERSION,
      local_date: localDate,
      is_run: Number(row.isRun),
      moving_s: hr.movingS,
      distance_m: series.distanceM,
      hr_s: hr.hrS,
      hr_histogram: JSON.stringify(hr.histogram),
      best_efforts: JSON.stringify(efforts),
      computed_at: now,
    });
    return row;
  }

  /** One run's efforts into the records (analysis/records.ts updateRecords); the whole history again only when it must. */
  private applyToRecords(row: ActivityAnalysisRow): void {
    const current = this.recordsMap();
    const next = updateRecords(current, { summary_id: row.activitySummaryId, date: row.localDate!, efforts: row.efforts });
    if (next.rebuild) {
      this.rebuildRecords();
      return;
    }
    const write = this.db.prepare(
      `INSERT INTO personal_records (profile_id, label, distance_m, time_s, pace_s_per_km, summary_id, date) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, label) DO UPDATE SET distance_m = excluded.distance_m, time_s = excluded.time_s, pace_s_per_km = excluded.pace_s_per_km,
         summary_id = excluded.summary_id, date = excluded.date`,
    );
    for (const label of next.improved) {
      const r = next.records[label]!;
      write.run(this.profileId, r.label, r.distance_m, r.time_s, r.pace_s_per_km, r.summary_id, r.date);
    }
  }

  /** Records recomputed over every stored run (analysis/records.ts recordsOver). */
  rebuildRecords(): Records {
    const runs = (
      this.db
        .prepare('SELECT activity_summary_id, local_date, best_efforts FROM activity_analysis WHERE profile_id = ? AND is_run = 1 AND local_date IS NOT NULL')
        .all(this.profileId) as Array<{ activity_summary_id: string; local_date: string; best_efforts: string }>
    ).map((r) => ({ summary_id: r.activity_summary_id, date: r.local_date, efforts: JSON.parse(r.best_efforts) as BestEffort[] }));
    const records = recordsOver(runs);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM personal_records WHERE profile_id = ?').run(this.profileId);
      const insert = this.db.prepare('INSERT INTO personal_records (profile_id, label, distance_m, time_s, pace_s_per_km, summary_id, date) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const r of Object.values(records)) insert.run(this.profileId, r.label, r.distance_m, r.time_s, r.pace_s_per_km, r.summary_id, r.date);
    })();
    return records;
  }

  private recordsMap(): Records {
    return Object.fromEntries(this.records().map((r) => [r.label, r]));
  }

  /** The stored records, in distance order. */
  records(): PersonalRecord[] {
    const rows = this.db
      .prepare('SELECT label, distance_m, time_s, pace_s_per_km, summary_id, date FROM personal_records WHERE profile_id = ?')
      .all(this.profileId) as PersonalRecord[];
    return rows.sort((a, b) => LABEL_ORDER.indexOf(a.label) - LABEL_ORDER.indexOf(b.label));
  }

  /**
   * Recomputes the derived figures of activities stored by an older analysis (or without any),
   * then the records; answers how many were recomputed. Cheap when everything is current.
   */
  refreshAnalysis(now: number): number {
    const stale = this.db
      .prepare(
        `SELECT s.summary_id FROM activity_samples s LEFT JOIN activity_analysis a ON a.profile_id = s.profile_id AND a.summary_id = s.summary_id
         WHERE s.profile_id = ? AND (a.summary_id IS NULL OR a.analysis_version <> ?)`,
      )
      .pluck()
      .all(this.profileId, ANALYSIS_VERSION) as string[];
    if (stale.length === 0) return 0;
    this.db.transaction(() => {
      for (const id of stale) {
        const stored = this.detailsOf(id);
        if (stored) this.writeAnalysis(stored.summaryId, stored.activitySummaryId, stored.localDate, stored.activityType, stored.details, now);
      }
    })();
    this.rebuildRecords();
    return stale.length;
  }

  /** The details stored for an activity: by its summaryId, its Garmin activityId, or the details' own summaryId. */
  find(id: string): StoredDetails | null {
    const summaryId = this.detailsIdLookup.get({ p: this.profileId, id }) as string | undefined;
    return summaryId === undefined ? null : this.detailsOf(summaryId);
  }

  private detailsOf(summaryId: string): StoredDetails | null {
    const r = this.detailsRow.get(this.profileId, summaryId) as Record<string, unknown> | undefined;
    if (!r) return null;
    const blob = r.samples as Buffer;
    return {
      summaryId: r.summary_id as string,
      activitySummaryId: r.activity_summary_id as string,
      activityId: r.activity_id as string | null,
      activityType: r.activity_type as string | null,
      localDate: r.local_date as string | null,
      sampleCount: r.sample_count as number,
      bytes: blob.length,
      details: {
        summaryId: r.summary_id as string,
        startTime: r.start_time as number | null,
        activityType: r.activity_type as string | null,
        durationS: r.duration_s as number | null,
        distanceM: r.distance_m as number | null,
        avgHr: r.avg_hr as number | null,
        samples: decodeSamples(blob),
        lapStarts: z.array(z.number()).catch([]).parse(JSON.parse(r.lap_starts as string)),
      },
    };
  }

  /**
   * The cached figures of every activity with details whose local date is within [from, to], keyed
   * by activity summaryId. Best efforts only when asked: five years of them cost most of a load query.
   */
  analysesBetween(from: string, to: string, options: { efforts?: boolean } = {}): Map<string, ActivityAnalysisRow> {
    const rows = this.db
      .prepare(
        `SELECT summary_id, activity_summary_id, local_date, is_run, moving_s, distance_m, hr_s, hr_histogram, ${options.efforts ? 'best_efforts' : "'[]' AS best_efforts"} FROM activity_analysis
         WHERE profile_id = ? AND local_date BETWEEN ? AND ?`,
      )
      .all(this.profileId, from, to) as Array<Record<string, unknown>>;
    const out = new Map<string, ActivityAnalysisRow>();
    for (const r of rows) {
      out.set(r.activity_summary_id as string, {
        summaryId: r.summary_id as string,
        activitySummaryId: r.activity_summary_id as string,
        localDate: r.local_date as string | null,
        isRun: r.is_run === 1,
        distanceM: r.distance_m as number | null,
        hr: { movingS: r.moving_s as number, hrS: r.hr_s as number, histogram: JSON.parse(r.hr_histogram as string) as Array<[number, number]> },
        efforts: JSON.parse(r.best_efforts as string) as BestEffort[],
      });
    }
    return out;
  }

  /**
   * Every activity summary whose local date is within [from, to], in date order, with its details'
   * moving and HR seconds (details dated within the range, as analysesBetween) and the HR figures
   * cached under `hrKey`. When an activity has several details rows the greatest details summaryId
   * counts, as in analysesBetween (whose rows come in summaryId order, the last one kept).
   */
  loadInputs(from: string, to: string, hrKey: string | null): LoadInput[] {
    type Row = [
      summaryId: string,
      localDate: string,
      avgHr: number | null,
      durationS: number | null,
      analysisId: string | null,
      movingS: number | null,
      hrS: number | null,
      hrKey: string | null,
      trimp: number | null,
      belowS: number | null,
      z1S: number,
      z2S: number,
      z3S: number,
      z4S: number,
      z5S: number,
      noHrS: number,
    ];
    const rows = this.loadInputRows.all({ p: this.profileId, from, to, key: hrKey }) as Row[];
    const out: LoadInput[] = [];
    for (const r of rows) {
      const input: LoadInput = {
        summaryId: r[0],
        localDate: r[1],
        avgHr: r[2],
        durationS: r[3],
        analysisId: r[4],
        movingS: r[5],
        hrS: r[6],
        figures:
          r[7] === null
            ? null
            : { trimp: r[8], zones: r[9] === null ? null : { below_s: r[9], z1_s: r[10], z2_s: r[11], z3_s: r[12], z4_s: r[13], z5_s: r[14], no_hr_s: r[15] } },
      };
      // Rows of one activity are adjacent (same date and rowid): the greatest details summaryId is kept.
      const prev = out[out.length - 1];
      if (prev && prev.summaryId === input.summaryId) {
        if (input.analysisId! > prev.analysisId!) out[out.length - 1] = input;
      } else out.push(input);
    }
    return out;
  }

  /** One details row's cached HR histogram (activity_analysis), or null. */
  histogram(analysisId: string): HrSummary | null {
    const r = this.histogramRow.get(this.profileId, analysisId) as { moving_s: number; hr_s: number; hr_histogram: string } | undefined;
    return r ? { movingS: r.moving_s, hrS: r.hr_s, histogram: JSON.parse(r.hr_histogram) as Array<[number, number]> } : null;
  }

  /** Caches HR figures computed for the profile `hrKey`; a row of another key is replaced. Call inside a transaction. */
  storeHrFigures(analysisId: string, hrKey: string, figures: HrFigures): void {
    const z = figures.zones;
    this.upsertHrFigures.run({
      profile_id: this.profileId,
      summary_id: analysisId,
      hr_key: hrKey,
      trimp: figures.trimp,
      below_s: z?.below_s ?? null,
      z1_s: z?.z1_s ?? null,
      z2_s: z?.z2_s ?? null,
      z3_s: z?.z3_s ?? null,
      z4_s: z?.z4_s ?? null,
      z5_s: z?.z5_s ?? null,
      no_hr_s: z?.no_hr_s ?? null,
    });
  }

  /** Runs with details (what the records were computed over). */
  runsWithDetails(): number {
    return this.db.prepare('SELECT count(*) FROM activity_analysis WHERE profile_id = ? AND is_run = 1').pluck().get(this.profileId) as number;
  }

  /** Wellness per day for trends: stress, SpO2, respiration averages and weight. */
  wellnessBetween(from: string, to: string): Map<string, { avgStress: number | null; spo2: number | null; respiration: number | null; weightKg: number | null }> {
    const out = new Map<string, { avgStress: number | null; spo2: number | null; respiration: number | null; weightKg: number | null }>();
    const at = (d: string) => {
      let v = out.get(d);
      if (!v) out.set(d, (v = { avgStress: null, spo2: null, respiration: null, weightKg: null }));
      return v;
    };
    const p = this.profileId;
    for (const r of this.db.prepare('SELECT calendar_date AS d, avg(avg_stress) AS v FROM stress_details WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? GROUP BY d').all(p, from, to) as Array<{ d: string; v: number | null }>) at(r.d).avgStress = round1(r.v);
    for (const r of this.db.prepare('SELECT calendar_date AS d, avg(avg_spo2) AS v FROM pulse_ox WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? GROUP BY d').all(p, from, to) as Array<{ d: string; v: number | null }>) at(r.d).spo2 = round1(r.v);
    for (const r of this.db.prepare('SELECT local_date AS d, avg(avg_breaths) AS v FROM respiration WHERE profile_id = ? AND local_date BETWEEN ? AND ? GROUP BY d').all(p, from, to) as Array<{ d: string; v: number | null }>) at(r.d).respiration = round1(r.v);
    // The day's last plausible weigh-in (20-300 kg: Garmin's own example prints 751,732 g).
    for (const r of this.db
      .prepare('SELECT local_date AS d, weight_g AS v FROM body_comps WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND weight_g BETWEEN 20000 AND 300000 ORDER BY measured_at')
      .all(p, from, to) as Array<{ d: string; v: number }>) at(r.d).weightKg = Math.round(r.v / 100) / 10;
    return out;
  }

  deleteAll(): void {
    for (const table of ['personal_records', 'activity_hr_figures', 'activity_analysis', ...Object.values(DETAIL_TABLE)]) this.db.prepare(`DELETE FROM ${table} WHERE profile_id = ?`).run(this.profileId);
  }

  counts(): Record<DetailStream, number> {
    return Object.fromEntries(
      DETAIL_STREAMS.map((s) => [s, this.db.prepare(`SELECT count(*) FROM ${DETAIL_TABLE[s]} WHERE profile_id = ?`).pluck().get(this.profileId) as number]),
    ) as Record<DetailStream, number>;
  }
}

const round1 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);
