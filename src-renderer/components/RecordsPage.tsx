import { effortName, perUnit } from '../coaching-words';
import { formatDay, formatPaceSeconds, formatSeconds } from '../format';
import { useCoaching } from '../stores';
import { PageFrame, PageStatus } from './PageFrame';

/** The fastest time at each distance across the runs with details, each linked to its run. */
export function RecordsPage({ backLabel, onBack }: { backLabel: string; onBack: () => void }) {
  const { data: answer, freshness, error, loading } = useCoaching((s) => s.records);
  const unit = useCoaching((s) => s.unit);
  const open = useCoaching((s) => s.open);
  const reload = useCoaching((s) => s.loadRecords);
  return (
    <PageFrame id="records" title="Personal records" backLabel={backLabel} onBack={onBack} freshness={freshness} busy={loading}>
      <PageStatus loading={loading} error={error} hasData={answer !== null} onRetry={() => void reload()} />
      {answer && (
        <>
          <p className="muted" data-testid="records-basis">
            {answer.runs_with_details === 0
              ? 'No run with details is on this computer yet.'
              : `Your fastest stretch at each distance, found inside ${answer.runs_with_details} ${answer.runs_with_details === 1 ? 'run' : 'runs'} with details on this computer.`}
          </p>
          {answer.records.length === 0 ? (
            <p className="empty">No records yet: they come from runs whose details are synced.</p>
          ) : (
            <div className="table-scroll">
              <table className="activities" data-testid="records">
                <caption>Personal records</caption>
                <thead>
                  <tr>
                    <th scope="col">Distance</th>
                    <th scope="col" className="num">Time</th>
                    <th scope="col" className="num">Pace</th>
                    <th scope="col">Date</th>
                    <th scope="col">Run</th>
                  </tr>
                </thead>
                <tbody>
                  {answer.records.map((r) => (
                    <tr key={r.label}>
                      <th scope="row">{effortName(r.label)}</th>
                      <td className="num">{formatSeconds(r.time_s)}</td>
                      <td className="num">{formatPaceSeconds(perUnit(r.pace_s_per_km, unit), unit)}</td>
                      <td>{formatDay(r.date)}</td>
                      <td>
                        <button type="button" className="small link" onClick={(e) => open({ kind: 'activity', id: r.summary_id }, e.currentTarget)} aria-label={`Open the run of ${formatDay(r.date)} (${effortName(r.label)} record)`}>
                          Open run
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </PageFrame>
  );
}
