import { describe, expect, it } from 'vitest';
import { DAY_STEPS, niceTicks, SECOND_STEPS, ticksWithin } from '../../src-renderer/components/LineChart';

/** A round value: 1, 2, 2.5 or 5 times a power of ten. */
const isRoundStep = (step: number) => [1, 2, 2.5, 5].some((f) => Number.isInteger(Math.log10(step / f)) && Math.abs(Math.log10(step / f) - Math.round(Math.log10(step / f))) < 1e-9);

describe('chart axes at round values', () => {
  it('ticks a range at 1, 2, 2.5 or 5 times a power of ten, the top tick the end of the axis', () => {
    // What the charts showed before: 0/55/110 for 106 km a week, 0/167/335 for a day's load.
    expect(niceTicks(0, 106)).toEqual({ min: 0, max: 150, ticks: [0, 50, 100, 150] });
    expect(niceTicks(0, 335)).toEqual({ min: 0, max: 400, ticks: [0, 100, 200, 300, 400] });
    expect(niceTicks(0, 12.5).ticks).toEqual([0, 5, 10, 15]);
    // Heart rate 93–169 bpm: 75, 100, 125, 150, 175 rather than 93, 131, 169.
    expect(niceTicks(93, 169).ticks).toEqual([75, 100, 125, 150, 175]);
    for (const [lo, hi] of [[0, 1], [0, 7.3], [42, 58], [0, 10_000], [4.2, 9.9], [0.1, 0.37]] as const) {
      const { min, max, ticks } = niceTicks(lo, hi);
      expect(min).toBeLessThanOrEqual(lo);
      expect(max).toBeGreaterThanOrEqual(hi);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(5);
      expect(isRoundStep(ticks[1]! - ticks[0]!), `${lo}–${hi}: ${ticks.join(', ')}`).toBe(true);
      for (const t of ticks) expect(Math.abs(t / (ticks[1]! - ticks[0]!) - Math.round(t / (ticks[1]! - ticks[0]!)))).toBeLessThan(1e-6);
    }
  });

  it('ticks a pace at whole 15 or 30 seconds and dates a week apart, and keeps an x axis to its data', () => {
    // 4:56 to 5:45 /km (296–345 s): 4:45, 5:00, 5:15, 5:30, 5:45.
    expect(niceTicks(296, 345, { steps: SECOND_STEPS }).ticks).toEqual([285, 300, 315, 330, 345]);
    expect(ticksWithin(0, 27, { steps: DAY_STEPS })).toEqual([0, 7, 14, 21]);
    // 6.23 km: whole kilometres when there is room for seven labels, every other one when not.
    expect(ticksWithin(0, 6.23, { most: 7 })).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ticksWithin(0, 6.23, { most: 4 })).toEqual([0, 2, 4, 6]);
  });
});
