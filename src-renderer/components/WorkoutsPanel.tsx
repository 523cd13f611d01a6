import { useEffect } from 'react';
import type { WorkoutView } from '../../src-common/workout-contract';
import { dayWords, itemWords, STATUS_WORDS } from '../../src-common/workout-words';
import { formatWhen } from '../format';
import { errorText } from '../messages';
import { useConnection, useWorkouts } from '../stores';
import { IntensityChart } from './IntensityChart';

/** Problems that reconnecting Garmin fixes: the permission to add workouts, or the link itself. */
const RECONNECT = new Set(['workout_import_missing', 'reauth_required', 'not_connected']);

function WorkoutCard({ workout: w }: { workout: WorkoutView }) {
  const busy = useWorkouts((s) => s.busy[w.id]);
  const error = useWorkouts((s) => s.errors[w.id]) ?? w.delivery.last_error;
  const approve = useWorkouts((s) => s.approve);
  const reject = useWorkouts((s) => s.reject);
  const connect = useConnection((s) => s.connect);
  const connecting = useConnection((s) => s.busy === 'connecting');
  const waiting = w.status === 'awaiting_approval';
  const titleId = `workout-${w.id}`;
  return (
    <article className="workout-card" aria-labelledby={titleId} data-testid="workout-card" data-status={w.status}>
      <header className="workout-head">
        <h3 id={titleId}>{w.name}</h3>
        <span className={`pill ${waiting ? 'busy' : error ? 'warn' : 'ok'}`} data-testid="workout-status">
          {STATUS_WORDS[w.status]}
        </span>
      </header>
      <p className="muted small">
        {w.date ? dayWords(w.date) : 'No date: it goes to Garmin unscheduled'} · {w.sport} · proposed by {w.proposed_by.agent}
        {w.proposed_by.grant !== w.proposed_by.agent && w.proposed_by.grant !== 'runner' ? ` (agent ${w.proposed_by.grant})` : ''}, {formatWhen(w.proposed_at)}
      </p>
      <p className="workout-summary">{w.summary}</p>
      <IntensityChart workout={w} label={`Planned intensity of ${w.name}`} />
      <ol className="workout-steps" aria-label="Steps">
        {w.steps.map((item, i) => (
          <li key={i}>{itemWords(item)}</li>
        ))}
      </ol>
      {error && (
        <div className="banner error" role="alert" data-testid="workout-error">
          {errorText(error)}
          {RECONNECT.has(error.code) && (
            <div className="row-inline">
              <button type="button" className="primary small" onClick={() => void connect()} disabled={connecting}>
                {connecting ? 'Waiting for Garmin…' : 'Reconnect Garmin'}
              </button>
            </div>
          )}
        </div>
      )}
      {w.status === 'scheduled' && !error && <p className="small">It is on your Garmin calendar and reaches your watch at its next sync.</p>}
      {(waiting || w.status === 'approved') && (
        <div className="row-inline">
          <button type="button" className="primary" onClick={() => void approve(w.id)} disabled={busy !== undefined} aria-label={`${waiting ? 'Approve' : 'Send again'} ${w.name}`}>
            {busy === 'approve' ? 'Sending to Garmin…' : waiting ? 'Approve' : 'Send to Garmin again'}
          </button>
          <button type="button" className="danger" onClick={() => void reject(w.id)} disabled={busy !== undefined} aria-label={`Reject ${w.name}`}>
            {busy === 'reject' ? 'Rejecting…' : 'Reject'}
          </button>
        </div>
      )}
    </article>
  );
}

/** Workouts the runner's agents proposed: a card for each waiting one (or one whose sending failed), the rest in a list. */
export function WorkoutsPanel() {
  const workouts = useWorkouts((s) => s.workouts);
  const loaded = useWorkouts((s) => s.loaded);
  const loadError = useWorkouts((s) => s.loadError);
  const errors = useWorkouts((s) => s.errors);
  const load = useWorkouts((s) => s.load);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [load]);
  const cards = workouts.filter((w) => w.status === 'awaiting_approval' || (w.status === 'approved' && (w.delivery.last_error || errors[w.id])) || errors[w.id]);
  const rest = workouts.filter((w) => !cards.includes(w)).slice(0, 8);
  const waiting = workouts.filter((w) => w.status === 'awaiting_approval').length;
  return (
    <section className="card" aria-labelledby="workouts-title" data-testid="workouts-panel">
      <header className="card-header">
        <h2 id="workouts-title">Workouts from your agents</h2>
        {waiting > 0 && <span className="pill busy">{waiting === 1 ? 'One waits for you' : `${waiting} wait for you`}</span>}
      </header>
      <p className="muted">Agents propose; nothing reaches Garmin or your watch until you approve it here (or with r42-companion workouts approve).</p>
      {loadError && <p className="banner error">{errorText(loadError)}</p>}
      {loaded && workouts.length === 0 && <p className="empty">No workouts proposed yet.</p>}
      {cards.map((w) => (
        <WorkoutCard key={w.id} workout={w} />
      ))}
      {rest.length > 0 && (
        <table className="grants" data-testid="workouts-decided">
          <caption className="sr-only">Workouts decided</caption>
          <thead>
            <tr>
              <th scope="col">Workout</th>
              <th scope="col">Day</th>
              <th scope="col">Where</th>
            </tr>
          </thead>
          <tbody>
            {rest.map((w) => (
              <tr key={w.id}>
                <td>{w.name}</td>
                <td>{w.date ?? '—'}</td>
                <td>{STATUS_WORDS[w.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
