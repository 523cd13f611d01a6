import path from 'node:path';
import { BrowserWindow, session } from 'electron';
import { withRendererCsp } from '../core/ui/csp.js';
import { isPermissionAllowed } from '../core/ui/permissions.js';
import { rendererUrlPolicy } from '../core/ui/renderer-urls.js';


/**
 * The main window, with Electron's security checklist applied: context isolation, sandbox, no
 * Node in the renderer, a strict CSP, no navigation, no new windows, no permissions, web security
 * on, and nothing loaded from the network. `show: false` starts it hidden (started at login: tray only).
 */
export function createMainWindow(appDir: string, options: { show?: boolean } = {}): { window: BrowserWindow; isTrustedUrl: (url: string) => boolean } {
  const { indexFile, isTrustedUrl, isAllowedRequest } = rendererUrlPolicy(appDir);

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(isPermissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => isPermissionAllowed(permission));
  ses.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withRendererCsp(details.responseHeaders) }));
  // The renderer loads only its own files; anything else (a remote script, a tracking pixel) is cancelled.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url) });
  });

  const window = new BrowserWindow({
    width: 1100,
    height: 780,
    minWidth: 720,
    minHeight: 560,
    title: 'R42 Companion',
    show: false,
    backgroundColor: '#f3f5f8',
    webPreferences: {
      preload: path.join(appDir, 'dist/preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      // Middle-click would open links in a new window; the app has none to open.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (options.show !== false) window.once('ready-to-show', () => window.show());
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-redirect', (event) => event.preventDefault());
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  // The UI has no links that open windows; nothing may.
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadFile(indexFile);
  return { window, isTrustedUrl };
}
