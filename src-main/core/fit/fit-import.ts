/**
 * One importer for every door (a file, a folder or a zip given to `import`, a drop on the app,
 * Import from watch, Garmin Connect's export, the Activity API's activity files): each file is
 * remembered by the SHA-256 of its bytes (the same file twice changes nothing), decoded with
 * Garmin's FIT SDK (fit-decode.ts), and each activity (each leg of a multisport file) is stored in
 * its own transaction through the same tables and codec as the API's activityDetails, so every
 * figure, route, tool and page works on it. The same run from a file and from the API is one
 * activity (store/fit-repo.ts), and the richer samples win.
 */
import { createHash } from 'node:crypto';
import type { ImportFileResult, ImportSummary } from '../../../src-common/contract.js';
import type { FitSource } from '../../../src-common/coaching-contract.js';
import { dateOfEpochSeconds } from '../../../src-common/dates.js';
import type { Clock, Logger } from '../ports.js';
import type { Database } from '../store/database.js';
import { FILE_SUMMARY_PREFIX, richnessOf } from '../store/fit-repo.js';
import type { TrainingRepo } from '../store/training-repo.js';
import { FitDecoderError, inlineDecoder, type FitDecoder } from './fit-decoder.js';
import { FitReadError, IMPORT_DEFLATE_LEVEL, MAX_FIT_BYTES, type FitSkipReason } from './fit-model.js';
import type { PreparedActivity, PreparedLeg } from './fit-prepare.js';

/** A file to import: its name as shown to the runner, where it came from, its size, and how to read it. */
export interface ImportFile {
  readonly kind: 'file';
  readonly name: string;
  readonly source: FitSource;
  readonly bytes: number;
  read(): Promise<Uint8Array>;
  /** Garmin's activity id when the door knows it (the export's file names). */
  readonly activityId?: string | null;
}

/** Something found that cannot be imported, with its reason (a symlink, an unsafe zip entry, a zip bomb…). */
export interface ImportRefusal {
  readonly kind: 'skip';
  readonly name: string;
  readonly reason: FitSkipReason;
  readonly message: string;
}

export type ImportInput = ImportFile | ImportRefusal;

export interface ImportProgress {
  readonly done: number;
  /** Files known so far (grows while folders and archives are read). */
  readonly total: number | null;
  readonly name: string;
}

export interface FitImporterDeps {
  readonly db: Database;
  readonly training: TrainingRepo;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Where files are decoded and prepared: a running companion's worker thread (fit-decoder.ts
   * createWorkerDecoder, so the app stays responsive); the calling thread when absent.
   */
  readonly decoder?: FitDecoder;
}

const round = (v: number | null, digits = 2) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FitImporter {
  private readonly decoder: FitDecoder;

  constructor(private readonly deps: FitImporterDeps) {
    this.decoder = deps.decoder ?? inlineDecoder();
  }

  /**
   * Imports every input, one file at a time (a file's bytes are dropped before the next is read):
   * each file is decoded and prepared by the decoder (a worker thread in a running companion), and
   * only its rows are written here, yielding to the event loop between legs and files.
   */
  async importAll(inputs: AsyncIterable<ImportInput> | Iterable<ImportInput>, options: { signal?: AbortSignal; onProgress?: (p: ImportProgress) => void; total?: number } = {}): Promise<ImportSummary> {
    const results: ImportFileResult[] = [];
    let done = 0;
    for await (const input of inputs) {
      options.signal?.throwIfAborted();
      results.push(input.kind === 'skip' ? skipped(input.name, input.reason, input.message) : await this.importFile(input));
      done++;
      options.onProgress?.({ done, total: options.total ?? null, name: input.name });
      await yieldToLoop();
    }
    const summary = summarize(results);
    this.deps.logger.log('info', 'import.done', { files: summary.files, imported: summary.imported, already: summary.already, skipped: summary.skipped, activities: summary.activities });
    return summary;
  }

  /** One file: remembered by content, decoded and prepared (off this thread with a worker decoder), each leg stored in its own transaction. */
  async importFile(file: ImportFile): Promise<ImportFileResult> {
    const { fit } = this.deps.training.details;
    if (file.bytes > MAX_FIT_BYTES) return skipped(file.name, 'too_large', `The file is ${file.bytes} bytes; a watch's activity is under ${MAX_FIT_BYTES / 1024 / 1024} MB.`);
    let bytes: Uint8Array;
    try {
      bytes = await file.read();
    } catch (error) {
      if (error instanceof FitReadError) return skipped(file.name, error.reason, error.message);
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : String(error);
      return skipped(file.name, 'unreadable', `The file could not be read (${code}).`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const seen = fit.fileSeen(sha256);
    if (seen) {
      return {
        name: file.name,
        outcome: 'already',
        reason: null,
        message: seen.outcome === 'imported' ? 'Imported before: nothing changed.' : `Seen before and skipped (${seen.reason}).`,
        activities: [],
        warnings: [],
      };
    }
    const size = bytes.length;
    let decoded;
    try {
      decoded = await this.decoder.decode(bytes, IMPORT_DEFLATE_LEVEL);
    } catch (error) {
      // Its worker died or is missing: said, and not remembered, so importing the file again tries once more.
      if (error instanceof FitDecoderError) return skipped(file.name, error.reason, error.message);
      throw error;
    }
    const now = this.deps.clock.now();
    if (!decoded.ok) {
      fit.rememberFile(sha256, file.name, size, 'skipped', decoded.reason, [], now);
      return skipped(file.name, decoded.reason, decoded.message);
    }
    const warnings = [...decoded.warnings];
    const offsetS = decoded.offsetS ?? this.computerOffset(decoded.legs[0]?.startTime ?? 0);
    if (decoded.offsetS === null) warnings.push('The file does not say its local time: dated by this computer’s time zone.');
    const activities: ImportFileResult['activities'][number][] = [];
    // The door's Garmin activity id names the whole upload: a multisport file's legs are each their
    // own activity, matched by sport and start, so the id is one leg's only when there is one leg.
    const activityId = decoded.legs.length === 1 ? (file.activityId ?? null) : null;
    for (const leg of decoded.legs) {
      activities.push(this.storeLeg(leg, decoded, { sha256, source: file.source, activityId, offsetS, warnings }, now));
      await yieldToLoop();
    }
    fit.rememberFile(sha256, file.name, size, 'imported', null, activities.map((a) => a.summary_id), now);
    return { name: file.name, outcome: 'imported', reason: null, message: null, activities, warnings };
  }

  private computerOffset(startS: number): number {
    return -new Date(startS * 1000).getTimezoneOffset() * 60;
  }

  /** One leg in one transaction: the activity (new, or the one it already is), its samples when richer, the file's record of it. */
  private storeLeg(
    leg: PreparedLeg,
    decoded: PreparedActivity,
    file: { sha256: string; source: FitSource; activityId: string | null; offsetS: number; warnings: readonly string[] },
    now: number,
  ): ImportFileResult['activities'][number] {
    const { db, training } = this.deps;
    const { fit } = training.details;
    const nowS = Math.floor(now / 1000);
    const richness = leg.samples.richness;
    const startTime = Math.round(leg.startTime);
    return db.transaction(() => {
      const twin = fit.findTwin(leg.activityType, startTime, file.activityId);
      const summaryId = twin?.summaryId ?? `${FILE_SUMMARY_PREFIX}${file.sha256.slice(0, 20)}-${leg.index}`;
      const existingFit = twin ? fit.fitOf(twin.summaryId) : null;
      const existingDetails = twin ? training.details.find(twin.summaryId) : null;
      const existingRichness = existingFit?.samplesUsed ? existingFit.richness : existingDetails ? richnessOf(existingDetails.details.samples) : 0;
      const useFile = richness > existingRichness;
      // This leg of this very file is stored already (an import cut off before the file was remembered): nothing changes.
      if (existingFit && existingFit.fileSha256 === file.sha256) return this.view(summaryId, leg, file.offsetS, 'merged');
      // A richer record of this activity from another file is kept whole.
      if (existingFit && existingFit.richness >= richness) {
        return this.view(summaryId, leg, file.offsetS, 'merged');
      }
      if (!twin || (twin.fromFile && useFile)) {
        training.upsertRecords('activities', [this.summaryRecord(summaryId, leg, decoded, file, startTime)], nowS);
      }
      const detailsId = existingFit?.detailsId ?? existingDetails?.summaryId ?? `${summaryId}-detail`;
      if (useFile) {
        fit.releaseSamples(summaryId);
        training.details.storePreparedDetails(
          {
            summaryId: detailsId,
            startTime: leg.startTime,
            activityType: leg.activityType,
            durationS: leg.totals.timer_s ?? leg.totals.elapsed_s,
            distanceM: leg.totals.distance_m,
            avgHr: leg.totals.avg_hr,
            lapStarts: leg.laps.map((lap) => lap.start_s),
          },
          leg.samples,
          { activityId: file.activityId, activitySummaryId: summaryId, offsetS: file.offsetS, dated: true, raw: { summaryId: detailsId, summary: { summaryId, startTimeInSeconds: startTime, startTimeOffsetInSeconds: file.offsetS, activityType: leg.activityType, deviceName: decoded.device }, importedFrom: file.source } },
          nowS,
        );
      }
      fit.storeFit(
        {
          activitySummaryId: summaryId,
          detailsId,
          fileSha256: file.sha256,
          source: file.source,
          leg: leg.index,
          legs: decoded.legs.length,
          sport: leg.sport,
          subSport: leg.subSport,
          device: decoded.device,
          startTime: leg.startTime,
          localOffset: decoded.offsetS,
          totals: leg.totals,
          laps: leg.laps,
          extras: leg.extras,
          developer: leg.developer,
          richness,
          samplesUsed: useFile,
          truncated: decoded.truncated,
          warnings: file.warnings,
        },
        now,
      );
      return this.view(summaryId, leg, file.offsetS, twin ? (useFile ? 'samples_replaced' : 'merged') : 'new');
    })();
  }

  private view(summaryId: string, leg: PreparedLeg, offsetS: number, result: 'new' | 'merged' | 'samples_replaced'): ImportFileResult['activities'][number] {
    return {
      summary_id: summaryId,
      type: leg.activityType,
      start_time: new Date(Math.round(leg.startTime) * 1000).toISOString(),
      local_date: dateOfEpochSeconds(Math.round(leg.startTime) + offsetS),
      result,
    };
  }

  /** The leg as Garmin's activity summary (readActivity in core/garmin/records.ts), so it is stored exactly as a synced one. */
  private summaryRecord(summaryId: string, leg: PreparedLeg, decoded: PreparedActivity, file: { activityId: string | null; offsetS: number; source: FitSource }, startTime: number): Record<string, unknown> {
    const t = leg.totals;
    const isRun = leg.activityType.includes('RUN');
    // A watch that wrote no average speed: the session's distance over its timer time.
    const speed = t.avg_speed_mps ?? (t.distance_m !== null && t.timer_s ? t.distance_m / t.timer_s : null);
    return {
      summaryId,
      activityId: file.activityId,
      startTimeInSeconds: startTime,
      startTimeOffsetInSeconds: file.offsetS,
      activityType: leg.activityType,
      durationInSeconds: t.timer_s ?? t.elapsed_s,
      distanceInMeters: t.distance_m,
      averageSpeedInMetersPerSecond: speed === null ? null : round(speed, 3),
      averagePaceInMinutesPerKilometer: isRun && speed ? round(1000 / speed / 60) : null,
      averageHeartRateInBeatsPerMinute: t.avg_hr,
      maxHeartRateInBeatsPerMinute: t.max_hr,
      averageRunCadenceInStepsPerMinute: isRun ? t.avg_cadence_spm : null,
      totalElevationGainInMeters: t.ascent_m,
      activeKilocalories: t.kcal,
      deviceName: decoded.device,
      manual: false,
      importedFrom: file.source,
    };
  }
}

function skipped(name: string, reason: FitSkipReason, message: string): ImportFileResult {
  return { name, outcome: 'skipped', reason, message, activities: [], warnings: [] };
}

export function summarize(results: readonly ImportFileResult[]): ImportSummary {
  const reasons: Record<string, number> = {};
  for (const r of results) if (r.reason) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  return {
    files: results.length,
    imported: results.filter((r) => r.outcome === 'imported').length,
    already: results.filter((r) => r.outcome === 'already').length,
    skipped: results.filter((r) => r.outcome === 'skipped').length,
    activities: results.reduce((n, r) => n + r.activities.length, 0),
    reasons,
    results,
  };
}
