/**
 * The figures derived when an activity's details are stored: the cleaned samples' span and what
 * they carry, the HR histogram and best efforts (activity_analysis), and the personal records a run
 * sets. Computed here, above the store, and handed to it (docs/architecture.md rule 16: a repo keeps
 * figures, it never derives them): wiring.ts builds the training repo with `activityIngest`, whose
 * figures the details repo writes in the transaction that stores the samples; the coaching service
 * recomputes those an older analysis left (`refreshAnalysis`).
 */
import type { ActivityDetails } from '../../../src-common/activity-samples.js';
import type { RecordsByLabel } from '../../../src-common/coaching-contract.js';
import { bestEfforts } from '../analysis/efforts.js';
import { hrHistogram } from '../analysis/histogram.js';
import { recordsOver, updateRecords } from '../analysis/records.js';
import { cleanSamples } from '../analysis/samples.js';
import type { ActivityAnalysisRow, AnalysisRepo } from '../store/analysis-repo.js';
import type { DetailsFigures, DetailsIngest, DetailsRepo } from '../store/details-repo.js';
import { isRunType } from '../store/training-reads.js';

/** Bumped when the derived figures change meaning: older rows are recomputed from the samples. */
export const ANALYSIS_VERSION = 1;

/** One activity's figures from its samples (analysis/samples.ts cleans them once for all). */
export function detailsFigures(details: ActivityDetails, activityType: string | null): DetailsFigures {
  const series = cleanSamples(details.samples);
  return {
    samples: { durationS: series.elapsedS, hasHr: series.hasHr, hasGps: series.hasGps },
    analysis: { isRun: activityType !== null && isRunType(activityType), distanceM: series.distanceM, hr: hrHistogram(series), efforts: bestEfforts(series) },
  };
}

/** Records recomputed over every stored run (analysis/records.ts recordsOver). */
export function rebuildRecords(analysis: AnalysisRepo): RecordsByLabel {
  const records = recordsOver(analysis.runEfforts());
  analysis.replaceRecords(records);
  return records;
}

/** One dated run's efforts into the records (analysis/records.ts updateRecords); the whole history again only when it must. */
function applyToRecords(row: ActivityAnalysisRow, analysis: AnalysisRepo): void {
  if (!row.isRun || row.localDate === null) return;
  const next = updateRecords(analysis.recordsByLabel(), { summary_id: row.activitySummaryId, date: row.localDate, efforts: row.efforts });
  if (next.rebuild) {
    rebuildRecords(analysis);
    return;
  }
  analysis.writeRecords(next.improved.map((label) => next.records[label]!));
}

/** What the store is given to keep with an activity's details. */
export const activityIngest: DetailsIngest = { analysisVersion: ANALYSIS_VERSION, figures: detailsFigures, stored: applyToRecords };

/**
 * Recomputes the derived figures of activities stored by an older analysis (or without any), in one
 * transaction, then the records; answers how many were recomputed. Cheap when everything is current.
 */
export function refreshAnalysis(details: DetailsRepo, now: number): number {
  const stale = details.analysis.staleSummaryIds(ANALYSIS_VERSION);
  if (stale.length === 0) return 0;
  details.inTransaction(() => {
    for (const id of stale) {
      const stored = details.detailsOf(id);
      if (!stored) continue;
      const { analysis } = detailsFigures(stored.details, stored.activityType);
      details.analysis.write({ summaryId: stored.summaryId, activitySummaryId: stored.activitySummaryId, localDate: stored.localDate, ...analysis }, ANALYSIS_VERSION, now);
    }
  });
  rebuildRecords(details.analysis);
  return stale.length;
}
