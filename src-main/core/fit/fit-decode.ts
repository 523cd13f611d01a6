/**
 * A FIT file (what a Garmin watch records: `GARMIN/Activity/*.fit`, the files in Garmin Connect's
 * export, the Activity API's activityFiles) read with Garmin's own FIT SDK (`@garmin/fitsdk`) into
 * what the store keeps: one leg per session (a multisport file gives each leg, transitions kept as
 * such), each with its samples in the analysis' shape (analysis/samples.ts RawSample, times from
 * the leg's start), the watch's own laps and session totals, what the watch records beyond the API
 * (power, running dynamics, temperature) and the developer (Connect IQ) fields, kept raw.
 *
 * The header and the file's CRC are checked: a file whose CRC fails (cut off mid-write) gives what
 * it holds and says it was truncated. A file that is not an activity (monitoring, settings, workout,
 * course…) is skipped with its reason. Nothing here touches the store or the file system.
 */
import { Decoder, Stream, type LapMesg, type RecordMesg, type SessionMesg } from '@garmin/fitsdk';
import type { RawSample } from '../analysis/samples.js';
import { MAX_FIT_BYTES } from '../../../src-common/limits.js';
import type { WatchTotals } from '../../../src-common/coaching-contract.js';
import type { FitDecoded, FitDeveloperData, FitExtraChannels, FitLap, FitLeg, FitSkip, FitSkipReason } from './fit-model.js';

// The shapes live in fit-model.ts; these names stay importable from the decoder.
export { FitReadError, MAX_FIT_BYTES, type FitActivity, type FitDecoded, type FitDeveloperData, type FitExtraChannels, type FitLap, type FitLeg, type FitSkip, type FitSkipReason } from './fit-model.js';

/** Seconds between the Unix epoch and FIT's (1989-12-31T00:00:00Z). */
const FIT_EPOCH_S = 631_065_600;
const SEMICIRCLE_DEG = 180 / 2 ** 31;

const skip = (reason: FitSkipReason, message: string): FitSkip => ({ ok: false, reason, message });
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const seconds = (v: unknown): number | null => (v instanceof Date ? v.getTime() / 1000 : typeof v === 'number' && Number.isFinite(v) ? v + FIT_EPOCH_S : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Garmin's activityType for a FIT sport and sub-sport (the names the Activity API uses). */
export function activityTypeOf(sport: string, subSport: string | null): string {
  const sub = subSport ?? 'generic';
  switch (sport) {
    case 'running':
      return ({ trail: 'TRAIL_RUNNING', treadmill: 'TREADMILL_RUNNING', track: 'TRACK_RUNNING', indoorRunning: 'INDOOR_RUNNING', virtualActivity: 'VIRTUAL_RUN', street: 'STREET_RUNNING' } as Record<string, string>)[sub] ?? 'RUNNING';
    case 'cycling':
      return ({ road: 'ROAD_BIKING', mountain: 'MOUNTAIN_BIKING', indoorCycling: 'INDOOR_CYCLING', spin: 'INDOOR_CYCLING', virtualActivity: 'VIRTUAL_RIDE', gravelCycling: 'GRAVEL_CYCLING', cyclocross: 'CYCLOCROSS', track: 'TRACK_CYCLING' } as Record<string, string>)[sub] ?? 'CYCLING';
    case 'swimming':
      return sub === 'lapSwimming' ? 'LAP_SWIMMING' : sub === 'openWater' ? 'OPEN_WATER_SWIMMING' : 'SWIMMING';
    case 'walking':
      return sub === 'indoorWalking' ? 'INDOOR_WALKING' : 'WALKING';
    case 'hiking':
      return 'HIKING';
    case 'transition':
      return 'TRANSITION';
    case 'fitnessEquipment':
      return ({ indoorRowing: 'INDOOR_ROWING', elliptical: 'ELLIPTICAL', stairClimbing: 'STAIR_CLIMBING', treadmill: 'TREADMILL_RUNNING', indoorCycling: 'INDOOR_CYCLING' } as Record<string, string>)[sub] ?? 'FITNESS_EQUIPMENT';
    case 'training':
      return sub === 'strengthTraining' ? 'STRENGTH_TRAINING' : sub === 'cardioTraining' ? 'INDOOR_CARDIO' : 'TRAINING';
    case 'generic':
      return 'OTHER';
    default:
      return sport.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase().replace(/[^A-Z_]/g, '').slice(0, 40) || 'OTHER';
  }
}

/** Feet sports count cadence in steps (both feet); the watch writes strides (one foot) plus a fraction. */
const stepsSport = (sport: string) => sport === 'running' || sport === 'walking' || sport === 'hiking';

function totalsOf(s: SessionMesg | LapMesg | null, sport: string): WatchTotals {
  const spm = (c: unknown, frac: unknown) => {
    const v = finite(c);
    if (v === null) return null;
    return stepsSport(sport) ? Math.round((v + (finite(frac) ?? 0)) * 2 * 10) / 10 : v;
  };
  return {
    elapsed_s: finite(s?.totalElapsedTime),
    timer_s: finite(s?.totalTimerTime),
    distance_m: finite(s?.totalDistance),
    avg_hr: finite(s?.avgHeartRate),
    max_hr: finite(s?.maxHeartRate),
    avg_speed_mps: finite(s?.enhancedAvgSpeed) ?? finite(s?.avgSpeed),
    max_speed_mps: finite(s?.enhancedMaxSpeed) ?? finite(s?.maxSpeed),
    avg_cadence_spm: spm(s?.avgRunningCadence ?? s?.avgCadence, s?.avgFractionalCadence),
    avg_power_w: finite(s?.avgPower),
    max_power_w: finite(s?.maxPower),
    normalized_power_w: finite(s?.normalizedPower),
    ascent_m: finite(s?.totalAscent),
    descent_m: finite(s?.totalDescent),
    kcal: finite(s?.totalCalories),
    avg_temperature_c: finite(s?.avgTemperature),
    max_temperature_c: finite(s?.maxTemperature),
    avg_vertical_oscillation_mm: finite(s?.avgVerticalOscillation),
    avg_ground_contact_ms: finite(s?.avgStanceTime),
    avg_stride_length_m: finite(s?.avgStepLength) === null ? null : Math.round(finite(s?.avgStepLength)!) / 1000,
    avg_vertical_ratio_pct: finite(s?.avgVerticalRatio),
    training_effect: s && 'totalTrainingEffect' in s ? finite(s.totalTrainingEffect) : null,
  };
}

function lapOf(l: LapMesg, legStart: number, sport: string): FitLap | null {
  const start = seconds(l.startTime);
  if (start === null) return null;
  const t = totalsOf(l, sport);
  return {
    start_s: Math.round((start - legStart) * 1000) / 1000,
    elapsed_s: t.elapsed_s,
    timer_s: t.timer_s,
    distance_m: t.distance_m,
    avg_hr: t.avg_hr,
    max_hr: t.max_hr,
    avg_speed_mps: t.avg_speed_mps,
    avg_cadence_spm: t.avg_cadence_spm,
    avg_power_w: t.avg_power_w,
    max_power_w: t.max_power_w,
    ascent_m: t.ascent_m,
    trigger: text(l.lapTrigger),
    intensity: text(l.intensity),
  };
}

/** Decodes one FIT file already in memory (at most MAX_FIT_BYTES). */
export function decodeFit(bytes: Uint8Array): FitDecoded {
  if (bytes.length === 0) return skip('empty', 'The file is empty (0 bytes).');
  if (bytes.length > MAX_FIT_BYTES) return skip('too_large', `The file is ${bytes.length} bytes; a watch's activity is under ${MAX_FIT_BYTES / 1024 / 1024} MB.`);
  const stream = Stream.fromByteArray(bytes);
  let decoder: Decoder;
  try {
    decoder = new Decoder(stream);
    if (!decoder.isFIT()) return skip('not_fit', 'Not a FIT file: its header is not a FIT header.');
  } catch {
    return skip('not_fit', 'Not a FIT file: its header is not a FIT header.');
  }
  let intact: boolean;
  try {
    intact = decoder.checkIntegrity();
  } catch {
    intact = false;
  }
  let result: ReturnType<Decoder['read']>;
  try {
    result = decoder.read({ convertDateTimesToDates: true, convertTypesToStrings: true, applyScaleAndOffset: true, expandComponents: true, expandSubFields: true, mergeHeartRates: true, includeUnknownData: false });
  } catch {
    return skip('damaged', 'The FIT file is damaged: Garmin’s decoder could not read it.');
  }
  const { messages, errors } = result;
  const fileId = messages.fileIdMesgs?.[0];
  const fileType = text(fileId?.type) ?? (typeof fileId?.type === 'number' ? String(fileId.type) : null);
  if (fileType !== 'activity') {
    const what = fileType === null ? (intact ? 'it names no file type' : 'it is damaged before naming its type') : `it is a ${fileType} file`;
    return fileType === null && !intact ? skip('damaged', `The FIT file is damaged: ${what}.`) : skip('not_activity', `Not an activity: ${what}.`);
  }
  const warnings: string[] = [];
  const truncated = !intact;
  if (truncated) warnings.push('The file ends early (its CRC fails): what it holds was imported.');
  else if (errors.length) warnings.push('A second FIT stream after the activity is damaged: the activity was imported, the rest skipped.');

  // Timed records and their times, read once (a long activity has tens of thousands).
  const records: RecordMesg[] = [];
  const times: number[] = [];
  for (const rec of messages.recordMesgs ?? []) {
    const ts = seconds(rec.timestamp);
    if (ts === null) continue;
    records.push(rec);
    times.push(ts);
  }
  const sessions = messages.sessionMesgs ?? [];
  const lapMesgs = messages.lapMesgs ?? [];
  const activity = messages.activityMesgs?.[0];
  const actTs = seconds(activity?.timestamp);
  const localTs = activity?.localTimestamp instanceof Date ? activity.localTimestamp.getTime() / 1000 : finite(activity?.localTimestamp);
  // The watch's UTC offset at the end of the activity, to the quarter hour (every time zone is a multiple of 15 minutes).
  const offsetS = actTs !== null && localTs !== null ? Math.round((localTs + (activity?.localTimestamp instanceof Date ? 0 : FIT_EPOCH_S) - actTs) / 900) * 900 : null;
  if (offsetS !== null && Math.abs(offsetS) > 14 * 3600) warnings.push('The file’s local time is not a real time zone: dated by UTC.');

  // The decoder keys each developer field by the order of its description in the file (0, 1, 2…).
  const fields = (messages.fieldDescriptionMesgs ?? []).map((d, key) => ({
    key,
    app: null as string | null,
    developerDataIndex: finite(d.developerDataIndex),
    name: Array.isArray(d.fieldName) ? text(d.fieldName[0]) : text(d.fieldName),
    units: Array.isArray(d.units) ? text(d.units[0]) : text(d.units),
  }));

  type Span = { sport: string; subSport: string | null; start: number; end: number; session: SessionMesg | null };
  const spans: Span[] = sessions.flatMap((s) => {
    const start = seconds(s.startTime);
    if (start === null) return [];
    const elapsed = finite(s.totalElapsedTime) ?? finite(s.totalTimerTime) ?? 0;
    const end = Math.max(start + elapsed, seconds(s.timestamp) ?? start);
    return [{ sport: text(s.sport) ?? 'generic', subSport: text(s.subSport), start, end, session: s }];
  });
  if (spans.length === 0) {
    // No session (a watch that stopped before writing it): one leg of whatever the records hold.
    if (records.length === 0) return skip('no_data', 'An activity file without a session or any timed sample: nothing to import.');
    const start = times[0]!;
    const end = times[times.length - 1]!;
    const sport = text(messages.sportMesgs?.[0]?.sport) ?? text(lapMesgs[0]?.sport) ?? 'generic';
    spans.push({ sport, subSport: text(messages.sportMesgs?.[0]?.subSport), start, end, session: null });
    warnings.push('The file has no session: its totals were taken from its samples.');
  }
  spans.sort((a, b) => a.start - b.start);

  let r = 0;
  const legs: FitLeg[] = spans.map((span, index) => {
    const samples: RawSample[] = [];
    const extras: FitExtraChannels = { power: [], temperature: [], verticalOscillation: [], groundContact: [], strideLength: [], cadenceRpm: [] };
    const devRecords: Record<string, unknown[]> = {};
    const steps = stepsSport(span.sport);
    const last = index === spans.length - 1;
    // Records in time order belong to the leg whose span holds them (the last leg takes the rest).
    while (r < records.length && times[r]! < span.start) r++;
    for (; r < records.length; r++) {
      const rec: RecordMesg = records[r]!;
      const ts = times[r]!;
      if (!last && ts >= spans[index + 1]!.start) break;
      if (!last && ts > span.end) continue;
      const lat = finite(rec.positionLat);
      const lon = finite(rec.positionLong);
      const cadence = finite(rec.cadence);
      samples.push({
        t: ts - span.start,
        distance: finite(rec.distance),
        hr: finite(rec.heartRate),
        speed: finite(rec.enhancedSpeed) ?? finite(rec.speed),
        cadence: steps && cadence !== null ? (cadence + (finite(rec.fractionalCadence) ?? 0)) * 2 : null,
        elevation: finite(rec.enhancedAltitude) ?? finite(rec.altitude),
        lat: lat === null ? null : lat * SEMICIRCLE_DEG,
        lon: lon === null ? null : lon * SEMICIRCLE_DEG,
      });
      extras.power.push(finite(rec.power));
      extras.temperature.push(finite(rec.temperature));
      extras.verticalOscillation.push(finite(rec.verticalOscillation));
      extras.groundContact.push(finite(rec.stanceTime));
      extras.strideLength.push(finite(rec.stepLength) === null ? null : finite(rec.stepLength)! / 1000);
      extras.cadenceRpm.push(!steps ? cadence : null);
      const dev = rec.developerFields;
      if (dev && typeof dev === 'object') {
        for (const [key, value] of Object.entries(dev)) {
          const list = (devRecords[key] ??= []);
          while (list.length < samples.length - 1) list.push(null);
          list.push(value);
        }
      }
    }
    for (const list of Object.values(devRecords)) while (list.length < samples.length) list.push(null);
    const laps = lapMesgs
      .filter((l) => {
        const ls = seconds(l.startTime);
        // The first leg also takes a lap that starts a moment before it.
        return ls !== null && (index === 0 || ls >= span.start - 1) && (last || ls < spans[index + 1]!.start - 1e-3);
      })
      .flatMap((l) => lapOf(l, span.start, span.sport) ?? []);
    let totals = totalsOf(span.session, span.sport);
    if (!span.session) {
      const lastSample = samples[samples.length - 1];
      const hrs = samples.map((s) => s.hr).filter((v): v is number => typeof v === 'number');
      totals = {
        ...totals,
        elapsed_s: lastSample ? lastSample.t : 0,
        timer_s: lastSample ? lastSample.t : 0,
        distance_m: samples.reduce<number | null>((d, s) => (typeof s.distance === 'number' ? Math.max(d ?? 0, s.distance) : d), null),
        avg_hr: hrs.length ? Math.round(hrs.reduce((a, b) => a + b, 0) / hrs.length) : null,
        max_hr: hrs.length ? Math.max(...hrs) : null,
      };
    }
    const sessionDev = span.session?.developerFields;
    const developer: FitDeveloperData | null =
      fields.length === 0 && Object.keys(devRecords).length === 0
        ? null
        : { fields, records: devRecords, session: sessionDev && typeof sessionDev === 'object' ? { ...sessionDev } : {} };
    return {
      index,
      sport: span.sport,
      subSport: span.subSport,
      activityType: activityTypeOf(span.sport, span.subSport),
      transition: span.sport === 'transition',
      startTime: span.start,
      totals,
      laps,
      samples,
      extras,
      developer,
    };
  });
  const product = text(fileId?.garminProduct) ?? text(fileId?.productName);
  const manufacturer = text(fileId?.manufacturer);
  return {
    ok: true,
    offsetS: offsetS !== null && Math.abs(offsetS) <= 14 * 3600 ? offsetS : null,
    device: product ? (manufacturer && manufacturer !== 'garmin' ? `${manufacturer} ${product}` : product) : manufacturer,
    serialNumber: finite(fileId?.serialNumber),
    legs,
    truncated,
    warnings,
  };
}
