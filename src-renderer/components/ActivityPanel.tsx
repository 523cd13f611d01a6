import { useEffect } from 'react';
import { useActivity, useConnection } from '../stores';
import { describeEntry } from '../stores/activity-store';
import { formatDateTime } from '../format';

export function ActivityPanel() {
  const { entries, load } = useActivity();
  const view = useConnection((s) => s.view);
  useEffect(() => {
    void load();
  }, [load, view]);
  return (
    <section className="card" aria-labelledby="activity-title">
      <header className="card-header">
        <h2 id="activity-title">Activity</h2>
        <button type="button" className="small" onClick={() => void load()}>
          Refresh
        </button>
      </header>
      {entries.length === 0 ? (
        <p className="empty">Nothing has happened yet.</p>
      ) : (
        <ol className="activity" aria-label="Security events, newest first">
          {entries.map((entry) => {
            const { label, detail } = describeEntry(entry);
            return (
              <li key={entry.id}>
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                <span className="event">{label}</span>
                {detail && <span className="muted">{detail}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
