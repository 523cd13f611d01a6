/**
 * Where FIT files come from on disk: files, folders (walked one entry at a time) and zip archives
 * such as Garmin Connect's export (FIT files in zips inside the zip), read by random access with
 * yauzl: one entry at a time, an inner zip streamed to a bounded temporary file in the owner-only
 * data folder and removed as soon as it is read; never unpacked whole to disk or memory.
 *
 * What is refused, each with its reason and without reading it: a symbolic link inside an archive,
 * an entry named with `../` or an absolute path, an entry larger than a FIT file can be or
 * compressed more than any real file is (a zip bomb), archives nested more than two deep, an entry
 * whose bytes are not the size the archive declares, a folder reached again through a symbolic
 * link (a loop), more files than one import takes.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, opendir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { FitSource } from '../../../src-common/coaching-contract.js';
import { FitReadError, MAX_FIT_BYTES, type FitSkipReason } from './fit-model.js';
import type { ImportInput, ImportRefusal } from './fit-import.js';

export interface SourceLimits {
  /** Files one import reads (a 10-year export holds about 4,000). */
  readonly maxFiles: number;
  /** The largest zip inside a zip (Garmin's export splits its files into parts of about 1–2 GB). */
  readonly maxInnerZipBytes: number;
  /** The highest compression ratio believed: FIT files deflate about 2–5×, a zip bomb thousands of times. */
  readonly maxRatio: number;
}

export const DEFAULT_LIMITS: SourceLimits = { maxFiles: 50_000, maxInnerZipBytes: 8 * 1024 * 1024 * 1024, maxRatio: 100 };

export interface SourceOptions {
  /** An owner-only folder for an inner zip while it is read (the data folder's import-tmp). */
  readonly tmpDir: string;
  /** What files given directly or found in folders are called (zip entries are `export`). */
  readonly source?: FitSource;
  readonly limits?: SourceLimits;
  readonly signal?: AbortSignal;
}


const refuse = (name: string, reason: FitSkipReason, message: string): ImportRefusal => ({ kind: 'skip', name, reason, message });

interface WalkState {
  files: number;
  stopped: boolean;
  readonly dirs: Set<string>;
  readonly options: SourceOptions;
  readonly limits: SourceLimits;
}

/** Every importable file under `paths` (files, folders, zips), in order, one at a time. */
export async function* inputsFromPaths(paths: readonly string[], options: SourceOptions): AsyncGenerator<ImportInput> {
  const state: WalkState = { files: 0, stopped: false, dirs: new Set(), options, limits: options.limits ?? DEFAULT_LIMITS };
  for (const given of paths) {
    if (state.stopped) return;
    yield* walk(path.resolve(given), given, state, true);
  }
}

function countFile(state: WalkState, shown: string): ImportRefusal | null {
  if (state.files < state.limits.maxFiles) {
    state.files++;
    return null;
  }
  state.stopped = true;
  return refuse(shown, 'too_many_files', `Stopped after ${state.limits.maxFiles} files: one import takes at most that many; import the rest separately.`);
}

async function* walk(full: string, shown: string, state: WalkState, given: boolean): AsyncGenerator<ImportInput> {
  state.options.signal?.throwIfAborted();
  let info;
  try {
    info = await lstat(full);
    if (info.isSymbolicLink()) {
      // A link is followed to what it names; a link that leads back into a folder being read is a loop.
      try {
        full = await realpath(full);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        yield code === 'ELOOP' ? refuse(shown, 'symlink_loop', 'A symbolic link that leads back to itself (a loop): skipped.') : refuse(shown, 'unreadable', `A symbolic link to nothing (${code ?? 'error'}).`);
        return;
      }
      info = await stat(full);
    }
  } catch (error) {
    yield refuse(shown, 'unreadable', `Cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    return;
  }
  if (info.isDirectory()) {
    const key = `${info.dev}:${info.ino}`;
    if (state.dirs.has(key)) {
      yield refuse(shown, 'symlink_loop', 'This folder is already being read (a symbolic link leads back into it): skipped.');
      return;
    }
    state.dirs.add(key);
    let dir;
    try {
      dir = await opendir(full);
    } catch (error) {
      yield refuse(shown, 'unreadable', `The folder cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
      return;
    }
    for await (const entry of dir) {
      if (state.stopped) break;
      yield* walk(path.join(full, entry.name), path.join(shown, entry.name), state, false);
    }
    return;
  }
  if (!info.isFile()) {
    if (given) yield refuse(shown, 'not_fit_or_zip', 'Not a file (a device or a socket).');
    return;
  }
  const lower = full.toLowerCase();
  if (lower.endsWith('.fit')) {
    const over = countFile(state, shown);
    if (over) {
      yield over;
      return;
    }
    const size = info.size;
    yield {
      kind: 'file',
      name: shown,
      source: state.options.source ?? 'file',
      bytes: size,
      read: async () => {
        const bytes = await readFile(full);
        // Changed while queued: the bound is on what is read, not on what was listed.
        if (bytes.length > MAX_FIT_BYTES) throw new FitReadError('too_large', `The file is ${bytes.length} bytes; a watch's activity is under ${MAX_FIT_BYTES / 1024 / 1024} MB.`);
        return bytes;
      },
    };
    return;
  }
  if (lower.endsWith('.zip')) {
    yield* zipEntries(full, shown, 0, state);
    return;
  }
  // In a folder anything else (photos, notes) is not counted; named on the command line it is said.
  if (given) yield refuse(shown, 'not_fit_or_zip', 'Neither a FIT file (.fit) nor a zip archive (.zip).');
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (error, zip) => (error ? reject(error) : resolve(zip)));
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

/** An entry's bytes, at most `max` (its declared size was checked; yauzl checks the real one against it). */
async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Uint8Array> {
  let stream: Readable;
  try {
    stream = await openEntry(zip, entry);
  } catch (error) {
    throw new FitReadError('zip_damaged', `The archive entry cannot be read (${(error as Error).message}).`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > max) {
        stream.destroy();
        throw new FitReadError('zip_bomb', 'The entry unpacks to more than the archive declares (a zip bomb): not read further.');
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FitReadError) throw error;
    throw new FitReadError('zip_bomb', `The entry's bytes are not what the archive declares (${(error as Error).message}): not read further.`);
  }
  return Buffer.concat(chunks, total);
}

/** The entry's name as written (UTF-8 when flagged, else code page 437's ASCII part). */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown;
  if (typeof raw === 'string') return raw;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  return (entry.generalPurposeBitFlag & 0x800) !== 0 ? bytes.toString('utf8') : bytes.toString('latin1');
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

async function* zipEntries(file: string, shown: string, depth: number, state: WalkState): AsyncGenerator<ImportInput> {
  const { limits } = state;
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    yield refuse(shown, 'zip_damaged', `Not a readable zip archive (${(error as Error).message}).`);
    return;
  }
  try {
    for (;;) {
      if (state.stopped) return;
      state.options.signal?.throwIfAborted();
      let entry: yauzl.Entry | null;
      try {
        entry = await nextEntry(zip);
      } catch (error) {
        yield refuse(shown, 'zip_damaged', `The archive is damaged (${(error as Error).message}); the entries before it were read.`);
        return;
      }
      if (entry === null) return;
      const name = entryName(entry);
      const inner = `${shown}/${name}`;
      if (name.endsWith('/')) continue;
      const unsafe = yauzl.validateFileName(name);
      if (unsafe !== null) {
        yield refuse(inner, 'unsafe_entry', `An entry named with ${/^\/|^[a-zA-Z]:/.test(name) ? 'an absolute path' : /\\/.test(name) ? 'backslashes' : '"../"'}: never read.`);
        continue;
      }
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        yield refuse(inner, 'symlink', 'A symbolic link inside the archive: never followed.');
        continue;
      }
      const lower = name.toLowerCase();
      const isFit = lower.endsWith('.fit');
      const isZip = lower.endsWith('.zip');
      if (!isFit && !isZip) continue;
      const ratio = entry.compressedSize > 0 ? entry.uncompressedSize / entry.compressedSize : entry.uncompressedSize > 0 ? Infinity : 1;
      if (ratio > limits.maxRatio && entry.uncompressedSize > 64 * 1024) {
        yield refuse(inner, 'zip_bomb', `The entry unpacks ${Math.round(Math.min(ratio, 1e9))} times its packed size; no real file compresses that well (a zip bomb): never read.`);
        continue;
      }
      const e = entry;
      if (isFit) {
        if (e.uncompressedSize > MAX_FIT_BYTES) {
          yield refuse(inner, 'too_large', `The entry is ${e.uncompressedSize} bytes; a watch's activity is under ${MAX_FIT_BYTES / 1024 / 1024} MB.`);
          continue;
        }
        const over = countFile(state, inner);
        if (over) {
          yield over;
          return;
        }
        yield { kind: 'file', name: inner, source: 'export', bytes: e.uncompressedSize, read: () => readEntry(zip, e, e.uncompressedSize) };
        continue;
      }
      if (depth >= 1) {
        yield refuse(inner, 'zip_bomb', 'A zip inside a zip inside a zip: archives are read at most two deep.');
        continue;
      }
      if (e.uncompressedSize > limits.maxInnerZipBytes) {
        yield refuse(inner, 'too_large', `The inner archive is ${e.uncompressedSize} bytes, more than the ${limits.maxInnerZipBytes} read.`);
        continue;
      }
      // The inner zip, streamed to a bounded temporary file (random access needs a file), read, removed.
      await mkdir(state.options.tmpDir, { recursive: true, mode: 0o700 });
      const tmp = path.join(state.options.tmpDir, `${randomUUID()}.zip`);
      try {
        try {
          let written = 0;
          const bound = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              written += chunk.length;
              done(written > e.uncompressedSize ? new FitReadError('zip_bomb', 'The inner archive unpacks to more than declared (a zip bomb).') : null, chunk);
            },
          });
          await pipeline(await openEntry(zip, e), bound, createWriteStream(tmp, { mode: 0o600 }));
        } catch (error) {
          yield refuse(inner, error instanceof FitReadError ? error.reason : 'zip_bomb', error instanceof FitReadError ? error.message : `The inner archive's bytes are not what the archive declares (${(error as Error).message}).`);
          continue;
        }
        yield* zipEntries(tmp, inner, depth + 1, state);
      } finally {
        await rm(tmp, { force: true });
      }
    }
  } finally {
    zip.close();
  }
}
