import { useEffect } from 'react';
import { clockTime } from '../../src-common/format';
import { formatNumber } from '../format';
import { useWorkouts } from '../stores';

const STEP_STATUS = { completed: 'Completed', cut_short: 'Cut short', skipped: 'Skipped' } as const;

/** The approved workout this run did, step by step against the plan; nothing for a run no workout planned. */
export function PlannedWorkout({ activityId }: { activityId: string }) {
  const planned = useWorkouts((s) => s.planned[activityId]);
  const loadPlanned = useWorkouts((s) => s.loadPlanned);
  useEffect(() => void loadPlanned(activityId), [activityId, loadPlanned]);
  if (!planned) return null;
  const p = planned.plan_vs_done;
  return (
    <section aria-labelledby="planned-title" data-testid="planned-workout">
      <h3 id="planned-title">Against the plan: “{planned.name}”</h3>
      <p>{p.summary}</p>
      {p.steps.length > 0 && (
        <div className="table-scroll">
          <table className="activities">
            <caption>
              Each planned step{p.steps_found_by === 'laps' ? ', one lap each' : ', found by the plan’s times and distances'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Planned</th>
                <th scope="col">Done</th>
                <th scope="col" className="num">Time</th>
                <th scope="col" className="num">Pace /km</th>
                <th scope="col" className="num">Avg HR</th>
                <th scope="col" className="num">In target</th>
              </tr>
            </thead>
            <tbody>
              {p.steps.map((s) => (
                <tr key={s.index} data-status={s.status}>
                  <th scope="row">{s.label}</th>
                  <td>{s.planned.replace(/^[^:]+: /, '')}</td>
                  <td>{STEP_STATUS[s.status]}</td>
                  <td className="num">{s.seconds === null ? '—' : clockTime(s.seconds)}</td>
                  <td className="num">{s.pace_s_per_km === null ? '—' : clockTime(s.pace_s_per_km)}</td>
                  <td className="num">{formatNumber(s.avg_hr)}</td>
                  <td className="num" title={s.under_s !== null ? `${clockTime(s.under_s)} under, ${clockTime(s.over_s)} over` : undefined}>
                    {s.in_target_pct === null ? '—' : `${s.in_target_pct} %`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
