/**
 * Every summary type the simulator serves: garmin-data.ts's five, activityDetails (agreeing with
 * the activity summaries, uploaded with them), the four wellness types of activity-details.ts and
 * the four health types of health-data.ts. Each is named by its local stream, which is also its
 * REST path; the webhook body key is Garmin's documented one (src-common/garmin-notifications.ts).
 */
import { activityDetailsForDay, WELLNESS_STREAMS, wellnessRecordsForDay, type WellnessStream } from './activity-details.js';
import { DATA_STREAMS, recordsForDay, type DataRecord, type DataStream } from './garmin-data.js';
import { HEALTH_STREAMS, healthRecordsForDay, type HealthStream } from './health-data.js';

export const SIM_STREAMS = [...DATA_STREAMS, 'activityDetails', ...WELLNESS_STREAMS, ...HEALTH_STREAMS] as const;
export type SimStream = DataStream | 'activityDetails' | WellnessStream | HealthStream;

const DAY = 86_400;

export function isSimStream(value: string): value is SimStream {
  return (SIM_STREAMS as readonly string[]).includes(value);
}

/** Every record of any served type for local day `day`. */
export function simRecordsForDay(stream: SimStream, day: number, userSeed = 42): DataRecord[] {
  if (stream === 'activityDetails') return activityDetailsForDay(day, userSeed);
  if ((WELLNESS_STREAMS as readonly string[]).includes(stream)) return wellnessRecordsForDay(stream as WellnessStream, day, userSeed);
  if ((HEALTH_STREAMS as readonly string[]).includes(stream)) return healthRecordsForDay(stream as HealthStream, day, userSeed);
  return recordsForDay(stream as DataStream, day, userSeed);
}

/** The records of a type uploaded in [start, end), never after `now`. */
export function simRecordsUploadedBetween(stream: SimStream, start: number, end: number, now: number, userSeed?: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const last = Math.min(end, now);
  for (let day = Math.floor(start / DAY) - 3; day <= Math.floor(last / DAY) + 1; day++) {
    for (const record of simRecordsForDay(stream, day, userSeed)) {
      if (record.uploadTime >= start && record.uploadTime < end && record.uploadTime <= now) out.push(record.body);
    }
  }
  return out;
}
