/**
 * Deterministic Garmin Health API data of the types garmin-data.ts and activity-details.ts do not
 * make, in the shapes Garmin's Health API 1.2.2 documents: epochs (every 15 minutes of the day,
 * busier around the day's runs), a health snapshot on Mondays, a blood pressure reading on
 * Saturdays and the night's skin temperature every morning. Pull answers carry no userId (as
 * Garmin's examples); the simulator adds it to pushes.
 */
import { recordsForDay, RUNNER_OFFSET_S, type DataRecord } from './garmin-data.js';

export const HEALTH_STREAMS = ['epochs', 'healthSnapshot', 'bloodPressures', 'skinTemp'] as const;
export type HealthStream = (typeof HEALTH_STREAMS)[number];

const DAY = 86_400;
const EPOCH_S = 900;

/** mulberry32, as the other generators, seeded apart so their outputs are untouched. */
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

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Every record of a health type for local day `day` (days since the epoch, runner's time). */
export function healthRecordsForDay(stream: HealthStream, day: number, userSeed = 42): DataRecord[] {
  const random = rng(day * 7919 + userSeed * 104729 + (HEALTH_STREAMS.indexOf(stream) + 31) * 15485863);
  const localMidnightUtc = day * DAY - RUNNER_OFFSET_S;
  const calendarDate = new Date(day * DAY * 1000).toISOString().slice(0, 10);
  const weekday = new Date(day * DAY * 1000).getUTCDay();
  switch (stream) {
    case 'epochs': {
      // The day's runs, so the epochs they fall in are highly active.
      const runs = recordsForDay('activities', day, userSeed).map((r) => [Number(r.body.startTimeInSeconds), Number(r.body.startTimeInSeconds) + Number(r.body.durationInSeconds)] as const);
      const out: DataRecord[] = [];
      for (let slot = 0; slot < DAY / EPOCH_S; slot++) {
        const start = localMidnightUtc + slot * EPOCH_S;
        const hour = slot / 4;
        const running = runs.some(([from, to]) => from < start + EPOCH_S && to > start);
        const awake = hour >= 7 && hour < 23;
        const active = !running && awake && random() < 0.3;
        const activeS = running ? EPOCH_S : active ? Math.round(120 + random() * 600) : awake ? Math.round(random() * 120) : 0;
        const steps = running ? Math.round(2_300 + random() * 500) : active ? Math.round(300 + random() * 900) : awake ? Math.round(random() * 150) : 0;
        out.push({
          // Epochs upload with the day's sync, the next morning.
          uploadTime: localMidnightUtc + DAY + 1800,
          body: {
            summaryId: `epoch-${day}-${slot}`,
            activityType: running ? 'RUNNING' : active ? 'WALKING' : 'SEDENTARY',
            activeKilocalories: Math.round(running ? 150 + random() * 60 : steps / 25),
            steps,
            distanceInMeters: round(steps * (running ? 1.1 : 0.75), 2),
            durationInSeconds: EPOCH_S,
            activeTimeInSeconds: activeS,
            startTimeInSeconds: start,
            startTimeOffsetInSeconds: RUNNER_OFFSET_S,
            met: round(running ? 9 + random() * 3 : active ? 2.5 + random() : 1, 6),
            intensity: running ? 'HIGHLY_ACTIVE' : active ? 'ACTIVE' : 'SEDENTARY',
            meanMotionIntensity: running ? 6 : active ? 3 : 0,
            maxMotionIntensity: running ? 7 : active ? 5 : 1,
          },
        });
      }
      return out;
    }
    case 'healthSnapshot': {
      if (weekday !== 1) return [];
      const start = localMidnightUtc + 8 * 3600 + Math.floor(random() * 1800);
      const figure = (summaryType: string, base: number, spread: number, digits = 1) => {
        const values: Record<string, number> = {};
        for (let s = 0; s <= 120; s += 1) values[String(s)] = round(base + (random() - 0.5) * spread, digits);
        const all = Object.values(values);
        return { summaryType, minValue: Math.min(...all), maxValue: Math.max(...all), avgValue: round(all.reduce((a, b) => a + b, 0) / all.length, 2), epochSummaries: values };
      };
      return [
        {
          uploadTime: start + 300,
          body: {
            summaryId: `snapshot-${day}`,
            calendarDate,
            startTimeInSeconds: start,
            durationInSeconds: 120,
            offsetStartTimeInSeconds: RUNNER_OFFSET_S,
            summaries: [
              figure('heart_rate', 52 + random() * 8, 6, 0),
              figure('respiration', 13 + random() * 2, 2, 2),
              figure('stress', 20 + random() * 20, 10, 0),
              figure('spo2', 96 + random() * 2, 2, 0),
              { summaryType: 'rmssd_hrv', avgValue: round(45 + random() * 30, 0) },
              { summaryType: 'sdrr_hrv', avgValue: round(55 + random() * 30, 0) },
            ],
          },
        },
      ];
    }
    case 'bloodPressures': {
      if (weekday !== 6) return [];
      const measured = localMidnightUtc + 7.5 * 3600 + Math.floor(random() * 900);
      return [
        {
          uploadTime: measured + 600,
          body: {
            summaryId: `bp-${day}`,
            systolic: Math.round(112 + random() * 14),
            diastolic: Math.round(70 + random() * 10),
            pulse: Math.round(50 + random() * 10),
            sourceType: 'MANUAL',
            measurementTimeInSeconds: measured,
            measurementTimeOffsetInSeconds: RUNNER_OFFSET_S,
          },
        },
      ];
    }
    case 'skinTemp': {
      // Measured over the night that ends this morning.
      const start = localMidnightUtc - 1800 + Math.floor(random() * 3600);
      const duration = Math.round(6 * 3600 + random() * 2 * 3600);
      return [
        {
          uploadTime: start + duration + 3600,
          body: { summaryId: `skin-${day}`, calendarDate, avgDeviationCelsius: round((random() - 0.5) * 1.6, 1), durationInSeconds: duration, startTimeInSeconds: start, startTimeOffsetInSeconds: RUNNER_OFFSET_S },
        },
      ];
    }
  }
}
