/**
 * The core coaching service: figures derived from the STORED training data (activity samples,
 * summaries, wellness), as plain data for the HTTP, MCP, CLI and UI surfaces. Every method is a
 * synchronous read of SQLite (it may fill the derived-figures cache); nothing here calls Garmin.
 * The figures themselves come from the analysis library (src-main/core/analysis, docs/metrics.md).
 */
import { addDays, dayNumber, isDateShaped, isoWeekStart, localDate } from '../../../src-common/dates.js';
import { bestEfforts } from '../analysis/efforts.js';
import { loadFromHistogram, zonesFromHistogram } from '../analysis/histogram.js';
import { hrvStatus } from '../analysis/hrv.js';
import { activityLoad, DEFAULT_TRIMP_K, loadSeries, weeklyLoad } from '../analysis/load.js';
import { cleanSamples } from '../analysis/samples.js';
import { downsample } from '../analysis/series.js';
import { totalsOfAll } from '../analysis/windows.js';
import { drift, laps, splits } from '../analysis/splits.js';
import { channelFigures, median, roundOrNull } from '../analysis/stats.js';
import { restingHrTrend, sleepSeconds, sleepTrend, type DatedValue } from '../analysis/trends.js';
import { hrProfile as profileFrom, MAX_HR_RANGE, RESTING_HR_RANGE, timeInZones, type HrProfile } from '../analysis/zones.js';
import { CompanionError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { Database } from '../store/database.js';
import { CoachingReads } from '../store/coaching-reads.js';
import type { HrFigures } from '../store/analysis-repo.js';
import { DetailsRepo } from '../store/details-repo.js';
import { activityIngest, refreshAnalysis } from './activity-ingest.js';
import { DEFAULT_PROFILE_ID } from '../store/repos.js';
import { WellnessRepo } from '../store/wellness-repo.js';
import type {
  ActivityDetailsAnswer,
  ActivityLoad,
  HrProfileAnswer,
  HrSource,
  LoadMethod,
  PersonalRecordsAnswer,
  SplitUnit,
  TrainingLoadAnswer,
  TrendsAnswer,
  WellnessDay,
  ZoneTime,
} from '../../../src-common/coaching-contract.js';
import { watchRecorded } from '../../../src-common/coaching-contract.js';
import { UNIT_METRES } from '../../../src-common/units.js';

/** The coaching service: synchronous reads of the stored data, answered in the shapes of src-common/coaching-contract.ts. Method names are stable. */
export interface Coaching {
  activityDetails(id: string, options?: { unit?: SplitUnit; maxPoints?: number }): ActivityDetailsAnswer;
  trainingLoad(range: { from: string; to: string }): TrainingLoadAnswer;
  personalRecords(): PersonalRecordsAnswer;
  trends(range: { from: string; to: string }): TrendsAnswer;
  hrProfile(): HrProfileAnswer;
}

/** The runner's HR settings (R42_MAX_HR, R42_RESTING_HR, R42_HR_ZONE_MODEL); absent numbers are estimated. */
export interface CoachingConfig {
  readonly hr: { readonly maxHr: number | undefined; readonly restingHr: number | undefined; readonly zoneModel: 'hrr' | 'max' };
}

export interface CoachingDeps {
  readonly db: Database;
  /** CompanionConfig satisfies this. */
  readonly config: CoachingConfig;
  readonly clock: Clock;
  /** The profile whose data is read; DEFAULT_PROFILE_ID when absent. */
  readonly profileId?: string;
}

export const DEFAULT_MAX_POINTS = 300;
export const MAX_POINTS_LIMIT = 5_000;
/** Longest range of `trainingLoad` (20 years of days) and of `trends` (two years). */
export const MAX_LOAD_DAYS = 7_320;
export const MAX_TREND_DAYS = 731;
/** How far back the HR estimates look. */
export const ESTIMATE_DAYS = 365;

/**
 * Bumped when the zone or TRIMP arithmetic changes: figures cached under an older key (the
 * activity_hr_figures table) are then recomputed from the histograms.
 */
export const HR_FIGURES_VERSION = 1;

/** The fingerprint of everything an activity's cached HR figures depend on besides its histogram. */
export function hrFiguresKey(p: HrProfile): string {
  return `${HR_FIGURES_VERSION}:${p.max_hr}:${p.resting_hr}:${p.model}:${DEFAULT_TRIMP_K}`;
}

function badRequest(message: string): CompanionError {
  return new CompanionError('bad_request', message);
}

function checkRange(range: { from: string; to: string } | undefined, maxDays: number): { from: string; to: string } {
  const from = range?.from;
  const to = range?.to;
  if (!isDateShaped(from) || !isDateShaped(to) || !Number.isFinite(dayNumber(from)) || !Number.isFinite(dayNumber(to))) {
    throw badRequest('from and to must be dates as YYYY-MM-DD.');
  }
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days < 1) throw badRequest(`from (${from}) must not be after to (${to}).`);
  if (days > maxDays) throw badRequest(`A range covers at most ${maxDays} days; ${from} to ${to} is ${days}.`);
  return { from, to };
}

export function createCoaching(deps: CoachingDeps): Coaching {
  const { db, config, clock } = deps;
  const profileId = deps.profileId ?? DEFAULT_PROFILE_ID;
  const details = new DetailsRepo(db, profileId, activityIngest);
  const health = new WellnessRepo(db, profileId);
  const today = () => localDate(clock.now());

  const reads = new CoachingReads(db, profileId);
  const fingerprint = () => reads.fingerprint();
  let memo: { key: string; fingerprint: string; value: { loads: Array<{ date: string; load: number; zones: ZoneTime | null }>; methods: Record<LoadMethod, number> } } | null = null;

  /** Derived figures of activities stored before the current analysis version: recomputed once per service. */
  let analysisCurrent = false;
  const ensureAnalysis = () => {
    if (analysisCurrent) return;
    try {
      refreshAnalysis(details, Math.floor(clock.now() / 1000));
    } catch {
      // A read-only connection: the figures are still computed per request where needed.
    }
    analysisCurrent = true;
  };

  /** The HR profile (analysis/zones.ts) from the settings and the last year's data, and what is known without one. */
  // With both numbers set nothing is estimated, so nothing is read.
  const profile = (): { profile: HrProfile | null; estMax: number | null; estRest: number | null } => {
    const settings = { R42_MAX_HR: config.hr.maxHr, R42_RESTING_HR: config.hr.restingHr, R42_HR_ZONE_MODEL: config.hr.zoneModel };
    if (config.hr.maxHr !== undefined && config.hr.restingHr !== undefined) {
      return { profile: profileFrom(settings, { activityMaxHr: [], restingHr: [] }), estMax: null, estRest: null };
    }
    const to = today();
    const from = addDays(to, -ESTIMATE_DAYS);
    const estMax = reads.maxPlausibleHr(from, to, MAX_HR_RANGE[0], MAX_HR_RANGE[1]);
    const restingHr = reads.restingHrs(from, to, RESTING_HR_RANGE[0], RESTING_HR_RANGE[1]);
    const p = profileFrom(settings, { activityMaxHr: estMax === null ? [] : [estMax], restingHr });
    const rest = median(restingHr);
    return { profile: p, estMax, estRest: rest === null ? null : Math.round(rest) };
  };
  const sourceOf = (p: HrProfile): HrSource => (p.estimated ? 'estimated' : 'settings');
  const trimpInput = (p: HrProfile | null) => (p ? { maxHr: p.max_hr, restingHr: p.resting_hr } : null);

  /**
   * Each activity's load (and zone seconds) from `loadFrom` to `to`, and how many of those within
   * [from, to] came by each method. Remembered against the database's fingerprint (this
   * connection's total_changes() and data_version, read fresh on every call: any write, by this
   * connection or another, is seen at once), so asking again over unchanged data costs no reads;
   * never inside a transaction, which may yet roll back.
   */
  const activityLoads = (from: string, to: string, loadFrom: string, p: HrProfile | null) => {
    const trimp = trimpInput(p);
    const hrKey = p ? hrFiguresKey(p) : null;
    const memoKey = `${from}|${to}|${loadFrom}|${hrKey ?? '-'}`;
    if (memo && memo.key === memoKey && memo.fingerprint === fingerprint()) return memo.value;
    // Each activity's HR figures for this profile come from activity_hr_figures; the ones not
    // cached yet (new details, a changed profile) are computed from their histograms once.
    const rows = details.analysis.loadInputs(loadFrom, to, hrKey);
    const computed = new Map<string, HrFigures>();
    if (p && hrKey) {
      for (const r of rows) {
        if (r.analysisId === null || r.figures !== null || computed.has(r.analysisId)) continue;
        const hr = details.analysis.histogram(r.analysisId);
        if (!hr) continue;
        const load = loadFromHistogram(hr, {}, trimp);
        computed.set(r.analysisId, { trimp: load.method === 'hr_samples' ? load.trimp : null, zones: hr.hrS > 0 ? zonesFromHistogram(hr, p.zones) : null });
      }
      if (computed.size > 0) {
        try {
          db.transaction(() => {
            for (const [analysisId, figures] of computed) details.analysis.storeHrFigures(analysisId, hrKey, figures);
          })();
        } catch {
          // A read-only connection: the figures were still computed for this answer.
        }
      }
    }
    const methods: Record<LoadMethod, number> = { hr_samples: 0, avg_hr: 0, duration: 0 };
    const loads = rows.map((r) => {
      const figures = r.analysisId === null ? null : (r.figures ?? computed.get(r.analysisId) ?? null);
      // loadFromHistogram's rules: the cached hr_samples TRIMP, else the summary's average HR or
      // duration, with the moving time from the samples when there is one.
      const hasMoving = r.analysisId !== null && r.movingS !== null && r.movingS > 0;
      const load: ActivityLoad =
        figures?.trimp != null ? { trimp: figures.trimp, method: 'hr_samples' } : activityLoad({ avgHr: r.avgHr, durationS: hasMoving ? r.movingS : r.durationS }, trimp);
      if (r.localDate >= from && r.localDate <= to) methods[load.method]++;
      const zones: ZoneTime | null = p && r.analysisId !== null && r.hrS !== null && r.hrS > 0 ? (figures?.zones ?? null) : null;
      return { date: r.localDate, load: load.trimp, zones };
    });
    const value = { loads, methods };
    memo = db.inTransaction ? null : { key: memoKey, fingerprint: fingerprint(), value };
    return value;
  };

  const coaching: Coaching = {
    hrProfile(): HrProfileAnswer {
      const { profile: p, estMax, estRest } = profile();
      const maxHr = p?.max_hr ?? config.hr.maxHr ?? estMax;
      const restingHr = p?.resting_hr ?? config.hr.restingHr ?? estRest;
      const maxHrSource = config.hr.maxHr !== undefined ? 'settings' : maxHr === null ? null : 'estimated';
      const restingHrSource = config.hr.restingHr !== undefined ? 'settings' : restingHr === null ? null : 'estimated';
      const source: HrSource = maxHrSource === 'settings' && restingHrSource === 'settings' ? 'settings' : 'estimated';
      const notes: string[] = [];
      if (maxHrSource !== 'settings') {
        notes.push(
          maxHr === null
            ? `Max HR is unknown: no activity of the last ${ESTIMATE_DAYS} days has a max HR between ${MAX_HR_RANGE[0]} and ${MAX_HR_RANGE[1]} bpm; set R42_MAX_HR.`
            : `Max HR is estimated as the highest activity max HR of the last ${ESTIMATE_DAYS} days; set R42_MAX_HR for exact zones.`,
        );
      }
      if (restingHrSource !== 'settings') {
        notes.push(
          restingHr === null
            ? `Resting HR is unknown: no daily resting HR in the last ${ESTIMATE_DAYS} days; set R42_RESTING_HR.`
            : `Resting HR is estimated as the median daily resting HR of the last ${ESTIMATE_DAYS} days; set R42_RESTING_HR to fix it.`,
        );
      }
      if (p === null && maxHr !== null && restingHr !== null) notes.push('Max HR is less than 20 bpm above resting HR: no zones until the numbers are fixed.');
      return { maxHr, restingHr, model: config.hr.zoneModel, zones: p?.zones ?? [], source, maxHrSource, restingHrSource, note: notes.length ? notes.join(' ') : null };
    },

    activityDetails(id, options = {}): ActivityDetailsAnswer {
      if (typeof id !== 'string' || id.trim() === '' || id.length > 200) throw badRequest('An activity id (its summary_id from the activity list) is required.');
      const unit = options.unit ?? 'km';
      if (unit !== 'km' && unit !== 'mi') throw badRequest('unit must be km or mi.');
      const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
      if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_POINTS_LIMIT) throw badRequest(`maxPoints must be a whole number from 2 to ${MAX_POINTS_LIMIT}.`);
      const row = reads.activity(id);
      const stored = details.find(row?.summary_id ?? id) ?? (row?.activity_id ? details.find(row.activity_id) : null);
      if (!row && !stored) throw new CompanionError('not_found', `No activity ${JSON.stringify(id)} in the synced data. Sync, or pick a summary_id from the activity list.`);
      const { profile: p } = profile();
      const unitM = UNIT_METRES[unit];
      const num = (k: 'duration_s' | 'distance_m' | 'avg_hr' | 'max_hr' | 'avg_cadence_spm' | 'elevation_gain_m') => row?.[k] ?? null;
      const summaryId = row?.summary_id ?? stored!.activitySummaryId;
      // What the watch's own FIT file recorded beyond the API, for an activity imported from one.
      const file = details.fit.recorded(summaryId);
      const recorded = file && { ...file, channels: watchRecorded.shape.channels.parse(Object.fromEntries(Object.entries(file.channels).map(([key, values]) => [key, channelFigures(values)]))) };
      const base = {
        ...(recorded ? { recorded } : {}),
        summary_id: summaryId,
        activity_id: row?.activity_id ?? stored?.activityId ?? null,
        type: row?.activity_type ?? stored?.activityType ?? null,
        name: row?.name ?? null,
        start_time: row ? new Date(row.start_time * 1000).toISOString() : stored?.details.startTime != null ? new Date(stored.details.startTime * 1000).toISOString() : null,
        local_date: row?.local_date ?? stored?.localDate ?? null,
        unit,
        hr_profile: p ? { max_hr: p.max_hr, resting_hr: p.resting_hr, model: p.model, source: sourceOf(p) } : null,
      };
      const avgHr = num('avg_hr') ?? stored?.details.avgHr ?? null;
      const durationS = num('duration_s') ?? stored?.details.durationS ?? null;
      if (!stored || stored.sampleCount === 0) {
        const distance = num('distance_m') ?? stored?.details.distanceM ?? null;
        return {
          ...base,
          has_details: false,
          summary: {
            elapsed_s: roundOrNull(durationS, 1),
            moving_s: roundOrNull(durationS, 1),
            distance_m: roundOrNull(distance, 1),
            avg_pace_s: distance && durationS && distance > 0 ? roundOrNull((durationS / distance) * unitM, 1) : null,
            avg_hr: roundOrNull(avgHr, 1),
            max_hr: num('max_hr'),
            avg_cadence_spm: num('avg_cadence_spm'),
            elevation_gain_m: roundOrNull(num('elevation_gain_m'), 1),
            has_hr: avgHr !== null,
            has_gps: false,
            samples: 0,
          },
          splits: [],
          laps: [],
          zones: null,
          drift: { pace_drift_pct: null, hr_drift_pct: null, decoupling_pct: null },
          best_efforts: [],
          load: activityLoad({ avgHr, durationS }, trimpInput(p)),
          cleaning: null,
          series: [],
        };
      }
      const series = cleanSamples(stored.details.samples);
      const whole = totalsOfAll(series);
      const distance = series.distanceM;
      return {
        ...base,
        has_details: true,
        summary: {
          elapsed_s: roundOrNull(series.elapsedS, 1),
          moving_s: roundOrNull(series.movingS, 1),
          distance_m: roundOrNull(distance, 1),
          avg_pace_s: distance !== null && distance > 0 && series.movingS > 0 ? roundOrNull((series.movingS / distance) * unitM, 1) : null,
          avg_hr: roundOrNull(whole.avgHr ?? avgHr, 1),
          max_hr: whole.maxHr ?? num('max_hr'),
          avg_cadence_spm: num('avg_cadence_spm'),
          elevation_gain_m: roundOrNull(whole.elevationGainM ?? num('elevation_gain_m'), 1),
          has_hr: series.hasHr,
          has_gps: series.hasGps,
          samples: series.samples.length,
        },
        splits: splits(series, unit),
        laps: laps(series, stored.details.lapStarts),
        zones: p && series.hasHr ? timeInZones(series, p.zones) : null,
        drift: drift(series),
        best_efforts: bestEfforts(series),
        load: activityLoad({ series: series.samples.length > 1 ? series : null, avgHr, durationS }, trimpInput(p)),
        cleaning: series.report,
        series: downsample(series, maxPoints, unitM),
      };
    },

    trainingLoad(range): TrainingLoadAnswer {
      const { from, to } = checkRange(range, MAX_LOAD_DAYS);
      ensureAnalysis();
      const { profile: p } = profile();
      const historyStart = reads.firstActivityDate();
      // Chronic load needs the 28 days before the first week shown.
      const loadFrom = addDays(isoWeekStart(from), -35);
      const { loads, methods } = activityLoads(from, to, loadFrom, p);
      const weeks = (dayNumber(isoWeekStart(to)) - dayNumber(isoWeekStart(from))) / 7 + 1;
      return {
        from,
        to,
        history_start: historyStart,
        hr_source: p ? sourceOf(p) : null,
        days: loadSeries(loads, from, to, historyStart ?? undefined),
        weeks: weeklyLoad(loads, weeks, to, historyStart ?? undefined),
        // A copy: the remembered counts are not the caller's to change.
        methods: { ...methods },
      };
    },

    personalRecords(): PersonalRecordsAnswer {
      ensureAnalysis();
      return { records: details.analysis.records(), runs_with_details: details.analysis.runsWithDetails() };
    },

    trends(range): TrendsAnswer {
      const { from, to } = checkRange(range, MAX_TREND_DAYS);
      // The HRV baseline looks 60 days back, the other trends 28.
      const since = addDays(from, -60);
      const hrvRows = reads.hrvNights(since, to);
      const restRows = reads.restingHrDays(since, to);
      const sleepRows = reads.sleepNights(since, to).map((s) => ({ date: s.calendar_date, value: sleepSeconds(s) }));
      const wellness = details.wellness.wellnessBetween(from, to);
      const measured = health.measurementDays(from, to);
      const moving = health.epochDays(from, to);
      const scores = reads.sleepScores(from, to);
      const first = (rows: readonly DatedValue[]) => {
        const m = new Map<string, number | null>();
        for (const r of rows) if (!m.has(r.date)) m.set(r.date, r.value);
        return m;
      };
      const hrvBy = first(hrvRows);
      const restBy = first(restRows);
      const sleepBy = first(sleepRows);
      const dates: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
      const days: WellnessDay[] = dates.map((date) => {
        const w = wellness.get(date);
        const m = measured.get(date);
        const e = moving.get(date);
        return {
          date,
          resting_hr: roundOrNull(restBy.get(date) ?? null, 1),
          hrv_ms: roundOrNull(hrvBy.get(date) ?? null, 1),
          sleep_s: roundOrNull(sleepBy.get(date) ?? null, 0),
          sleep_score: scores.get(date) ?? null,
          avg_stress: w?.avgStress ?? null,
          spo2_avg: w?.spo2 ?? null,
          respiration_avg: w?.respiration ?? null,
          weight_kg: w?.weightKg ?? null,
          intensity_min: e ? e.activeMin + e.highlyActiveMin : null,
          vo2max: m?.vo2max ?? null,
          fitness_age: m?.fitnessAge ?? null,
          skin_temp_dev_c: m?.skinTempDeviationC ?? null,
          bp_systolic: m?.systolic ?? null,
          bp_diastolic: m?.diastolic ?? null,
        };
      });
      return {
        from,
        to,
        hrv: dates.map((d) => hrvStatus(hrvRows, d)),
        resting_hr: dates.map((d) => restingHrTrend(restRows, d)),
        sleep: dates.map((d) => sleepTrend(sleepRows, d)),
        days,
      };
    },
  };
  return coaching;
}
