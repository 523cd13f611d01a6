/**
 * The figures derived from an activity's samples on ingest and kept (activity_analysis: moving and
 * HR seconds, the HR histogram, best efforts), the HR figures cached per HR profile
 * (activity_hr_figures), and the personal records (personal_records). Storage only: what to
 * store is computed by the caller (details-repo.ts on ingest, the coaching service on demand).
 */
import { z } from 'zod';
import type { HrSummary } from '../../../src-common/activity-samples.js';
import { bestEffort, personalRecord, type BestEffort, type PersonalRecord, type RecordsByLabel, type ZoneTime } from '../../../src-common/coaching-contract.js';
import { rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { upsertStatement } from './rows.js';

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

const recordRows = z.array(personalRecord);
const effortsJson = z.array(bestEffort);
const histogramJson = z.array(z.tuple([z.number(), z.number()]));
const runEffortRows = z.array(z.object({ activity_summary_id: z.string(), local_date: z.string(), best_efforts: z.string() }));
const histogramRow = z.object({ moving_s: z.number(), hr_s: z.number(), hr_histogram: z.string() });
const analysisRows = z.array(
  z.object({
    summary_id: z.string(),
    activity_summary_id: z.string(),
    local_date: z.string().nullable(),
    is_run: z.number(),
    moving_s: z.number(),
    distance_m: z.number().nullable(),
    hr_s: z.number(),
    hr_histogram: z.string(),
    best_efforts: z.string(),
  }),
);

export class AnalysisRepo {
  private readonly upsertAnalysis;
  private readonly loadInputRows;
  private readonly histogramRow;
  private readonly upsertHrFigures;
  private readonly upsertRecord;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.upsertAnalysis = upsertStatement(db, 'activity_analysis', [
      'summary_id', 'activity_summary_id', 'analysis_version', 'local_date', 'is_run', 'moving_s', 'distance_m', 'hr_s', 'hr_histogram', 'best_efforts', 'computed_at',
    ]);
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
    this.upsertHrFigures = upsertStatement(db, 'activity_hr_figures', ['summary_id', 'hr_key', 'trimp', 'below_s', 'z1_s', 'z2_s', 'z3_s', 'z4_s', 'z5_s', 'no_hr_s']);
    this.upsertRecord = db.prepare(
      `INSERT INTO personal_records (profile_id, label, distance_m, time_s, pace_s_per_km, summary_id, date) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, label) DO UPDATE SET distance_m = excluded.distance_m, time_s = excluded.time_s, pace_s_per_km = excluded.pace_s_per_km,
         summary_id = excluded.summary_id, date = excluded.date`,
    );
  }

  /** Keeps one activity's derived figures, computed by the analysis version given. Call inside a transaction. */
  write(row: ActivityAnalysisRow, analysisVersion: number, now: number): void {
    this.upsertAnalysis.run({
      profile_id: this.profileId,
      summary_id: row.summaryId,
      activity_summary_id: row.activitySummaryId,
      analysis_version: analysisVersion,
      local_date: row.localDate,
      is_run: Number(row.isRun),
      moving_s: row.hr.movingS,
      distance_m: row.distanceM,
      hr_s: row.hr.hrS,
      hr_histogram: JSON.stringify(row.hr.histogram),
      best_efforts: JSON.stringify(row.efforts),
      computed_at: now,
    });
  }

  /** The details rows whose figures were computed by another analysis version, or never. */
  staleSummaryIds(analysisVersion: number): string[] {
    return z
      .array(z.string())
      .parse(
        this.db
          .prepare(
            `SELECT s.summary_id FROM activity_samples s LEFT JOIN activity_analysis a ON a.profile_id = s.profile_id AND a.summary_id = s.summary_id
             WHERE s.profile_id = ? AND (a.summary_id IS NULL OR a.analysis_version <> ?)`,
          )
          .pluck()
          .all(this.profileId, analysisVersion),
      );
  }

  /** Every dated run's best efforts (what the records are computed over). */
  runEfforts(): Array<{ summary_id: string; date: string; efforts: BestEffort[] }> {
    const rows = runEffortRows.parse(
      this.db.prepare('SELECT activity_summary_id, local_date, best_efforts FROM activity_analysis WHERE profile_id = ? AND is_run = 1 AND local_date IS NOT NULL').all(this.profileId),
    );
    return rows.map((r) => ({ summary_id: r.activity_summary_id, date: r.local_date, efforts: effortsJson.parse(JSON.parse(r.best_efforts)) }));
  }

  /** The stored records, in distance order. */
  records(): PersonalRecord[] {
    const rows = recordRows.parse(this.db.prepare('SELECT label, distance_m, time_s, pace_s_per_km, summary_id, date FROM personal_records WHERE profile_id = ?').all(this.profileId));
    return rows.sort((a, b) => LABEL_ORDER.indexOf(a.label) - LABEL_ORDER.indexOf(b.label));
  }

  /** The stored records by label. */
  recordsByLabel(): RecordsByLabel {
    return Object.fromEntries(this.records().map((r) => [r.label, r]));
  }

  /** Writes the records given (improved ones); the others stay. Call inside a transaction. */
  writeRecords(records: readonly PersonalRecord[]): void {
    for (const r of records) this.upsertRecord.run(this.profileId, r.label, r.distance_m, r.time_s, r.pace_s_per_km, r.summary_id, r.date);
  }

  /** Replaces every record with `records`. */
  replaceRecords(records: RecordsByLabel): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM personal_records WHERE profile_id = ?').run(this.profileId);
      this.writeRecords(Object.values(records));
    })();
  }

  /**
   * The cached figures of every activity with details whose local date is within [from, to], keyed
   * by activity summaryId. Best efforts only when asked: five years of them cost most of a load query.
   */
  analysesBetween(from: string, to: string, options: { efforts?: boolean } = {}): Map<string, ActivityAnalysisRow> {
    const rows = analysisRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, activity_summary_id, local_date, is_run, moving_s, distance_m, hr_s, hr_histogram, ${options.efforts ? 'best_efforts' : "'[]' AS best_efforts"} FROM activity_analysis
           WHERE profile_id = ? AND local_date BETWEEN ? AND ?`,
        )
        .all(this.profileId, from, to),
    );
    const out = new Map<string, ActivityAnalysisRow>();
    for (const r of rows) {
      out.set(r.activity_summary_id, {
        summaryId: r.summary_id,
        activitySummaryId: r.activity_summary_id,
        localDate: r.local_date,
        isRun: r.is_run === 1,
        distanceM: r.distance_m,
        hr: { movingS: r.moving_s, hrS: r.hr_s, histogram: histogramJson.parse(JSON.parse(r.hr_histogram)) },
        efforts: effortsJson.parse(JSON.parse(r.best_efforts)),
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
    const r = rowOrNull(histogramRow, this.histogramRow.get(this.profileId, analysisId));
    if (!r) return null;
    return { movingS: r.moving_s, hrS: r.hr_s, histogram: histogramJson.parse(JSON.parse(r.hr_histogram)) };
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
    return z.number().parse(this.db.prepare('SELECT count(*) FROM activity_analysis WHERE profile_id = ? AND is_run = 1').pluck().get(this.profileId));
  }
}
