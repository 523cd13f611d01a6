import path from 'node:path';
import { app, Menu, nativeImage, Notification, Tray, type MenuItemConstructorOptions } from 'electron';
import type { LoginItemPort } from '../core/ui/app-core.js';
import { applyLinuxAutostart, linuxAutostartFile } from '../core/ui/autostart.js';
import type { DesktopNotification } from '../core/ui/notification-rules.js';
import { START_HIDDEN_ARG } from '../core/ui/permissions.js';
import type { PresenceAction, PresenceModel, TrayIcon } from '../core/ui/presence.js';

/** The PNG of each icon state in resources/tray (Electron picks the @2x file on high-DPI screens). */
export const TRAY_ICON_FILES: Record<TrayIcon, string> = {
  linked: 'tray-linked.png',
  syncing: 'tray-syncing.png',
  reauth: 'tray-reauth.png',
  not_linked: 'tray-not-linked.png',
};

/** The core's menu as Electron's menu template; each click goes back to the core as its action. */
export function menuTemplate(model: PresenceModel, onAction: (action: PresenceAction) => void): MenuItemConstructorOptions[] {
  return model.items.map((item): MenuItemConstructorOptions =>
    item.kind === 'separator'
      ? { type: 'separator' }
      : item.kind === 'toggle'
        ? { type: 'checkbox', label: item.label, enabled: item.enabled, checked: item.checked, click: () => onAction(item.id) }
        : { label: item.label, enabled: item.enabled, click: () => onAction(item.id) },
  );
}

/** The tray (menu-bar) icon; `render` shows the core's current model. */
export function createTray(iconDir: string, onAction: (action: PresenceAction) => void): { render(model: PresenceModel): void; destroy(): void } {
  const image = (icon: TrayIcon) => nativeImage.createFromPath(path.join(iconDir, TRAY_ICON_FILES[icon]));
  const tray = new Tray(image('not_linked'));
  // Windows and most Linux trays: a click opens the window; macOS shows the menu on click itself.
  if (process.platform !== 'darwin') tray.on('click', () => onAction('open'));
  return {
    render(model) {
      tray.setImage(image(model.icon));
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(model, onAction)));
    },
    destroy: () => tray.destroy(),
  };
}

/** Shows one of the core's notifications; a click opens the window. */
export function showNotification(notification: DesktopNotification, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const shown = new Notification({ title: notification.title, body: notification.body });
  shown.on('click', onClick);
  shown.show();
}

/**
 * Start at login, hidden in the tray: macOS login items and Windows' Run key through Electron; on
 * Linux an XDG autostart entry running the AppImage (or this Electron with the app's folder).
 */
export function createLoginItem(): LoginItemPort {
  return {
    apply(openAtLogin) {
      if (process.platform === 'linux') {
        const command = process.env.APPIMAGE ? [process.env.APPIMAGE] : app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
        applyLinuxAutostart(linuxAutostartFile(process.env), openAtLogin, [...command, START_HIDDEN_ARG]);
        return;
      }
      app.setLoginItemSettings({ openAtLogin, args: [START_HIDDEN_ARG] });
    },
  };
}
