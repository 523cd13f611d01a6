/**
 * Deterministic, realistic Garmin Health/Activity API data for the simulator: for any day it
 * yields the same runs (varied types and lengths, a long run on Sundays), dailies, sleeps, HRV and
 * user metrics, each with the upload time Garmin's pull windows filter on.
 */
export const DATA_STREAMS = ['activities', 'dailies', 'sleeps', 'hrv', 'userMetrics'] as const;
export type DataStream = (typeof DATA_STREAMS)[number];

export interface DataRecord {
  readonly uploadTime: number;
  readonly body: Record<string, unknown>;
}

const DAY = 86_400;
/** The simulated runner lives at UTC+1 (CET). */
export const RUNNER_OFFSET_S = 3_600;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isoDate = (epochS: number) => new Date(epochS * 1000).toISOString().slice(0, 10);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Every record of a stream belonging to local day `day` (days since the epoch, runner's time). */
export function recordsForDay(stream: DataStream, day: number, userSeed = 42): DataRecord[] {
  const random = rng(day * 7919 + userSeed * 104729 + DATA_STREAMS.indexOf(stream) * 15485863);
  const localMidnightUtc = day * DAY - RUNNER_OFFSET_S;
  const calendarDate = isoDate(day * DAY);
  const weekday = new Date(day * DAY * 1000).getUTCDay(); // 0 = Sunday
  switch (stream) {
    case 'activities': {
      const records: DataRecord[] = [];
      const sessions = weekday === 1 && random() < 0.7 ? 0 : random() < 0.08 ? 2 : random() < 0.78 ? 1 : 0;
      for (let i = 0; i < sessions; i++) {
        const roll = random();
        const type = weekday === 0 ? 'RUNNING' : roll < 0.55 ? 'RUNNING' : roll < 0.7 ? 'TRAIL_RUNNING' : roll < 0.8 ? 'TREADMILL_RUNNING' : roll < 0.87 ? 'TRACK_RUNNING' : 'CYCLING';
        const distance = type === 'CYCLING' ? 20_000 + random() * 40_000 : weekday === 0 && i === 0 ? 18_000 + random() * 14_000 : 5_000 + random() * 10_000;
        const paceSecPerKm = type === 'CYCLING' ? 120 + random() * 30 : 270 + random() * 90 + (type === 'TRAIL_RUNNING' ? 45 : 0);
        const duration = Math.round((distance / 1000) * paceSecPerKm);
        const start = localMidnightUtc + (i === 0 ? 6.5 * 3600 : 18 * 3600) + Math.floor(random() * 3600);
        const summaryId = `act-${day}-${i}`;
        records.push({
          uploadTime: start + duration + 600 + Math.floor(random() * 3 * 3600),
          body: {
            summaryId,
            activityId: 900_000_000 + day * 10 + i,
            activityType: type,
            activityName: type === 'CYCLING' ? 'Ride' : weekday === 0 && i === 0 ? 'Long run' : 'Run',
            startTimeInSeconds: start,
            startTimeOffsetInSeconds: RUNNER_OFFSET_S,
            durationInSeconds: duration,
            distanceInMeters: round(distance, 1),
            averageSpeedInMetersPerSecond: round(distance / duration, 3),
            averagePaceInMinutesPerKilometer: round(paceSecPerKm / 60, 2),
            averageHeartRateInBeatsPerMinute: Math.round(135 + random() * 30),
            maxHeartRateInBeatsPerMinute: Math.round(170 + random() * 20),
            ...(type === 'CYCLING' ? {} : { averageRunCadenceInStepsPerMinute: round(164 + random() * 18, 1) }),
            totalElevationGainInMeters: round(random() * (type === 'TRAIL_RUNNING' ? 600 : 120), 1),
            activeKilocalories: Math.round(distance / 15),
            deviceName: 'forerunner965',
            manual: false,
          },
        });
      }
      return records;
    }
    case 'dailies': {
      const start = localMidnightUtc;
      return [
        {
          uploadTime: start + DAY + 1800,
          body: {
            summaryId: `daily-${day}`,
            calendarDate,
            startTimeInSeconds: start,
            startTimeOffsetInSeconds: RUNNER_OFFSET_S,
            durationInSeconds: DAY,
            steps: Math.round(6_000 + random() * 14_000),
            distanceInMeters: Math.round(4_000 + random() * 14_000),
            activeKilocalories: Math.round(300 + random() * 900),
            restingHeartRateInBeatsPerMinute: Math.round(44 + random() * 10),
            averageHeartRateInBeatsPerMinute: Math.round(60 + random() * 12),
            maxHeartRateInBeatsPerMinute: Math.round(140 + random() * 45),
            averageStressLevel: Math.round(18 + random() * 30),
            bodyBatteryChargedValue: Math.round(30 + random() * 60),
            bodyBatteryDrainedValue: Math.round(30 + random() * 60),
          },
        },
      ];
    }
    case 'sleeps': {
      // A sleep's calendarDate is the day the runner woke up.
      const start = localMidnightUtc - 2 * 3600 + Math.floor(random() * 5400);
      const deep = Math.round(3_600 + random() * 3_600);
      const rem = Math.round(4_500 + random() * 3_600);
      const light = Math.round(10_000 + random() * 7_000);
      const awake = Math.round(300 + random() * 1_800);
      return [
        {
          uploadTime: start + deep + rem + light + awake + 3_600,
          body: {
            summaryId: `sleep-${day}`,
            calendarDate,
            startTimeInSeconds: start,
            startTimeOffsetInSeconds: RUNNER_OFFSET_S,
            durationInSeconds: deep + rem + light + awake,
            deepSleepDurationInSeconds: deep,
            lightSleepDurationInSeconds: light,
            remSleepInSeconds: rem,
            awakeDurationInSeconds: awake,
            overallSleepScore: { value: Math.round(60 + random() * 35), qualifierKey: 'GOOD' },
          },
        },
      ];
    }
    case 'hrv': {
      const start = localMidnightUtc;
      return [
        {
          uploadTime: start + 9 * 3600,
          body: {
            summaryId: `hrv-${day}`,
            calendarDate,
            startTimeInSeconds: start,
            durationInSeconds: 8 * 3600,
            startTimeOffsetInSeconds: RUNNER_OFFSET_S,
            lastNightAvg: Math.round(45 + random() * 35),
            lastNight5MinHigh: Math.round(70 + random() * 40),
          },
        },
      ];
    }
    case 'userMetrics': {
      if (weekday !== 3) return [];
      return [
        {
          uploadTime: localMidnightUtc + 10 * 3600,
          body: { summaryId: `metrics-${day}`, calendarDate, vo2Max: round(52 + random() * 4, 1), fitnessAge: Math.round(30 + random() * 5) },
        },
      ];
    }
  }
}

/** The records of a stream uploaded in [start, end), never after `now`. */
export function recordsUploadedBetween(stream: DataStream, start: number, end: number, now: number, userSeed?: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const last = Math.min(end, now);
  for (let day = Math.floor(start / DAY) - 3; day <= Math.floor(last / DAY) + 1; day++) {
    for (const record of recordsForDay(stream, day, userSeed)) {
      if (record.uploadTime >= start && record.uploadTime < end && record.uploadTime <= now) out.push(record.body);
    }
  }
  return out;
}
