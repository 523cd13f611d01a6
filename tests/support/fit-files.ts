/**
 * FIT activity files written with Garmin's own SDK Encoder (`@garmin/fitsdk`), for tests and the
 * bench: a run (or ride) of any length at 1 Hz with GPS, HR, cadence, elevation and, when asked,
 * power, running dynamics, temperature, laps, a developer (Connect IQ) field and the watch's local
 * time. Deterministic for a seed; nothing here is read back by the code under test but the bytes.
 */
import { Encoder, Profile } from '@garmin/fitsdk';

export interface FitRunOptions {
  /** Epoch seconds (UTC). */
  readonly start: number;
  readonly seconds: number;
  readonly sport?: 'running' | 'cycling' | 'walking';
  readonly subSport?: string;
  /** Metres per second, about (a wobble is added). */
  readonly speed?: number;
  readonly hr?: boolean;
  readonly power?: boolean;
  readonly dynamics?: boolean;
  /** A lap every so many metres (none when absent: one lap). */
  readonly lapMetres?: number;
  /** The watch's UTC offset in seconds (the activity message's local_timestamp); null writes none. */
  readonly offsetS?: number | null;
  readonly developer?: boolean;
  readonly seed?: number;
}

const FIT_EPOCH_S = 631_065_600;
/** One message by its profile name; the SDK's encoder checks each field against Garmin's profile. */
function write(enc: Encoder, name: string, fields: Record<string, unknown>): void {
  enc.onMesg(mesgNum(name), fields);
}
function mesgNum(name: string): number {
  const n = Profile.MesgNum[name];
  if (n === undefined) throw new Error(`no FIT message ${name}`);
  return n;
}
const DEG_TO_SEMI = 2 ** 31 / 180;

export interface FitRunTotals {
  readonly distanceM: number;
  readonly timerS: number;
  readonly avgHr: number | null;
  readonly laps: number;
}

/** A FIT activity file and the totals its session message holds. */
export function encodeRun(options: FitRunOptions): { bytes: Uint8Array; totals: FitRunTotals } {
  const sport = options.sport ?? 'running';
  const seed = options.seed ?? 1;
  const base = options.speed ?? (sport === 'cycling' ? 8 : sport === 'walking' ? 1.4 : 3);
  const date = (s: number) => new Date(s * 1000);
  const developerDataIdMesg = { developerDataIndex: 0, applicationId: Array.from({ length: 16 }, (_, i) => (i * 7 + seed) % 256), applicationVersion: 1 };
  const fieldDescriptionMesg = { developerDataIndex: 0, fieldDefinitionNumber: 0, fitBaseTypeId: 0x84, fieldName: 'Form Power', units: 'Watts', nativeMesgNum: mesgNum('RECORD') };
  const enc = new Encoder(options.developer ? { fieldDescriptions: { 0: { developerDataIdMesg, fieldDescriptionMesg } } } : {});
  write(enc, 'FILE_ID', { type: 'activity', manufacturer: 'garmin', product: 3113, garminProduct: 'fr245', serialNumber: 3_900_000_000 + seed, timeCreated: date(options.start) });
  if (options.developer) {
    write(enc, 'DEVELOPER_DATA_ID', developerDataIdMesg);
    write(enc, 'FIELD_DESCRIPTION', fieldDescriptionMesg);
  }
  write(enc, 'EVENT', { timestamp: date(options.start), event: 'timer', eventType: 'start' });
  let distance = 0;
  let hrSum = 0;
  let hrN = 0;
  let hrMax = 0;
  const laps: Array<{ start: number; end: number; from: number; to: number; hrSum: number; hrN: number; hrMax: number }> = [];
  let lap = { start: options.start, end: options.start, from: 0, to: 0, hrSum: 0, hrN: 0, hrMax: 0 };
  for (let t = 0; t <= options.seconds; t++) {
    const speed = base * (1 + 0.05 * Math.sin((t + seed) / 37));
    if (t > 0) distance += speed;
    const hr = options.hr === false ? undefined : Math.round(120 + 30 * (1 - Math.exp(-t / 300)) + 5 * Math.sin((t + seed) / 23));
    const record: Record<string, unknown> = {
      timestamp: date(options.start + t),
      positionLat: Math.round((52.35 + distance / 111_000) * DEG_TO_SEMI),
      positionLong: Math.round((4.86 + (seed % 10) / 100) * DEG_TO_SEMI),
      distance: Math.round(distance * 100) / 100,
      enhancedSpeed: Math.round(speed * 1000) / 1000,
      enhancedAltitude: 5 + 10 * Math.sin(t / 600),
      cadence: sport === 'cycling' ? 88 : 84 + (t % 3),
    };
    if (hr !== undefined) {
      record.heartRate = hr;
      hrSum += hr;
      hrN++;
      hrMax = Math.max(hrMax, hr);
      lap.hrSum += hr;
      lap.hrN++;
      lap.hrMax = Math.max(lap.hrMax, hr);
    }
    if (options.power) record.power = Math.round(250 + 20 * Math.sin(t / 50));
    if (options.dynamics) {
      record.verticalOscillation = 80 + (t % 7);
      record.stanceTime = 240 + (t % 11);
      record.stepLength = 1100 + (t % 13);
      record.temperature = 18 + Math.round(t / 1200);
    }
    if (options.developer) record.developerFields = { 0: 200 + (t % 9) };
    write(enc, 'RECORD', record);
    lap.end = options.start + t;
    lap.to = distance;
    if (options.lapMetres && distance - lap.from >= options.lapMetres && t < options.seconds) {
      laps.push(lap);
      lap = { start: options.start + t, end: options.start + t, from: distance, to: distance, hrSum: 0, hrN: 0, hrMax: 0 };
    }
  }
  laps.push(lap);
  const end = options.start + options.seconds;
  write(enc, 'EVENT', { timestamp: date(end), event: 'timer', eventType: 'stopAll' });
  laps.forEach((l, i) => {
    write(enc, 'LAP', {
      messageIndex: i,
      timestamp: date(l.end),
      startTime: date(l.start),
      totalElapsedTime: l.end - l.start,
      totalTimerTime: l.end - l.start,
      totalDistance: Math.round((l.to - l.from) * 100) / 100,
      ...(l.hrN ? { avgHeartRate: Math.round(l.hrSum / l.hrN), maxHeartRate: l.hrMax } : {}),
      event: 'lap',
      eventType: 'stop',
      lapTrigger: i === laps.length - 1 ? 'sessionEnd' : 'distance',
      sport,
    });
  });
  const avgHr = hrN ? Math.round(hrSum / hrN) : null;
  write(enc, 'SESSION', {
    messageIndex: 0,
    timestamp: date(end),
    startTime: date(options.start),
    totalElapsedTime: options.seconds,
    totalTimerTime: options.seconds,
    totalDistance: Math.round(distance * 100) / 100,
    ...(avgHr !== null ? { avgHeartRate: avgHr, maxHeartRate: hrMax } : {}),
    ...(options.power ? { avgPower: 250, maxPower: 270 } : {}),
    sport,
    subSport: options.subSport ?? 'generic',
    firstLapIndex: 0,
    numLaps: laps.length,
    event: 'session',
    eventType: 'stop',
    trigger: 'activityEnd',
  });
  const offset = options.offsetS === undefined ? 3600 : options.offsetS;
  write(enc, 'ACTIVITY', {
    timestamp: date(end),
    totalTimerTime: options.seconds,
    numSessions: 1,
    type: 'manual',
    event: 'activity',
    eventType: 'stop',
    ...(offset === null ? {} : { localTimestamp: end + offset - FIT_EPOCH_S }),
  });
  return { bytes: enc.close(), totals: { distanceM: Math.round(distance * 100) / 100, timerS: options.seconds, avgHr, laps: laps.length } };
}
