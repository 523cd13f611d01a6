import { useEffect } from 'react';
import { useCoaching, useConnection } from './stores';
import { ConnectionCard } from './components/ConnectionCard';
import { AgentsPanel } from './components/AgentsPanel';
import { ActivityPanel } from './components/ActivityPanel';
import { TrainingPanel } from './components/TrainingPanel';
import { WorkoutsPanel } from './components/WorkoutsPanel';
import { ImportCard } from './components/ImportCard';
import { SettingsCard } from './components/SettingsCard';
import { CoachingPages } from './components/CoachingPages';

export function App() {
  const { init, online, setOnline } = useConnection();
  const pageOpen = useCoaching((s) => s.stack.length > 0);
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
        {/* Kept mounted under an open page, so going back finds it as it was. */}
        <div className="overview" hidden={pageOpen}>
          <ConnectionCard />
          <TrainingPanel />
          <WorkoutsPanel />
          <ImportCard />
          <div className="columns">
            <AgentsPanel />
            <ActivityPanel />
          </div>
          <SettingsCard />
        </div>
        <CoachingPages />
      </main>
    </div>
  );
}
