/* Electron composition root: wires the ports into the core and the core into the window and the
   tray. Nothing else lives here; all behaviour is in src-main/core, tested without Electron. */
import path from 'node:path';
import { app, dialog, powerMonitor, type BrowserWindow } from 'electron';
import { createKeytarSecretStore } from './adapters/keytar-secret-store.js';
import { isCompanionError } from './core/errors.js';
import { fileURLToPath } from 'node:url';
import { loadConfig, PACKAGED_DEFAULTS_FILE, readPackagedDefaults } from './core/config.js';
import { createFileLogger } from './core/logging.js';
import { startAppCore, type AppCore } from './core/ui/app-core.js';
import { shouldStartHidden } from './core/ui/permissions.js';
import { closeAction } from './core/ui/presence.js';
import { createExternalBrowser } from './electron/external-browser.js';
import { registerIpc, sendState } from './electron/ipc-router.js';
import { createLoginItem, createTray, showNotification } from './electron/presence-shell.js';
import { createMainWindow } from './electron/window.js';

const appDir = app.getAppPath();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let core: AppCore | null = null;
  let mainWindow: BrowserWindow | null = null;
  let quitting = false;

  const showWindow = () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };

  app.on('second-instance', showWindow);
  // macOS: clicking the Dock icon brings the window back from the tray.
  app.on('activate', showWindow);

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  void app.whenReady().then(async () => {
    let logger: ReturnType<typeof createFileLogger>;
    try {
      // R42_HOME defaults to the OS app-data folder, which is Electron's userData for this product.
      // R42's defaults (client id, server URL) come from dist/defaults.json, written by `npm run dist`.
      const defaults = readPackagedDefaults(fileURLToPath(new URL(`../${PACKAGED_DEFAULTS_FILE}`, import.meta.url)));
      const config = loadConfig({ R42_HOME: app.getPath('userData'), ...process.env }, process.platform, defaults);
      logger = createFileLogger(config.paths.logFile, config.logLevel);
      core = await startAppCore({
        config,
        secrets: createKeytarSecretStore(config.keychainService),
        browser: createExternalBrowser(),
        logger,
        loginItem: createLoginItem(),
        // The bundled CLI, run by this same binary as plain Node, makes a refresh that must outlive the app.
        refreshHelper: { command: process.execPath, args: [path.join(appDir, 'dist/cli/index.js')], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', R42_HOME: config.paths.home } },
        // FIT files are decoded in a worker thread, from a plain file: electron-builder.yml unpacks it from the asar.
        fitWorker: path.join(appDir.replace(/\.asar$/, '.asar.unpacked'), 'dist/cli/fit-worker.mjs'),
      });
    } catch (error) {
      // A bad setting or an unwritable data folder: say so and what to do, instead of a silent hang.
      const detail = isCompanionError(error) ? `${error.message} [${error.code}]` : 'An unexpected error stopped R42 Companion from starting.';
      dialog.showErrorBox('R42 Companion cannot start', detail);
      app.exit(1);
      return;
    }
    const startHidden = shouldStartHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin);
    const { window, isTrustedUrl } = createMainWindow(appDir, { show: !startHidden });
    mainWindow = window;
    const unregister = registerIpc(window, core.dispatch, isTrustedUrl);
    const unsubscribe = core.service.subscribe((state) => sendState(window, state));
    powerMonitor.on('resume', () => void core?.resume());

    let tray: ReturnType<typeof createTray> | null = null;
    try {
      tray = createTray(path.join(appDir, 'resources/tray'), (action) => void presence.activate(action));
    } catch {
      // A desktop without a status area: closing the window then quits (closeAction).
      logger.log('warn', 'app.tray_unavailable', {});
    }
    const presence = core.startPresence({
      render: (model) => tray?.render(model),
      notify: (notification) => showNotification(notification, showWindow),
      showWindow,
      quit: () => app.quit(),
    });
    if (startHidden && !tray) showWindow();

    window.on('close', (event) => {
      if (closeAction({ quitting, trayShown: tray !== null }) === 'hide') {
        event.preventDefault();
        window.hide();
      }
    });
    window.on('closed', () => {
      unsubscribe();
      unregister();
      tray?.destroy();
      mainWindow = null;
      app.quit();
    });
  });

  app.on('before-quit', (event) => {
    if (quitting || !core) return;
    event.preventDefault();
    quitting = true;
    void core.stop().finally(() => app.quit());
  });
}
