import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonAtomic } from '../store/json-file.js';

/**
 * The desktop app's own choices and memory, in `desktop.json` in the data folder: start at login
 * (off until the runner turns it on) and the notifications already shown (so a restart does not
 * show them again). No secret: condition keys name a Garmin user id or a date at most.
 */
const desktopSettingsSchema = z.object({
  openAtLogin: z.boolean().default(false),
  notified: z.array(z.string().max(200)).max(32).default([]),
});
export type DesktopSettingsData = z.infer<typeof desktopSettingsSchema>;

export const desktopSettingsPath = (home: string) => path.join(home, 'desktop.json');

/** Reads and writes desktop.json; a missing or damaged file reads as the defaults. */
export class DesktopSettings {
  constructor(private readonly home: string) {}

  get(): DesktopSettingsData {
    return readJsonFile(desktopSettingsPath(this.home), desktopSettingsSchema) ?? desktopSettingsSchema.parse({});
  }

  update(patch: { readonly openAtLogin?: boolean; readonly notified?: readonly string[] }): DesktopSettingsData {
    const current = this.get();
    const next = { openAtLogin: patch.openAtLogin ?? current.openAtLogin, notified: [...(patch.notified ?? current.notified)] };
    writeJsonAtomic(desktopSettingsPath(this.home), next);
    return next;
  }
}
