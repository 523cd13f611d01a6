import { useEffect, useRef } from 'react';
import { useCoaching, useConnection, useTraining } from '../stores';
import { activityLabel, formatDuration } from '../stores/training-store';
import { formatDay, formatPaceSeconds, formatWhen } from '../format';
import { errorText } from '../messages';
import { WeeklyChart } from './WeeklyChart';
import { CoachingNav } from './CoachingPages';

const STREAM_LABELS: Record<string, string> = {
  activities: 'activities',
  dailies: 'daily summaries',
  sleeps: 'sleep',
  hrv: 'HRV',
  userMetrics: 'fitness metrics (VO2 max)',
  activityDetails: 'activity details',
  stressDetails: 'stress',
  bodyComps: 'body composition',
  pulseOx: 'SpO2',
  respiration: 'breathing rate',
  epochs: 'intraday activity',
  healthSnapshot: 'health snapshots',
  bloodPressures: 'blood pressure',
  skinTemp: 'skin temperature',
};
const streamLabel = (stream: string) => STREAM_LABELS[stream] ?? stream;

/** Weeks with nothing before the first run, at which the chart offers to load older history. */
const EMPTY_WEEKS_BEFORE_OFFER = 4;

export function TrainingPanel() {
  const sync = useConnection((s) => s.view?.connection.sync ?? null);
  const connected = useConnection((s) => s.view?.connection.connected ?? false);
  const linkState = useConnection((s) => s.view?.connection.state ?? 'not_connected');
  const { activities, weeks, weekCount, syncing, lastResult, error, historyDays, load, setWeekCount, syncNow, loadHistory, clearError } = useTraining();
  const lastSync = sync?.lastSyncAt ?? null;
  const openPage = useCoaching((s) => s.open);
  const resultRef = useRef<HTMLParagraphElement>(null);
  const moreRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    void load();
  }, [load, lastSync, sync?.backfill.done]);
  // A failure that reconnecting fixed (a refused link, say) is not shown once the link works again.
  useEffect(() => {
    if (linkState === 'connected') clearError();
  }, [linkState, clearError]);

  const running = syncing || sync?.running === true;
  const { done = 0, total = 0 } = sync?.backfill ?? {};
  const relay = sync?.relay ?? null;
  const backfilling = total > 0 && done < total;
  const percent = total > 0 ? Math.floor((Math.min(done, total) / total) * 100) : 0;
  const missing = sync?.streams.filter((s) => s.state === 'permission_missing').map((s) => streamLabel(s.stream)) ?? [];
  // Records Garmin sent that could not be read: kept out, never silently.
  const unreadable = sync?.streams.filter((s) => s.skippedRecords > 0) ?? [];
  const hasData = activities.length > 0 || weeks.some((w) => w.runs > 0);

  const [freshness, tone] =
    linkState === 'reauth_required'
      ? ['Sync paused: reconnect Garmin', 'warn']
      : lastSync
        ? [`Synced ${formatWhen(lastSync)}`, sync?.stale ? 'warn' : 'ok']
        : !hasData
          ? ['Not synced yet', 'warn']
          : connected
            ? [running ? 'Syncing…' : 'Partly synced', 'warn']
            : ['Not syncing: Garmin not connected', 'warn'];

  const firstRun = weeks.findIndex((w) => w.runs > 0);
  const emptyWeeks = firstRun === -1 ? weeks.length : firstRun;
  const wantDays = weekCount * 7;
  const offerMore = connected && weeks.length > 0 && emptyWeeks >= EMPTY_WEEKS_BEFORE_OFFER && (syncing || (historyDays < wantDays && !backfilling));

  const askForMore = async () => {
    await loadHistory(wantDays, relay !== null);
    // The offer goes once the history is there: keyboard focus moves to what happened.
    if (document.activeElement === moreRef.current || document.activeElement === document.body) resultRef.current?.focus();
  };

  return (
    <section className="card" aria-labelledby="training-title">
      <header className="card-header">
        <h2 id="training-title">Training data</h2>
        <div className="row-inline">
          <span className={`pill ${tone}`} data-testid="sync-freshness">
            {freshness}
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
            {relay ? `Asking Garmin for your history: ${percent}%` : backfilling ? `Loading your history: ${percent}%` : 'Catching up with Garmin…'}
          </label>
          <progress id="sync-progress" max={total} value={Math.min(done, total)} aria-valuetext={`${percent}%`} />
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
      {unreadable.length > 0 && (
        <p className="small muted" data-testid="unreadable-records">
          Garmin sent records R42 could not read, so they are left out: {unreadable.map((s) => `${streamLabel(s.stream)} ${s.skippedRecords}`).join(', ')}. Everything else is stored.
        </p>
      )}
      {lastResult && (
        <p className="small muted" role="status" tabIndex={-1} ref={resultRef}>
          {lastResult}
        </p>
      )}
      {error && (
        <p className="banner error" role="alert">
          {errorText(error)}
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
      {offerMore && (
        <div className="more-history" data-testid="more-history">
          <p className="small muted">
            {firstRun === -1 ? `No runs in these ${weekCount} weeks on this computer.` : `No runs on this computer before ${formatDay(weeks[firstRun]!.week_start)}.`} If you ran earlier,
            load that history from Garmin.
          </p>
          <button type="button" className="small" ref={moreRef} onClick={() => void askForMore()} disabled={running}>
            {syncing ? 'Loading history…' : `Load ${weekCount} weeks of history`}
          </button>
        </div>
      )}

      <CoachingNav />

      <h3 id="recent-title">Recent activities</h3>
      {activities.length === 0 ? (
        <p className="empty">No activities synced yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="activities" aria-labelledby="recent-title">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Distance
                </th>
                <th scope="col" className="num">
                  Time
                </th>
                <th scope="col" className="num">
                  Pace
                </th>
                <th scope="col" className="num">
                  HR
                </th>
              </tr>
            </thead>
            <tbody>
              {activities.map((a) => (
                <tr key={a.summary_id}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={(e) => openPage({ kind: 'activity', id: a.summary_id }, e.currentTarget)}
                      aria-label={`${formatDay(a.local_date)}, ${activityLabel(a.type)}: open its details`}
                    >
                      {formatDay(a.local_date)}
                    </button>
                  </td>
                  <td>{activityLabel(a.type)}</td>
                  <td className="num">{a.distance_m === null ? '—' : `${(a.distance_m / 1000).toFixed(2)} km`}</td>
                  <td className="num">{formatDuration(a.duration_s)}</td>
                  <td className="num">{formatPaceSeconds(a.avg_pace_s_per_km)}</td>
                  <td className="num">{a.avg_hr === null ? '—' : Math.round(a.avg_hr)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
