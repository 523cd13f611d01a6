/**
 * A FIT file made ready for the store without touching it: decoded with Garmin's FIT SDK
 * (fit-decode.ts), each leg's samples encoded with the figures derived from them, its extra
 * channels and developer fields packed (store/fit-repo.ts, store/sample-codec.ts). This is all the CPU an import takes
 * but the SQL; the FIT worker thread runs it (fit-worker.ts, started by fit-decoder.ts), so a
 * large file never holds up the app's main thread. Plain data: cloned across threads as it is.
 */
import { activityIngest } from '../coaching/activity-ingest.js';
import type { PreparedDetails } from '../store/details-repo.js';
import { encodeExtras, EXTRA_COLUMNS, richnessOf, type ExtraColumnKey } from '../store/fit-repo.js';
import { encodeSamples, packJson } from '../store/sample-codec.js';
import { decodeFit } from './fit-decode.js';
import { IMPORT_DEFLATE_LEVEL, type FitActivity, type FitExtraChannels, type FitLeg, type FitSkip } from './fit-model.js';

/** One leg (session) of a file (fit-model.ts), ready to store: its samples and channels encoded. */
export interface PreparedLeg extends Omit<FitLeg, 'samples' | 'extras' | 'developer'> {
  /** Its samples encoded, with the figures kept beside them (coaching/activity-ingest.ts) and how rich they are with the extra channels. */
  readonly samples: PreparedDetails;
  /** The extra channels as stored, or null when the file recorded none. */
  readonly extras: Uint8Array | null;
  /** The developer (Connect IQ) fields as stored, or null when the file has none. */
  readonly developer: Uint8Array | null;
}

/** A decoded activity (fit-model.ts) with each leg prepared for the store; the device's serial number stays behind. */
export interface PreparedActivity extends Omit<FitActivity, 'legs' | 'serialNumber'> {
  readonly legs: readonly PreparedLeg[];
}

export type PreparedFit = PreparedActivity | FitSkip;

const EXTRA_KEYS: Record<ExtraColumnKey, keyof FitExtraChannels> = {
  power_w: 'power',
  temperature_c: 'temperature',
  vertical_oscillation_mm: 'verticalOscillation',
  ground_contact_ms: 'groundContact',
  stride_length_m: 'strideLength',
  cadence_rpm: 'cadenceRpm',
};

function prepareLeg(leg: FitLeg, deflateLevel: number): PreparedLeg {
  const extras = EXTRA_COLUMNS.map((c) => leg.extras[EXTRA_KEYS[c.key]]);
  const details = { summaryId: '', startTime: leg.startTime, activityType: leg.activityType, durationS: null, distanceM: null, avgHr: null, samples: leg.samples, lapStarts: [] };
  return {
    index: leg.index,
    sport: leg.sport,
    subSport: leg.subSport,
    activityType: leg.activityType,
    transition: leg.transition,
    startTime: leg.startTime,
    totals: leg.totals,
    laps: leg.laps,
    samples: {
      count: leg.samples.length,
      blob: encodeSamples(leg.samples, deflateLevel),
      richness: richnessOf(leg.samples, extras),
      figures: activityIngest.figures(details, leg.activityType),
      analysisVersion: activityIngest.analysisVersion,
    },
    extras: encodeExtras(extras),
    developer: leg.developer === null ? null : packJson(leg.developer),
  };
}

/** Decodes one file's bytes (at most MAX_FIT_BYTES) and prepares each leg; or why it gives none. */
export function prepareFit(bytes: Uint8Array, deflateLevel = IMPORT_DEFLATE_LEVEL): PreparedFit {
  const decoded = decodeFit(bytes);
  if (!decoded.ok) return decoded;
  return {
    ok: true,
    offsetS: decoded.offsetS,
    device: decoded.device,
    legs: decoded.legs.map((leg) => prepareLeg(leg, deflateLevel)),
    truncated: decoded.truncated,
    warnings: decoded.warnings,
  };
}
