import { useEffect } from 'react';
import { useConnection, useTraining } from '../stores';
import { activityLabel, formatDuration, formatPace } from '../stores/training-store';
import { formatWhen } from '../format';
import { WeeklyChart } from './WeeklyChart';

export function TrainingPanel() {
  const sync = useConnection((s) => s.view?.connection.sync ?? null);
  const connected = useConnection((s) => s.view?.connection.connected ?? false);
  const { activities, weeks, weekCount, syncing, lastResult, error, load, setWeekCount, syncNow } = useTraining();
  const lastSync = sync?.lastSyncAt ?? null;
  useEffect(() => {
    void load();
  }, [load, lastSync, sync?.backfill.done]);

  const running = syncing || sync?.running === true;
  const { done = 0, total = 0 } = sync?.backfill ?? {};
  const relay = sync?.relay ?? null;
  const backfilling = total > 0 && done < total;
  const missing = sync?.streams.filter((s) => s.state === 'permission_missing').map((s) => s.stream) ?? [];

  return (
    <section className="card" aria-labelledby="training-title">
      <header className="card-header">
        <h2 id="training-title">Training data</h2>
        <div className="row-inline">
          <span className={`pill ${sync?.stale ? 'warn' : 'ok'}`} data-testid="sync-freshness">
            {lastSync ? `Synced ${formatWhen(lastSync)}` : 'Not synced yet'}
          </span>
          <button type="button" className="primary small" onClick={() => void syncNow()} disabled={running || !connected}>
            {running ? 'Syncing…' : 'Sync now'}
          </button>
        </div>
      </header>
      <p className="muted">Kept on this computer, so your coach can read it offline.</p>
      {(backfilling || running) && total > 0 && (
        <div className="progress-wrap">
          <label htmlFor="sync-progress" className="small muted">
            {relay ? `Asking Garmin for your history: ${done} of ${total} ranges` : backfilling ? `Loading history: ${done} of ${total} day-windows` : 'Catching up with Garmin…'}
          </label>
          <progress id="sync-progress" max={total} value={done} aria-valuetext={`${done} of ${total}`} />
        </div>
      )}
      {relay && connected && (
        <p className="small muted" data-testid="relay-status">
          {relay.historyRequested < relay.historyTotal ? 'Garmin is preparing your history. ' : ''}Garmin sends your data to R42 as it is ready; {relay.summariesReceived}{' '}
          {relay.summariesReceived === 1 ? 'summary' : 'summaries'} received{relay.lastDeliveryAt ? `, the last ${formatWhen(relay.lastDeliveryAt)}` : ''}.
        </p>
      )}
      {missing.length > 0 && (
        <p className="banner warning" role="status">
          Not shared on Garmin: {missing.join(', ')}. Change what you share in Garmin Connect to sync these.
        </p>
      )}
      {lastResult && (
        <p className="small muted" role="status">
          {lastResult}
        </p>
      )}
      {error && (
        <p className="banner error" role="alert">
          {error.message}
        </p>
      )}

      <div className="chart-head">
        <h3 id="weekly-title">Weekly running volume (km)</h3>
        <label className="small">
          <span className="sr-only">Weeks shown</span>
          <select value={weekCount} onChange={(e) => void setWeekCount(Number(e.target.value))} aria-label="Weeks shown">
            <option value={12}>12 weeks</option>
            <option value={26}>26 weeks</option>
            <option value={52}>52 weeks</option>
          </select>
        </label>
      </div>
      <WeeklyChart weeks={weeks} />

      <h3 id="recent-title">Recent activities</h3>
      {activities.length === 0 ? (
        <p className="empty">No activities synced yet.</p>
      ) : (
        <table className="activities" aria-labelledby="recent-title">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Type</th>
              <th scope="col" className="num">Distance</th>
              <th scope="col" className="num">Time</th>
              <th scope="col" className="num">Pace</th>
              <th scope="col" className="num">HR</th>
            </tr>
          </thead>
          <tbody>
            {activities.map((a) => (
              <tr key={a.summary_id}>
                <td>{a.local_date}</td>
                <td>{activityLabel(a.type)}</td>
                <td className="num">{a.distance_m === null ? '—' : `${(a.distance_m / 1000).toFixed(2)} km`}</td>
                <td className="num">{formatDuration(a.duration_s)}</td>
                <td className="num">{/RUN/.test(a.type) ? formatPace(a.avg_pace_min_km) : '—'}</td>
                <td className="num">{a.avg_hr === null ? '—' : Math.round(a.avg_hr)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
