/**
 * Garmin's activityDetails record (Activity API) read as Garmin prints it: the activity's summary,
 * its samples and lap starts, into the shape every layer carries (src-common/activity-samples.ts ActivityDetails).
 * Wire parsing lives here, beside the other records (records.ts); the store and the analysis get
 * parsed values.
 */
import { z } from 'zod';
import type { ActivityDetails, RawSample } from '../../../src-common/activity-samples.js';

/** A number where Garmin sent one; anything else (missing, drifted type) becomes null. */
const num = z.number().nullable().optional().catch(null).transform((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));

/**
 * A field of one sample: a finite number, else null. Samples are read with this guard rather than a
 * zod schema each: a long run has thousands, and a per-sample schema tripled the details query.
 */
function sampleNumber(sample: Record<string, unknown>, key: string): number | null {
  const v = sample[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Garmin's activityDetails record (Activity API): the activity's summary, its samples and lap starts. */
export const activityDetailsSchema = z.looseObject({
  summaryId: z.string().min(1),
  activityId: z.union([z.string(), z.number()]).optional().catch(undefined),
  summary: z
    .looseObject({
      startTimeInSeconds: num,
      startTimeOffsetInSeconds: num,
      activityType: z.string().optional().catch(undefined),
      durationInSeconds: num,
      distanceInMeters: num,
      averageHeartRateInBeatsPerMinute: num,
      maxHeartRateInBeatsPerMinute: num,
    })
    .optional()
    .catch(undefined),
  // A malformed sample or lap is skipped, not the whole record (schema drift must not cost a run).
  samples: z.array(z.unknown()).optional().catch(undefined),
  laps: z.array(z.unknown()).optional().catch(undefined),
});

/**
 * Parses Garmin's activityDetails record (rule 4 of docs/architecture.md: parse, never cast), or
 * null when it has no summaryId. Sample times become seconds since the activity's start (the
 * summary's start, else the first sample's).
 */
export function parseActivityDetails(record: unknown): ActivityDetails | null {
  const parsed = activityDetailsSchema.safeParse(record);
  if (!parsed.success) return null;
  const { summaryId, summary } = parsed.data;
  const rows = (parsed.data.samples ?? []).filter(isRecord);
  const firstTime = rows.map((r) => sampleNumber(r, 'startTimeInSeconds')).find((t) => t !== null) ?? null;
  const startTime = summary?.startTimeInSeconds ?? firstTime;
  const origin = startTime ?? 0;
  const samples: RawSample[] = rows.map((r) => {
    const time = sampleNumber(r, 'startTimeInSeconds');
    return {
      // No time: NaN here, so cleaning drops the sample by its first rule and counts it.
      t: time === null ? Number.NaN : time - origin,
      distance: sampleNumber(r, 'totalDistanceInMeters'),
      hr: sampleNumber(r, 'heartRate'),
      speed: sampleNumber(r, 'speedMetersPerSecond'),
      cadence: sampleNumber(r, 'stepsPerMinute'),
      elevation: sampleNumber(r, 'elevationInMeters'),
      lat: sampleNumber(r, 'latitudeInDegree'),
      lon: sampleNumber(r, 'longitudeInDegree'),
    };
  });
  const lapStarts = (parsed.data.laps ?? []).flatMap((lap) => {
    const t = isRecord(lap) ? sampleNumber(lap, 'startTimeInSeconds') : null;
    return t === null ? [] : [t - origin];
  });
  return {
    summaryId,
    startTime,
    activityType: summary?.activityType ?? null,
    durationS: summary?.durationInSeconds ?? null,
    distanceM: summary?.distanceInMeters ?? null,
    avgHr: summary?.averageHeartRateInBeatsPerMinute ?? null,
    samples,
    lapStarts,
  };
}
