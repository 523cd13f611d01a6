import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ConnectionStatus } from '../../src-main/core/companion.js';
import { presenceModel, type PresenceAction } from '../../src-main/core/ui/presence.js';
import { applyLinuxAutostart, linuxAutostartEntry, linuxAutostartFile } from '../../src-main/core/ui/autostart.js';
import { isPermissionAllowed, shouldStartHidden } from '../../src-main/core/ui/permissions.js';
import { ROOT } from '../support/harness.js';

// Stand-ins for Electron's Tray, Menu, nativeImage, Notification and app: the real module (and its
// binary) is never loaded in tests. They record what the shell asked of Electron.
const calls: Array<[string, ...unknown[]]> = [];
const trays: Array<{ handlers: Map<string, () => void> }> = [];
const notifications: Array<{ options: unknown; handlers: Map<string, () => void> }> = [];
vi.mock('electron', () => ({
  nativeImage: { createFromPath: (file: string) => ({ file }) },
  Menu: { buildFromTemplate: (template: unknown) => ({ template }) },
  Tray: class {
    readonly handlers = new Map<string, () => void>();
    constructor(image: unknown) {
      calls.push(['new Tray', image]);
      trays.push(this);
    }
    on(event: string, handler: () => void) {
      this.handlers.set(event, handler);
    }
    setImage(image: unknown) {
      calls.push(['setImage', image]);
    }
    setToolTip(text: string) {
      calls.push(['setToolTip', text]);
    }
    setContextMenu(menu: unknown) {
      calls.push(['setContextMenu', menu]);
    }
    destroy() {
      calls.push(['destroy']);
    }
  },
  Notification: class {
    static isSupported = () => true;
    readonly handlers = new Map<string, () => void>();
    constructor(readonly options: unknown) {
      notifications.push(this);
    }
    on(event: string, handler: () => void) {
      this.handlers.set(event, handler);
    }
    show() {
      calls.push(['notification.show', this.options]);
    }
  },
  app: {
    setLoginItemSettings: (settings: unknown) => calls.push(['setLoginItemSettings', settings]),
    isPackaged: true,
    getAppPath: () => '/opt/R42 Companion/resources/app.asar',
  },
}));

const { createTray, menuTemplate, showNotification, createLoginItem, TRAY_ICON_FILES } = await import('../../src-main/electron/presence-shell.js');

const linked = {
  state: 'connected',
  connected: true,
  sync: { running: false, streams: [] },
} as unknown as ConnectionStatus;

describe('Electron presence shell', () => {
  it('maps the core’s model to the tray: icon file, tooltip, and a menu whose clicks go back to the core', () => {
    const actions: PresenceAction[] = [];
    const iconDir = path.join(ROOT, 'resources/tray');
    const tray = createTray(iconDir, (a) => actions.push(a));
    const model = presenceModel(linked, { served: true, paused: true });
    tray.render(model);
    expect(calls).toContainEqual(['setImage', { file: path.join(iconDir, 'tray-linked.png') }]);
    expect(calls).toContainEqual(['setToolTip', 'R42 Companion: Garmin linked · agents paused']);
    const template = menuTemplate(model, (a) => actions.push(a));
    expect(template.map((t) => t.type ?? 'normal')).toEqual(['normal', 'normal', 'checkbox', 'separator', 'normal']);
    expect(template[2]).toMatchObject({ label: 'Pause agents', checked: true, enabled: true });
    for (const item of template) item.click?.(undefined as never, undefined as never, undefined as never);
    expect(actions).toEqual(['open', 'sync_now', 'pause_agents', 'quit']);
    tray.destroy();
    expect(calls.at(-1)).toEqual(['destroy']);
  });

  it('has a 16 px and a 32 px (@2x) PNG for every icon state', () => {
    for (const file of Object.values(TRAY_ICON_FILES)) {
      for (const name of [file, file.replace('.png', '@2x.png')]) {
        const png = readFileSync(path.join(ROOT, 'resources/tray', name));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.readUInt32BE(16)).toBe(name.includes('@2x') ? 32 : 16);
      }
    }
  });

  it('shows a notification with the core’s words; a click opens the window', () => {
    let opened = 0;
    showNotification({ kind: 'reauth_required', title: 'Reconnect Garmin', body: 'Your agents get no token until you reconnect.' }, () => opened++);
    expect(calls.at(-1)).toEqual(['notification.show', { title: 'Reconnect Garmin', body: 'Your agents get no token until you reconnect.' }]);
    notifications.at(-1)!.handlers.get('click')!();
    expect(opened).toBe(1);
  });

  it('start at login: setLoginItemSettings on macOS and Windows, an XDG autostart entry on Linux, started hidden', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    const home = mkdtempSync(path.join(tmpdir(), 'r42-autostart-'));
    const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, APPIMAGE: process.env.APPIMAGE };
    try {
      Object.defineProperty(process, 'platform', { value: 'win32' });
      createLoginItem().apply(true);
      expect(calls.at(-1)).toEqual(['setLoginItemSettings', { openAtLogin: true, args: ['--hidden'] }]);

      Object.defineProperty(process, 'platform', { value: 'linux' });
      process.env.XDG_CONFIG_HOME = home;
      process.env.APPIMAGE = '/home/runner/Apps/R42 Companion.AppImage';
      createLoginItem().apply(true);
      const file = path.join(home, 'autostart', 'r42-companion.desktop');
      expect(readFileSync(file, 'utf8')).toContain('Exec="/home/runner/Apps/R42 Companion.AppImage" --hidden\n');
      createLoginItem().apply(false);
      expect(existsSync(file)).toBe(false);
    } finally {
      Object.defineProperty(process, 'platform', platform);
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('shell decisions in the core', () => {
  it('only clipboard writes are granted to the page', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write')).toBe(true);
    for (const p of ['clipboard-read', 'notifications', 'media', 'geolocation', 'openExternal']) expect(isPermissionAllowed(p)).toBe(false);
  });

  it('starts hidden when started at login', () => {
    expect(shouldStartHidden(['/opt/r42', '--hidden'], false)).toBe(true);
    expect(shouldStartHidden(['/opt/r42'], true)).toBe(true);
    expect(shouldStartHidden(['/opt/r42'], false)).toBe(false);
  });

  it('the autostart entry quotes what the Desktop Entry spec asks', () => {
    expect(linuxAutostartFile({ HOME: '/home/r' })).toBe('/home/r/.config/autostart/r42-companion.desktop');
    expect(linuxAutostartEntry(['/opt/a b/r42', '$x"y', '--hidden'])).toContain('Exec="/opt/a b/r42" "\\$x\\"y" --hidden\n');
    const dir = mkdtempSync(path.join(tmpdir(), 'r42-autostart-'));
    applyLinuxAutostart(path.join(dir, 'autostart', 'x.desktop'), false, ['r42']);
    expect(existsSync(path.join(dir, 'autostart', 'x.desktop'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
