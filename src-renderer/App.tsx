import { useEffect } from 'react';
import { useConnection } from './stores';
import { ConnectionCard } from './components/ConnectionCard';
import { AgentsPanel } from './components/AgentsPanel';
import { ActivityPanel } from './components/ActivityPanel';
import { TrainingPanel } from './components/TrainingPanel';
import { SettingsCard } from './components/SettingsCard';

export function App() {
  const { init, online, setOnline } = useConnection();
  useEffect(() => init(), [init]);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, [setOnline]);
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            R42
          </span>
          <h1>R42 Companion</h1>
        </div>
        {!online && (
          <span className="pill warn" role="status" data-testid="offline">
            Offline: agents keep getting the current token while it is valid
          </span>
        )}
      </header>
      <main id="main">
        <ConnectionCard />
        <TrainingPanel />
        <div className="columns">
          <AgentsPanel />
          <ActivityPanel />
        </div>
        <SettingsCard />
      </main>
    </div>
  );
}
