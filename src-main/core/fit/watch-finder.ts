/**
 * Import from watch: a Garmin that connects over USB as a drive (mass storage) shows its recorded
 * activities as `GARMIN/Activity/*.fit` on a removable volume: under `/Volumes` on macOS, `/media`
 * (`/media/<user>/<label>`) and `/run/media` (`/run/media/<user>/<label>`) on Linux, a drive letter
 * on Windows. The roots are a parameter, so a test passes a fake volume. Newer watches connect over
 * MTP, which no program can read as a drive: the note says so and points to Garmin Connect's export.
 * Saving a workout to the watch (workouts/fit-export.ts) finds the drive's GARMIN folder here too.
 */
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

export const MTP_NOTE =
  'No Garmin watch is connected as a drive. Newer watches (most since 2019) connect over MTP, which cannot be read as a drive: ' +
  'in Garmin Connect choose Account → Data Management → Export Your Data, and import the zip Garmin sends you.';

/** Where removable volumes appear on this system. */
export function defaultWatchRoots(platform: NodeJS.Platform): string[] {
  if (platform === 'darwin') return ['/Volumes'];
  if (platform === 'win32') return 'DEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((letter) => `${letter}:\\`);
  return ['/media', '/run/media'];
}

/** A folder's child folder of that name in any case (FAT keeps GARMIN, Garmin, garmin alike; a link to a folder counts), or null. */
export async function childFolder(dir: string, name: string): Promise<string | null> {
  try {
    for await (const entry of await opendir(dir)) {
      if (entry.name.toLowerCase() !== name.toLowerCase()) continue;
      const child = path.join(dir, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && (await stat(child).then((s) => s.isDirectory(), () => false)))) return child;
    }
  } catch {
    // Not readable: not a watch.
  }
  return null;
}

async function subfolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of await opendir(dir)) if (entry.isDirectory()) out.push(path.join(dir, entry.name));
  } catch {
    // A root that does not exist here (no /run/media, no drive E:).
  }
  return out;
}

/** Every `GARMIN` folder on a volume under the roots (a root itself, its children, and theirs for `/media/<user>/<label>`). */
export async function findGarminFolders(roots: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const root of roots) {
    const candidates = [root, ...(await subfolders(root))];
    for (const level1 of [...candidates]) if (level1 !== root) candidates.push(...(await subfolders(level1)));
    for (const volume of candidates) {
      const garmin = await childFolder(volume, 'GARMIN');
      if (garmin && !found.includes(garmin)) found.push(garmin);
    }
  }
  return found;
}

/** Every `GARMIN/Activity` folder on a volume under the roots. */
export async function findWatchFolders(roots: readonly string[]): Promise<{ found: string[]; note: string | null }> {
  const found: string[] = [];
  for (const garmin of await findGarminFolders(roots)) {
    const activity = await childFolder(garmin, 'Activity');
    if (activity) found.push(activity);
  }
  return { found, note: found.length ? null : MTP_NOTE };
}
