import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src-main/core/analysis/activity.js';
import type { RawSample } from '../../src-main/core/analysis/samples.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { zonesFor, type HrProfile } from '../../src-main/core/analysis/zones.js';
import { decodeSamples, encodeSamples, packJson, SAMPLE_FORMAT_VERSION, unpackJson } from '../../src-main/core/store/sample-codec.js';
import { activityDetailsFor } from '../simulator/activity-details.js';
import { recordsForDay } from '../simulator/garmin-data.js';

const PROFILE: HrProfile = { model: 'hrr', max_hr: 190, resting_hr: 48, estimated: false, max_hr_source: 'setting', resting_hr_source: 'setting', zones: zonesFor('hrr', 190, 48) };

/** An hour at 1 s with every channel, like a watch recording at its fastest rate. */
function hourAtOneHertz(): RawSample[] {
  const out: RawSample[] = [];
  let d = 0;
  for (let t = 0; t <= 3600; t++) {
    const speed = 3 + 0.3 * Math.sin(t / 60) + 0.05 * Math.sin(t * 1.7);
    d += speed;
    out.push({
      t,
      distance: Math.round(d * 100) / 100,
      hr: Math.round(140 + 15 * Math.sin(t / 300) + 2 * Math.sin(t / 7)),
      speed: Math.round(speed * 1000) / 1000,
      cadence: Math.round((172 + 4 * Math.sin(t / 45)) * 10) / 10,
      elevation: Math.round((10 + 8 * Math.sin(d / 900)) * 100) / 100,
      lat: Math.round((52.358 + 0.006 * Math.sin(d / 640)) * 1e6) / 1e6,
      lon: Math.round((4.868 + 0.01 * (1 - Math.cos(d / 640))) * 1e6) / 1e6,
    });
  }
  return out;
}

const normalise = (s: RawSample): RawSample => ({
  t: s.t,
  distance: s.distance ?? null,
  hr: s.hr ?? null,
  speed: s.speed ?? null,
  cadence: s.cadence ?? null,
  elevation: s.elevation ?? null,
  lat: s.lat ?? null,
  lon: s.lon ?? null,
});

describe('sample codec', () => {
  it('round-trips every channel exactly at the precision Garmin sends, in under 40 KB per hour at 1 s', () => {
    const samples = hourAtOneHertz();
    const blob = encodeSamples(samples);
    expect(blob[0]).toBe(SAMPLE_FORMAT_VERSION);
    expect(decodeSamples(blob)).toEqual(samples.map(normalise));
    expect(blob.length).toBeLessThan(40_000);
    const json = JSON.stringify(samples).length;
    expect(blob.length * 5).toBeLessThan(json);
  });

  it('keeps missing channels missing, and what cleaning must judge (disorder, duplicates, absurd values) as it came', () => {
    const bad: RawSample[] = [
      { t: 10, distance: 30, hr: null, speed: 3 },
      { t: 5, distance: 15, hr: 0, speed: 99 },
      { t: 5, distance: 15, hr: 151 },
      { t: Number.NaN, distance: 1 },
      { t: -3, hr: 400 },
      { t: 20, distance: 10, hr: 1e12, elevation: 1e30, lat: 500, lon: -1e300 },
      { t: 25, distance: Number.POSITIVE_INFINITY, hr: 150.4 },
    ];
    const back = decodeSamples(encodeSamples(bad));
    expect(back).toHaveLength(bad.length);
    expect(back[0]).toEqual({ t: 10, distance: 30, hr: null, speed: 3, cadence: null, elevation: null, lat: null, lon: null });
    expect(back[1]).toMatchObject({ t: 5, hr: 0, speed: 99 });
    expect(back[3]!.t).toBeNaN(); // a sample without a time stays one: cleaning drops and counts it
    expect(back[4]).toMatchObject({ t: -3, hr: 400 });
    // Too large for the integers: clamped, still far outside every plausible range.
    expect(back[5]!.hr!).toBe(1e12);
    expect(back[5]!.elevation!).toBeGreaterThan(1e9);
    expect(back[5]!.lat!).toBe(500);
    expect(back[5]!.lon!).toBeLessThan(-180);
    expect(back[6]).toMatchObject({ distance: null, hr: 150.4 });
    expect(decodeSamples(encodeSamples([]))).toEqual([]);
  });

  it('gives the analysis the same answer from the stored samples as from Garmin’s JSON, bad input included', () => {
    const days = [20_400, 20_401, 20_402, 20_403, 20_404, 20_405, 20_406];
    const records = days.flatMap((day) => recordsForDay('activities', day)).map((r) => activityDetailsFor(r.body));
    expect(records.length).toBeGreaterThan(3);
    for (const record of records) {
      const details = parseActivityDetails(record)!;
      const stored = { ...details, samples: decodeSamples(encodeSamples(details.samples)) };
      expect(analyzeActivity(stored, PROFILE)).toEqual(analyzeActivity(details, PROFILE));
    }
    const messy = parseActivityDetails({
      summaryId: 'x',
      summary: { startTimeInSeconds: 1000 },
      samples: [
        { startTimeInSeconds: 1010, heartRate: 300, totalDistanceInMeters: 40, latitudeInDegree: 0, longitudeInDegree: 0 },
        { startTimeInSeconds: 1000, heartRate: 140, totalDistanceInMeters: 0 },
        { startTimeInSeconds: 1000, heartRate: 141 },
        { startTimeInSeconds: 1100, totalDistanceInMeters: 45 },
        { heartRate: 150 },
        { startTimeInSeconds: 1105, totalDistanceInMeters: 5000, speedMetersPerSecond: -4 },
      ],
    })!;
    const stored = { ...messy, samples: decodeSamples(encodeSamples(messy.samples)) };
    const analysis = analyzeActivity(stored, PROFILE);
    expect(analysis).toEqual(analyzeActivity(messy, PROFILE));
    expect(JSON.stringify(analysis)).not.toMatch(/NaN|Infinity/);
  });

  it('refuses a format it does not know rather than misreading it', () => {
    const blob = encodeSamples([{ t: 0, hr: 100 }]);
    blob[0] = 99;
    expect(() => decodeSamples(blob)).toThrow(/unknown sample format/);
    expect(() => decodeSamples(new Uint8Array([1]))).toThrow(/unknown sample format/);
  });

  it('packs small JSON deflated', () => {
    const value = { a: [1, 2, 3], b: 'x'.repeat(1000) };
    const packed = packJson(value);
    expect(packed.length).toBeLessThan(100);
    expect(unpackJson(packed)).toEqual(value);
  });
});
