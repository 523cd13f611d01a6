/** Workouts as agents propose them, for the tests of issue 21. */

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
