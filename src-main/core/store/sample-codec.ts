/**
 * A compact, versioned encoding of an activity's samples (Garmin's activityDetails: 50–500 KB of
 * JSON per activity) for one BLOB column.
 *
 * Format 1: byte 0 is the format version, byte 1 the compression (1 = deflate-raw). The compressed
 * payload is varints: the sample count, a bit mask of the channels present, then each present
 * channel as a column. A column holds each sample's value quantised to an integer (time in ms,
 * distance and elevation in cm, speed in mm/s, HR and cadence in 0.1, positions in 1e-7°), as
 * zig-zag deltas from the last present value plus one; 0 marks a missing value. Deltas of steady
 * signals are small and repetitive, which is what deflate compresses best: an hour of 1 s samples
 * with GPS takes about 20–30 KB.
 *
 * Nothing is cleaned here: duplicates, disorder and absurd values are kept (an absurd value beyond
 * what the integers can hold is clamped, still absurd), so the analysis judges the stored series
 * exactly as it would judge Garmin's JSON. A missing or non-finite value decodes as null (a missing
 * time as NaN, which the analysis drops and counts).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { RawSample } from '../../../src-common/activity-samples.js';

export const SAMPLE_FORMAT_VERSION = 1;
const COMPRESSION_DEFLATE_RAW = 1;

/** The channels, in column order, with the integer scale each is kept at. */
export const SAMPLE_CHANNELS = [
  { key: 't', scale: 1000 },
  { key: 'distance', scale: 100 },
  { key: 'hr', scale: 10 },
  { key: 'speed', scale: 1000 },
  { key: 'cadence', scale: 10 },
  { key: 'elevation', scale: 100 },
  { key: 'lat', scale: 1e7 },
  { key: 'lon', scale: 1e7 },
] as const satisfies ReadonlyArray<{ key: keyof RawSample; scale: number }>;

/** Quantised values stay within ±2^49, so deltas and their zig-zag form stay exact in a double. */
const LIMIT = 2 ** 49;

class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  varint(value: number): void {
    // Arithmetic, not bit operations: values go past 2^32.
    let v = value;
    if (this.length + 8 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    while (v >= 128) {
      this.buf[this.length++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  varint(): number {
    let value = 0;
    let factor = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('sample column ends early');
      const byte = this.buf[this.pos++]!;
      value += (byte % 128) * factor;
      if (byte < 128) return value;
      factor *= 128;
      if (factor > 2 ** 56) throw new Error('sample varint too long');
    }
  }
}

const quantise = (v: unknown, scale: number): number | null => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const q = Math.round(v * scale);
  return Math.max(-LIMIT, Math.min(LIMIT, q));
};
const zigzag = (d: number) => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/**
 * Format 1 of quantised columns of `n` values each: the header bytes, then deflated (at `level`)
 * the count, the mask of present columns and each present column as zig-zag deltas from the last
 * present value plus one (0 = missing).
 */
function packColumns(n: number, columns: ReadonlyArray<ReadonlyArray<number | null>>, level: number): Buffer {
  let mask = 0;
  columns.forEach((col, c) => {
    if (col.some((v) => v !== null)) mask += 2 ** c;
  });
  const w = new ByteWriter();
  w.varint(n);
  w.varint(mask);
  columns.forEach((col, c) => {
    if ((Math.floor(mask / 2 ** c) & 1) === 0) return;
    let prev = 0;
    for (const q of col) {
      if (q === null) {
        w.varint(0);
        continue;
      }
      w.varint(zigzag(q - prev) + 1);
      prev = q;
    }
  });
  const compressed = deflateRawSync(w.bytes(), { level });
  const out = Buffer.allocUnsafe(2 + compressed.length);
  out[0] = SAMPLE_FORMAT_VERSION;
  out[1] = COMPRESSION_DEFLATE_RAW;
  compressed.copy(out, 2);
  return out;
}

/**
 * The columns of a format 1 BLOB at their scales: each present one as a Float64Array, NaN where a
 * value is missing (a decoded value is always finite), null for one not present. Throws on a
 * format it does not know or a damaged one.
 */
function unpackColumns(scales: readonly number[], blob: Uint8Array): { n: number; columns: Array<Float64Array | null> } {
  if (blob.length < 2 || blob[0] !== SAMPLE_FORMAT_VERSION || blob[1] !== COMPRESSION_DEFLATE_RAW) {
    throw new Error(`unknown sample format ${blob[0] ?? '?'}/${blob[1] ?? '?'}`);
  }
  const r = new ByteReader(inflateRawSync(blob.subarray(2)));
  const n = r.varint();
  const mask = r.varint();
  const columns = scales.map((scale, c) => {
    if ((Math.floor(mask / 2 ** c) & 1) === 0) return null;
    const col = new Float64Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const z = r.varint();
      if (z === 0) {
        col[i] = Number.NaN;
        continue;
      }
      prev += unzigzag(z - 1);
      col[i] = prev / scale;
    }
    return col;
  });
  return { n, columns };
}

const SAMPLE_SCALES = SAMPLE_CHANNELS.map((channel) => channel.scale);

/**
 * Encodes samples (any order, any values) into format 1. `level`: deflate's (9 by default; a batch
 * import of thousands of files uses 6, which is about half the time for 0.3 % more bytes).
 */
export function encodeSamples(samples: readonly RawSample[], level = 9): Buffer {
  return packColumns(samples.length, SAMPLE_CHANNELS.map(({ key, scale }) => samples.map((s) => quantise(s[key], scale))), level);
}

/** Decodes a BLOB written by encodeSamples; throws on a format it does not know or a damaged one. */
export function decodeSamples(blob: Uint8Array): RawSample[] {
  // Columns as Float64Arrays, then one object per sample: no boxed number arrays in between,
  // which were most of a details query's garbage.
  const { n, columns } = unpackColumns(SAMPLE_SCALES, blob);
  const out: RawSample[] = new Array(n);
  const [t, distance, hr, speed, cadence, elevation, lat, lon] = columns;
  const at = (col: Float64Array | null | undefined, i: number): number | null => {
    if (!col) return null;
    const v = col[i]!;
    return v === v ? v : null; // NaN: missing
  };
  for (let i = 0; i < n; i++) {
    out[i] = {
      t: t ? t[i]! : Number.NaN,
      distance: at(distance, i),
      hr: at(hr, i),
      speed: at(speed, i),
      cadence: at(cadence, i),
      elevation: at(elevation, i),
      lat: at(lat, i),
      lon: at(lon, i),
    };
  }
  return out;
}

/** Small JSON kept compressed (a day of stress or SpO2 values): deflate-raw of the UTF-8 text. */
export function packJson(value: unknown): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9 });
}

export function unpackJson(blob: Uint8Array): unknown {
  return JSON.parse(inflateRawSync(blob).toString('utf8'));
}

/**
 * Any set of sample-aligned channels (what a FIT file records beyond the API: power, temperature,
 * running dynamics) in format 1's layout: the count, the mask of present columns, each column as
 * zig-zag deltas of its values quantised at its scale (0 = missing), deflated. `scales` names the
 * columns' order; decoding needs the same scales.
 */
export function encodeColumns(scales: readonly number[], columns: ReadonlyArray<ReadonlyArray<number | null>>): Buffer {
  return packColumns(columns[0]?.length ?? 0, columns.map((col, c) => col.map((v) => quantise(v, scales[c]!))), 4);
}

/** The columns written by encodeColumns with the same scales (a column not present is all null). */
export function decodeColumns(scales: readonly number[], blob: Uint8Array): Array<Array<number | null>> {
  const { n, columns } = unpackColumns(scales, blob);
  return columns.map((col) => (col ? Array.from(col, (v) => (v === v ? v : null)) : new Array<number | null>(n).fill(null)));
}
