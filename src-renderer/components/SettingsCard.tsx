import { useEffect, useState } from 'react';
import type { DesktopSettingsView, ErrorView } from '../../src-common/ipc-contract';
import { bridge, toErrorView } from '../bridge';

/** The desktop app's own settings: for now, starting at login (off until the runner turns it on). */
export function SettingsCard() {
  const [settings, setSettings] = useState<DesktopSettingsView | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    bridge.settings().then(setSettings, (e: unknown) => setError(toErrorView(e)));
  }, []);

  const toggle = async (openAtLogin: boolean) => {
    setSaving(true);
    setError(null);
    try {
      setSettings(await bridge.setOpenAtLogin(openAtLogin));
    } catch (e) {
      setError(toErrorView(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-title">
      <header className="card-header">
        <h2 id="settings-title">On this computer</h2>
      </header>
      <div className="card-body">
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={settings?.openAtLogin ?? false}
            disabled={!settings?.openAtLoginAvailable || saving}
            onChange={(e) => void toggle(e.currentTarget.checked)}
          />{' '}
          Start R42 Companion when I log in
        </label>
        <p className="muted small">
          {settings && !settings.openAtLoginAvailable
            ? 'Only the desktop app can start at login; this window runs in a browser.'
            : 'It starts in the tray (menu bar), so your agents get their token without you opening it. Closing the window keeps it running there; Quit in its menu stops it.'}
        </p>
        {error && (
          <p className="banner error" role="alert">
            {error.message}
          </p>
        )}
      </div>
    </section>
  );
}
