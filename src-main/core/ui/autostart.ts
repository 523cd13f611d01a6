import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Start at login on Linux, where Electron's setLoginItemSettings does nothing: an XDG autostart
 * entry (freedesktop.org "Desktop Application Autostart"), which GNOME, KDE and Xfce honour.
 */
export function linuxAutostartFile(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME?.trim() || path.join(env.HOME ?? '', '.config');
  return path.join(configHome, 'autostart', 'r42-companion.desktop');
}

/** One Exec argument quoted as the Desktop Entry spec asks (double quotes; \, ", `, $ escaped). */
const quoteExecArg = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`);

/** The autostart entry that runs `command` (the AppImage, or Electron with the app folder). */
export function linuxAutostartEntry(command: readonly string[]): string {
  return ['[Desktop Entry]', 'Type=Application', 'Name=R42 Companion', `Exec=${command.map(quoteExecArg).join(' ')}`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}

/** Writes the entry when `openAtLogin`, removes it otherwise. */
export function applyLinuxAutostart(file: string, openAtLogin: boolean, command: readonly string[]): void {
  if (!openAtLogin) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, linuxAutostartEntry(command), { mode: 0o644 });
}
