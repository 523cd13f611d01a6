/**
 * What a FIT file gives (fit-decode.ts): an activity of one or more legs, each with its samples in
 * the analysis' shape, the watch's own laps and totals, channels the API does not carry and the
 * developer fields; or the reason it gives none. Plain shapes, no decoding here.
 */
import type { RawSample } from '../analysis/samples.js';
import type { WatchLap, WatchTotals } from '../../../src-common/coaching-contract.js';
import { MAX_FIT_BYTES } from '../../../src-common/limits.js';

/** Why a file gives no activity: a stable code and plain words. */
export interface FitSkip {
  readonly ok: false;
  readonly reason: FitSkipReason;
  readonly message: string;
}

export type FitSkipReason =
  | 'empty'
  | 'not_fit'
  | 'too_large'
  | 'not_activity'
  | 'no_data'
  | 'damaged'
  | 'unreadable'
  | 'unsafe_entry'
  | 'symlink'
  | 'symlink_loop'
  | 'zip_bomb'
  | 'too_many_files'
  | 'not_fit_or_zip'
  | 'zip_damaged'
  | 'decoder_failed';

/** A file that could not be read for one of the reasons above (an archive entry larger than declared…). */
export class FitReadError extends Error {
  override readonly name = 'FitReadError';
  constructor(
    readonly reason: FitSkipReason,
    message: string,
  ) {
    super(message);
  }
}

/** The largest FIT file read, and why (src-common/limits.ts). */
export { MAX_FIT_BYTES };

/** Deflate's level for an imported file's samples: a batch of thousands of files takes half the time of 9 for 0.3 % more bytes. */
export const IMPORT_DEFLATE_LEVEL = 6;

/** A lap as the watch recorded it (its own totals, not recomputed): the contract's lap, numbered when it is answered. */
export type FitLap = Omit<WatchLap, 'index'>;

/** Per-sample channels the API does not carry, index-aligned with the leg's samples. */
export interface FitExtraChannels {
  readonly power: Array<number | null>;
  readonly temperature: Array<number | null>;
  readonly verticalOscillation: Array<number | null>;
  readonly groundContact: Array<number | null>;
  readonly strideLength: Array<number | null>;
  /** Pedal or stroke cadence (rpm) of rides and other non-foot sports. */
  readonly cadenceRpm: Array<number | null>;
}

/** Developer (Connect IQ) fields as the file holds them: each field's description and its raw values per sample. */
export interface FitDeveloperData {
  readonly fields: ReadonlyArray<{ readonly key: number; readonly app: string | null; readonly developerDataIndex: number | null; readonly name: string | null; readonly units: string | null }>;
  /** Per field key: the sample-aligned values (null where a sample has none). */
  readonly records: Readonly<Record<string, ReadonlyArray<unknown>>>;
  /** Per field key: the value on the session message, where there is one. */
  readonly session: Readonly<Record<string, unknown>>;
}

export interface FitLeg {
  /** 0-based, in the file's order. */
  readonly index: number;
  readonly sport: string;
  readonly subSport: string | null;
  /** Garmin's activityType for this sport (RUNNING, TRAIL_RUNNING, ROAD_BIKING, LAP_SWIMMING, TRANSITION…). */
  readonly activityType: string;
  readonly transition: boolean;
  /** Epoch seconds (UTC). */
  readonly startTime: number;
  readonly totals: WatchTotals;
  readonly laps: readonly FitLap[];
  readonly samples: readonly RawSample[];
  readonly extras: FitExtraChannels;
  readonly developer: FitDeveloperData | null;
}

export interface FitActivity {
  readonly ok: true;
  /** Seconds to add to UTC for the watch's local time (its activity message's local_timestamp), or null when the file does not say. */
  readonly offsetS: number | null;
  readonly device: string | null;
  readonly serialNumber: number | null;
  readonly legs: readonly FitLeg[];
  /** The file's CRC failed (cut off mid-write): what it holds was read. */
  readonly truncated: boolean;
  readonly warnings: readonly string[];
}

export type FitDecoded = FitActivity | FitSkip;

