import { describe, expect, it } from 'vitest';
import { cleanSamples } from '../../src-main/core/analysis/samples.js';
import { addZoneTimes, hrProfile, timeInZones, zoneOf, zoneSettingsSchema, zonesFor } from '../../src-main/core/analysis/zones.js';

describe('heart rate zones', () => {
  it('Karvonen (% of HR reserve) and % of max, hand-computed', () => {
    // Max 190, rest 50: reserve 140. 50 % → 50 + 70 = 120; 60 % → 134; 70 % → 148; 80 % → 162; 90 % → 176.
    expect(zonesFor('hrr', 190, 50)).toEqual([
      { zone: 1, from_bpm: 120, to_bpm: 134 },
      { zone: 2, from_bpm: 134, to_bpm: 148 },
      { zone: 3, from_bpm: 148, to_bpm: 162 },
      { zone: 4, from_bpm: 162, to_bpm: 176 },
      { zone: 5, from_bpm: 176, to_bpm: null },
    ]);
    // % of max 190: 95, 114, 133, 152, 171.
    expect(zonesFor('max', 190, 50).map((z) => z.from_bpm)).toEqual([95, 114, 133, 152, 171]);
    const zones = zonesFor('hrr', 190, 50);
    expect([119.9, 120, 147.9, 148, 176, 230].map((hr) => zoneOf(hr, zones))).toEqual([0, 1, 2, 3, 5, 5]);
  });

  it('come from the settings, else are estimated from the data and say so', () => {
    // Activity max HRs: 240 is a spike (> 230), 110 cannot be a max (< 120): the highest left is 188.
    // Resting HRs: 200 and 0 are outside 25–120; the median of 48, 50, 52 is 50.
    const history = { activityMaxHr: [185, 240, null, 188, 110], restingHr: [48, 52, 200, null, 0, 50] };
    expect(hrProfile({}, history)).toMatchObject({ max_hr: 188, resting_hr: 50, estimated: true, max_hr_source: 'estimated', resting_hr_source: 'estimated', model: 'hrr' });
    expect(hrProfile({ R42_MAX_HR: 195 }, history)).toMatchObject({ max_hr: 195, resting_hr: 50, estimated: true, max_hr_source: 'setting' });
    expect(hrProfile({ R42_MAX_HR: 195, R42_RESTING_HR: 45, R42_HR_ZONE_MODEL: 'max' }, history)).toMatchObject({ estimated: false, model: 'max' });
    // Nothing set and nothing to estimate from: no zones rather than invented ones.
    expect(hrProfile({}, { activityMaxHr: [], restingHr: [] })).toBeNull();
    expect(hrProfile({ R42_MAX_HR: 130, R42_RESTING_HR: 120 }, history)).toBeNull();
  });

  it('settings are parsed like environment values', () => {
    expect(zoneSettingsSchema.parse({ R42_MAX_HR: '190', R42_RESTING_HR: '48' })).toEqual({ R42_MAX_HR: 190, R42_RESTING_HR: 48, R42_HR_ZONE_MODEL: 'hrr' });
    expect(zoneSettingsSchema.safeParse({ R42_MAX_HR: 'abc' }).success).toBe(false);
    expect(zoneSettingsSchema.safeParse({ R42_MAX_HR: '300' }).success).toBe(false);
    expect(zoneSettingsSchema.safeParse({ R42_MAX_HR: 70, R42_RESTING_HR: 60 }).success).toBe(false);
    expect(zoneSettingsSchema.safeParse({ R42_HR_ZONE_MODEL: 'lthr' }).success).toBe(false);
  });

  it('time in zones: each interval holds its first sample’s HR; pauses count nowhere', () => {
    // Samples every 60 s at 3 m/s (180 m), except a 300 s stop after the 160 bpm sample.
    //   HR 110 (below), 120 (zone 1, on its bound), 140 (2), 150 (3), 170 (4), 176 (5), 200 (5),
    //   null (no HR), 160 (held through the pause: not counted), 0 (absurd → null: no HR), last 150.
    const hrs = [110, 120, 140, 150, 170, 176, 200, null, 160, 0, 150];
    const samples = [];
    let t = 0;
    let d = 0;
    for (const hr of hrs) {
      samples.push({ t, distance: d, hr });
      if (hr === 160) t += 300; // standing: no distance
      else {
        t += 60;
        d += 180;
      }
    }
    const zones = timeInZones(cleanSamples(samples), zonesFor('hrr', 190, 50));
    expect(zones).toEqual({ below_s: 60, z1_s: 60, z2_s: 60, z3_s: 60, z4_s: 60, z5_s: 120, no_hr_s: 120 });
    expect(addZoneTimes([zones, zones])).toEqual({ below_s: 120, z1_s: 120, z2_s: 120, z3_s: 120, z4_s: 120, z5_s: 240, no_hr_s: 240 });
  });
});
