/** Workouts as agents propose them, for the tests of issue 21 and the proposal `npm run demo` seeds. */

/** Tuesday's intervals, as an agent would propose them. */
export const INTERVALS = {
  name: 'Tuesday 6 × 800 m',
  sport: 'running',
  date: '2026-11-24',
  notes: 'Even splits; jog the recoveries.',
  steps: [
    { kind: 'warmup', end: { by: 'time', seconds: 900 }, target: { type: 'heart_rate_zone', zone: 2 } },
    {
      kind: 'repeat',
      times: 6,
      steps: [
        { kind: 'interval', end: { by: 'distance', meters: 800 }, target: { type: 'pace', fast_s_per_km: 235, slow_s_per_km: 245 } },
        { kind: 'recovery', end: { by: 'time', seconds: 90 } },
      ],
    },
    { kind: 'cooldown', end: { by: 'lap_button' } },
  ],
} as const;

/** The intervals on another date (a proposal's date must not have passed). */
export function intervalsOn(date: string) {
  return { ...INTERVALS, date };
}

/** 3 × 1 km at 3:55–4:05/km with 2:00 recoveries, after a 5:00 warm-up in 130–145 bpm; a cool-down until lap. */
export function intervalSession(date: string) {
  return {
    name: 'Intervals 3 × 1 km',
    sport: 'running',
    date,
    steps: [
      { kind: 'warmup', end: { by: 'time', seconds: 300 }, target: { type: 'heart_rate', low: 130, high: 145 } },
      {
        kind: 'repeat',
        times: 3,
        steps: [
          { kind: 'interval', end: { by: 'distance', meters: 1000 }, target: { type: 'pace', fast_s_per_km: 235, slow_s_per_km: 245 } },
          { kind: 'recovery', end: { by: 'time', seconds: 120 } },
        ],
      },
      { kind: 'cooldown', end: { by: 'lap_button' } },
    ],
  } as const;
}

/**
 * The run of that session, hitting and missing by known amounts, as [seconds, m/s, bpm]: the
 * warm-up at 135 bpm (in range); rep 1 at 4:00/km (all in); rep 2 its first 500 m at 4:00, the
 * second at 4:20 (120 s in, 130 s slower than the range); rep 3 at 3:45 (225 s faster); jogs at
 * 2.5 m/s; a 5:00 cool-down. Every phase ends on a whole second.
 */
export const INTERVAL_RUN_PHASES: ReadonlyArray<readonly [seconds: number, speed: number, hr: number]> = [
  [300, 3, 135],
  [240, 1000 / 240, 168],
  [120, 2.5, 140],
  [120, 1000 / 240, 170],
  [130, 1000 / 260, 172],
  [120, 2.5, 145],
  [225, 1000 / 225, 178],
  [120, 2.5, 150],
  [300, 3, 138],
];

/**
 * Garmin's activity summary and activityDetails records of that run, 1 Hz samples, starting at
 * `startS` (epoch seconds). `laps`: a lap at each phase (rep 2's two halves are one lap), as a
 * watch running the workout records; `stopAfterS`: the watch stopped then.
 */
export function intervalRun(startS: number, options: { offsetS?: number; laps?: boolean; stopAfterS?: number; summaryId?: string } = {}) {
  const summaryId = options.summaryId ?? `r42-intervals-${startS}`;
  const offset = options.offsetS ?? 0;
  const samples: Array<Record<string, number>> = [];
  const lapStarts: number[] = [];
  let t = 0;
  let distance = 0;
  INTERVAL_RUN_PHASES.forEach(([seconds, speed, hr], phase) => {
    if (phase !== 4) lapStarts.push(t);
    for (let s = 0; s < seconds; s++, t++) {
      if (options.stopAfterS !== undefined && t > options.stopAfterS) return;
      samples.push({ startTimeInSeconds: startS + t, totalDistanceInMeters: distance, speedMetersPerSecond: speed, heartRate: hr, stepsPerMinute: 170 });
      distance += speed;
    }
  });
  const last = INTERVAL_RUN_PHASES.at(-1)!;
  if (options.stopAfterS === undefined) samples.push({ startTimeInSeconds: startS + t, totalDistanceInMeters: distance, speedMetersPerSecond: last[1], heartRate: last[2], stepsPerMinute: 170 });
  const end = samples.at(-1)!;
  const duration = end.startTimeInSeconds! - startS;
  const summary = {
    summaryId,
    activityId: 900_000_000 + (startS % 100_000),
    activityName: 'Intervals 3 × 1 km',
    activityType: 'RUNNING',
    startTimeInSeconds: startS,
    startTimeOffsetInSeconds: offset,
    durationInSeconds: duration,
    distanceInMeters: Math.round(end.totalDistanceInMeters!),
    averageSpeedInMetersPerSecond: end.totalDistanceInMeters! / duration,
    averageHeartRateInBeatsPerMinute: 155,
    maxHeartRateInBeatsPerMinute: 178,
    deviceName: 'forerunner965',
  };
  const details = {
    summaryId: `${summaryId}-detail`,
    activityId: summary.activityId,
    summary: { ...summary, summaryId: undefined },
    samples,
    laps: options.laps ? lapStarts.filter((s) => s <= duration).map((s) => ({ startTimeInSeconds: startS + s })) : [{ startTimeInSeconds: startS }],
  };
  return { summary, details };
}
