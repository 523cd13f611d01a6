/**
 * Deterministic Garmin activityDetails for the simulator's activities (garmin-data.ts), and the
 * summary types that generator does not make: stressDetails, bodyComps, pulseOx, respiration.
 *
 * The details agree with their summary: the last sample is at `durationInSeconds` and at
 * `distanceInMeters`; the time-weighted HR equals `averageHeartRateInBeatsPerMinute` within
 * rounding and the highest sample is `maxHeartRateInBeatsPerMinute`; the climb equals
 * `totalElevationGainInMeters` within 1 m; cadence averages `averageRunCadenceInStepsPerMinute`.
 * Runs on Tuesdays and Thursdays (road and track) are intervals: 10 min warm-up, 3 min hard /
 * 2 min easy repeats, 10 min cool-down, one lap per phase; other runs auto-lap every kilometre.
 * Treadmill runs have no GPS; a few other runs have no GPS, and a few have no HR samples at all
 * (an optical sensor that failed: the summary, which the simulator cannot change, still has its
 * averages). Samples every 5 s, without pauses.
 */
import { recordsForDay, RUNNER_OFFSET_S, type DataRecord } from './garmin-data.js';

export const DETAIL_SAMPLE_S = 5;
export const WELLNESS_STREAMS = ['stressDetails', 'bodyComps', 'pulseOx', 'respiration'] as const;
export type WellnessStream = (typeof WELLNESS_STREAMS)[number];

const DAY = 86_400;
/** Where the simulated runner runs: a loop in Amsterdam's Vondelpark area. */
const HOME = { lat: 52.358, lon: 4.868 };
const LOOP_M = 4_000;

/** mulberry32, the same generator garmin-data.ts uses, seeded separately so its outputs are untouched. */
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

/** FNV-1a of a string: a stable seed per summaryId. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const numberField = (body: Record<string, unknown>, key: string): number | null => (typeof body[key] === 'number' ? (body[key] as number) : null);
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** What a run's details are made of, decided once per summary. */
export interface DetailKind {
  readonly intervals: boolean;
  readonly hr: boolean;
  readonly gps: boolean;
}

/** Whether a summary's details are intervals, carry HR samples and carry GPS. */
export function detailKind(summary: Record<string, unknown>): DetailKind {
  const type = String(summary.activityType ?? '');
  const start = numberField(summary, 'startTimeInSeconds') ?? 0;
  const weekday = new Date((start + (numberField(summary, 'startTimeOffsetInSeconds') ?? 0)) * 1000).getUTCDay();
  const random = rng(hash(String(summary.summaryId)) ^ 0x5eed);
  const duration = numberField(summary, 'durationInSeconds') ?? 0;
  return {
    intervals: (type === 'RUNNING' || type === 'TRACK_RUNNING') && (weekday === 2 || weekday === 4) && duration >= 30 * 60,
    hr: random() >= 0.06,
    gps: type !== 'TREADMILL_RUNNING' && random() >= 0.05,
  };
}

/** The phases of an interval session, as [start, end, relative speed] in seconds. */
function phases(duration: number, intervals: boolean): Array<[number, number, number]> {
  if (!intervals) return [[0, duration, 1]];
  const out: Array<[number, number, number]> = [[0, 600, 0.85]];
  let t = 600;
  while (t + 300 <= duration - 600) {
    out.push([t, t + 180, 1.3], [t + 180, t + 300, 0.8]);
    t += 300;
  }
  out.push([t, duration, 0.85]);
  return out;
}

/** Deterministic activityDetails for an activity summary as garmin-data.ts makes it. */
export function activityDetailsFor(summary: Record<string, unknown>): Record<string, unknown> {
  const summaryId = String(summary.summaryId);
  const start = numberField(summary, 'startTimeInSeconds') ?? 0;
  const duration = Math.max(0, Math.round(numberField(summary, 'durationInSeconds') ?? 0));
  const distance = numberField(summary, 'distanceInMeters') ?? 0;
  const avgHr = numberField(summary, 'averageHeartRateInBeatsPerMinute');
  const maxHr = numberField(summary, 'maxHeartRateInBeatsPerMinute');
  const cadence = numberField(summary, 'averageRunCadenceInStepsPerMinute');
  const gain = numberField(summary, 'totalElevationGainInMeters') ?? 0;
  const kind = detailKind(summary);
  const random = rng(hash(summaryId));
  const plan = phases(duration, kind.intervals);
  const relativeSpeed = (t: number) => {
    const phase = plan.find(([a, b]) => t >= a && t < b) ?? plan[plan.length - 1]!;
    // Small wobble so a steady run is not a ruler; warm-up in the first 5 minutes.
    return phase[2] * (1 + 0.03 * Math.sin((2 * Math.PI * t) / 420)) * (t < 300 && !kind.intervals ? 0.92 : 1);
  };

  // Sample times: every 5 s, and the last at the duration exactly.
  const times: number[] = [];
  for (let t = 0; t < duration; t += DETAIL_SAMPLE_S) times.push(t);
  times.push(duration);
  const n = times.length;
  const weights = times.map((t, k) => (k + 1 < n ? times[k + 1]! - t : 0));

  // Distance: each interval holds its first sample's speed (as the analysis reads it).
  const rel = times.map(relativeSpeed);
  const area = rel.reduce((sum, r, k) => sum + r * weights[k]!, 0);
  const scale = area > 0 ? distance / area : 0;
  const cumulative: number[] = [];
  let d = 0;
  for (let k = 0; k < n; k++) {
    cumulative.push(k === n - 1 ? distance : round(d, 2));
    d += rel[k]! * scale * weights[k]!;
  }

  // Heart rate: rises over the warm-up, follows the phases with a lag, drifts up; then shifted so
  // the time-weighted mean is the summary's average, and the peak set to the summary's max.
  let heart: number[] | null = null;
  if (kind.hr && avgHr !== null && duration > 0) {
    const raw = times.map((t) => {
      const warm = 1 - Math.exp(-t / 240);
      const lagged = relativeSpeed(Math.max(0, t - 30));
      return 100 + 40 * warm + 35 * (lagged - 1) + (8 * t) / Math.max(duration, 1) + 2 * Math.sin((2 * Math.PI * t) / 97);
    });
    const total = duration;
    const shift = avgHr - raw.reduce((sum, h, k) => sum + h * weights[k]!, 0) / total;
    const top = maxHr ?? avgHr + 25;
    heart = raw.map((h) => Math.min(top, Math.max(60, Math.round(h + shift))));
    const peak = heart.reduce((best, h, k) => (weights[k]! > 0 && h > heart![best]! ? k : best), 0);
    heart[peak] = top;
    // Nudge other samples one beat at a time until the mean is the summary's within half a sample.
    const target = avgHr * total;
    let sum = heart.reduce((s, h, k) => s + h * weights[k]!, 0);
    for (let guard = 0, k = 0; Math.abs(sum - target) > DETAIL_SAMPLE_S / 2 && guard < 100_000; guard++, k = (k + 1) % n) {
      if (k === peak || weights[k] !== DETAIL_SAMPLE_S) continue;
      const step = sum > target ? -1 : 1;
      const next = heart[k]! + step;
      if (next < 60 || next >= top) continue;
      heart[k] = next;
      sum += step * DETAIL_SAMPLE_S;
    }
  }

  // Cadence: follows speed, shifted to the summary's mean.
  let steps: number[] | null = null;
  if (cadence !== null) {
    const raw = rel.map((r) => cadence + 12 * (r - 1));
    const shift = cadence - raw.reduce((s, c, k) => s + c * weights[k]!, 0) / Math.max(duration, 1);
    steps = raw.map((c) => round(c + shift, 1));
  }

  // Elevation: two hills per loop, scaled so the climb is the summary's.
  const phase0 = random() * Math.PI * 2;
  const shape = cumulative.map((x) => 6 * Math.sin((2 * Math.PI * x) / 1_700 + phase0) + 3 * Math.sin((2 * Math.PI * x) / 4_300));
  let shapeGain = 0;
  for (let k = 1; k < n; k++) shapeGain += Math.max(0, shape[k]! - shape[k - 1]!);
  const base = summary.activityType === 'TRAIL_RUNNING' ? 320 : 4;
  const elevation = shape.map((e) => round(base + (shapeGain > 0 ? (e * gain) / shapeGain : 0), 2));

  const samples = times.map((t, k) => ({
    startTimeInSeconds: start + t,
    totalDistanceInMeters: cumulative[k],
    speedMetersPerSecond: round(rel[k]! * scale, 3),
    ...(heart ? { heartRate: heart[k] } : {}),
    ...(steps ? { stepsPerMinute: steps[k] } : {}),
    elevationInMeters: elevation[k],
    ...(kind.gps
      ? {
          latitudeInDegree: round(HOME.lat + (LOOP_M / (2 * Math.PI) / 111_320) * Math.sin((2 * Math.PI * cumulative[k]!) / LOOP_M), 6),
          longitudeInDegree: round(HOME.lon + (LOOP_M / (2 * Math.PI) / (111_320 * Math.cos((HOME.lat * Math.PI) / 180))) * (1 - Math.cos((2 * Math.PI * cumulative[k]!) / LOOP_M)), 6),
        }
      : {}),
    timerDurationInSeconds: t,
    clockDurationInSeconds: t,
    movingDurationInSeconds: t,
  }));

  // Laps: one per phase for intervals; otherwise every full kilometre (the sample that crosses it).
  const lapOffsets = kind.intervals ? plan.map(([a]) => a) : [0, ...Array.from({ length: Math.floor(distance / 1000) }, (_, km) => times[cumulative.findIndex((x) => x >= (km + 1) * 1000)]!).filter((t) => t < duration)];
  return {
    summaryId: `${summaryId}-detail`,
    activityId: summary.activityId,
    summary: { ...summary },
    samples,
    laps: [...new Set(lapOffsets)].map((t) => ({ startTimeInSeconds: start + t })),
  };
}

/** The activityDetails of local day `day`'s activities, uploaded with their summaries. */
export function activityDetailsForDay(day: number, userSeed = 42): DataRecord[] {
  return recordsForDay('activities', day, userSeed).map((r) => ({ uploadTime: r.uploadTime, body: activityDetailsFor(r.body) }));
}

/** Every record of a wellness summary type for local day `day` (days since the epoch, runner's time). */
export function wellnessRecordsForDay(stream: WellnessStream, day: number, userSeed = 42): DataRecord[] {
  const random = rng(day * 7919 + userSeed * 104729 + (WELLNESS_STREAMS.indexOf(stream) + 11) * 15485863);
  const localMidnightUtc = day * DAY - RUNNER_OFFSET_S;
  const calendarDate = new Date(day * DAY * 1000).toISOString().slice(0, 10);
  switch (stream) {
    case 'stressDetails': {
      // 3-minute values for the day; −1 off wrist at night now and then, −2 while running.
      const values: Record<string, number> = {};
      const battery: Record<string, number> = {};
      let level = 40 + Math.round(random() * 40);
      for (let offset = 0; offset < DAY; offset += 180) {
        const hour = offset / 3600;
        const roll = random();
        values[String(offset)] = roll < 0.03 ? -1 : hour >= 6.5 && hour < 7.5 && roll < 0.6 ? -2 : Math.round(hour < 7 ? 10 + random() * 15 : 20 + random() * 50);
        if (offset % 900 === 0) {
          level = Math.max(5, Math.min(100, level + (hour < 7 ? 2 : -1)));
          battery[String(offset)] = level;
        }
      }
      return [
        {
          uploadTime: localMidnightUtc + DAY + 1800,
          body: { summaryId: `stress-${day}`, calendarDate, startTimeInSeconds: localMidnightUtc, startTimeOffsetInSeconds: RUNNER_OFFSET_S, durationInSeconds: DAY, timeOffsetStressLevelValues: values, timeOffsetBodyBatteryValues: battery },
        },
      ];
    }
    case 'bodyComps': {
      // A weigh-in on Saturday mornings.
      if (new Date(day * DAY * 1000).getUTCDay() !== 6) return [];
      const weight = Math.round(70_000 + random() * 2_000);
      const measured = localMidnightUtc + 7 * 3600 + Math.floor(random() * 1800);
      return [
        {
          uploadTime: measured + 120,
          body: {
            summaryId: `bodycomp-${day}`,
            measurementTimeInSeconds: measured,
            measurementTimeOffsetInSeconds: RUNNER_OFFSET_S,
            weightInGrams: weight,
            bodyFatInPercent: round(12 + random() * 3, 1),
            bodyWaterInPercent: round(58 + random() * 4, 1),
            muscleMassInGrams: Math.round(weight * 0.45),
            boneMassInGrams: Math.round(2_900 + random() * 200),
            bodyMassIndex: round(weight / 1000 / 1.78 ** 2, 1),
          },
        },
      ];
    }
    case 'pulseOx': {
      // Overnight all-day SpO2 (acclimation averages), one value a minute from local midnight to 6:00.
      const values: Record<string, number> = {};
      for (let offset = 0; offset < 6 * 3600; offset += 60) values[String(offset)] = Math.round(94 + random() * 5);
      return [
        {
          uploadTime: localMidnightUtc + 8 * 3600,
          body: { summaryId: `pulseox-${day}`, calendarDate, startTimeInSeconds: localMidnightUtc, startTimeOffsetInSeconds: RUNNER_OFFSET_S, durationInSeconds: 6 * 3600, timeOffsetSpo2Values: values, onDemand: false },
        },
      ];
    }
    case 'respiration': {
      // 15-minute summaries over the night (local midnight to 6:00), breaths per minute each minute.
      const out: DataRecord[] = [];
      for (let block = 0; block < 24; block++) {
        const startTime = localMidnightUtc + block * 900;
        const values: Record<string, number> = {};
        for (let offset = 0; offset < 900; offset += 60) values[String(offset)] = round(12 + random() * 4, 2);
        out.push({ uploadTime: localMidnightUtc + 8 * 3600, body: { summaryId: `resp-${day}-${block}`, startTimeInSeconds: startTime, durationInSeconds: 900, startTimeOffsetInSeconds: RUNNER_OFFSET_S, timeOffsetEpochToBreaths: values } });
      }
      return out;
    }
  }
}
