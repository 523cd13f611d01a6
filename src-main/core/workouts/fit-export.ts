/**
 * Where a workout's FIT file goes: a file or folder the runner names, or a watch connected over
 * USB as a drive, into its `GARMIN/NewFiles`, where the watch takes new files in at its next
 * start. Written next to its place and renamed into it, so a watch (or a half-full disk) never
 * sees half a file. Newer watches connect over MTP and show no drive: that is said, with what to
 * do instead. The roots where drives appear are a parameter, so a test passes a fake volume.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompanionError } from '../errors.js';
import { childFolder, findGarminFolders } from '../fit/watch-finder.js';

export const MTP_WORKOUT_NOTE =
  'No Garmin watch is connected as a drive. Newer watches (most since 2019) connect over MTP, which cannot be written as a drive: ' +
  'save the file with --out and copy it into the watch’s GARMIN/NewFiles with an MTP file manager (your desktop’s file manager on Linux, Android File Transfer on a Mac), ' +
  'or approve the workout so Garmin Connect sends it to the watch (Garmin Connect’s Import Data does not take workout files).';

/** Writes `bytes` to `file` through a temporary file beside it and a rename. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CompanionError('storage_error', `Cannot write ${file} (${code}). Check that the folder exists and is writable, and that the disk is not full.`, { cause: error });
  }
}

export type FitTarget = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'watch'; readonly mount?: string; readonly roots: readonly string[] };

/** Saves a workout's FIT file where the runner chose; answers where it went. */
export async function saveFit(bytes: Uint8Array, fileName: string, target: FitTarget): Promise<{ path: string; to: 'file' | 'watch' }> {
  if (target.kind === 'file') {
    const given = path.resolve(target.path);
    const isFolder = await stat(given).then((s) => s.isDirectory(), () => false);
    const file = isFolder ? path.join(given, fileName) : given;
    await writeAtomically(file, bytes);
    return { path: file, to: 'file' };
  }
  let garmin: string;
  if (target.mount !== undefined) {
    const found = await childFolder(path.resolve(target.mount), 'GARMIN');
    if (!found) throw new CompanionError('not_found', `${target.mount} has no GARMIN folder: is it the watch's drive? ${MTP_WORKOUT_NOTE}`);
    garmin = found;
  } else {
    const found = await findGarminFolders(target.roots);
    if (found.length === 0) throw new CompanionError('not_found', MTP_WORKOUT_NOTE);
    if (found.length > 1) throw new CompanionError('usage', `More than one Garmin drive is connected (${found.map((g) => path.dirname(g)).join(', ')}): name one, \`--watch <its folder>\`.`);
    garmin = found[0]!;
  }
  const newFiles = (await childFolder(garmin, 'NewFiles')) ?? path.join(garmin, 'NewFiles');
  await mkdir(newFiles, { recursive: true });
  const file = path.join(newFiles, fileName);
  await writeAtomically(file, bytes);
  return { path: file, to: 'watch' };
}
