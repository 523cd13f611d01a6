import type { LoadDay, TrainingLoadAnswer } from '../../src-common/coaching-contract';
import { RATIO_BAND, ratioWords } from '../coaching-words';
import { formatDay, formatNumber, formatShortDay, isFiniteNumber } from '../format';
import { useCoaching } from '../stores';
import { LOAD_WEEK_CHOICES } from '../stores/coaching-store';
import { DAY_STEPS, extent, LineChart } from './LineChart';
import { DataNote, PageFrame, PageStatus, RangeSelect } from './PageFrame';

/** The newest day whose acute and chronic loads are known (the figures "now"), or the newest day. */
const latestKnown = (days: readonly LoadDay[]): LoadDay | null => [...days].reverse().find((d) => isFiniteNumber(d.acute) && isFiniteNumber(d.chronic)) ?? days[days.length - 1] ?? null;

function LoadChart({ answer }: { answer: TrainingLoadAnswer }) {
  const days = answer.days;
  if (days.length < 2) return null;
  const range = extent([0, ...days.flatMap((d) => [d.load, d.acute, isFiniteNumber(d.chronic) ? d.chronic * RATIO_BAND.high : null])], 0.05, 0) ?? { min: 0, max: 1 };
  const inBand = days.filter((d) => isFiniteNumber(d.acwr) && d.acwr >= RATIO_BAND.low && d.acwr <= RATIO_BAND.high).length;
  const known = days.filter((d) => isFiniteNumber(d.acwr)).length;
  const last = latestKnown(days);
  const label =
    `Acute (7-day) and chronic (28-day) training load from ${formatDay(answer.from)} to ${formatDay(answer.to)}. ` +
    (last && isFiniteNumber(last.acute)
      ? `On ${formatDay(last.date)}: acute ${formatNumber(last.acute)}, chronic ${formatNumber(last.chronic)}, ratio ${ratioWords(last.acwr)}. `
      : 'No day has both loads yet. ') +
    (known ? `${inBand} of ${known} days with a ratio were inside the 0.8–1.3 band.` : '');
  const x = { min: 0, max: days.length - 1, format: (v: number) => formatShortDay(days[Math.round(v)]?.date ?? answer.to), steps: DAY_STEPS };
  return (
    <figure className="chart" aria-labelledby="load-chart-title">
      <h3 id="load-chart-title">Acute and chronic load</h3>
      <LineChart
        testId="load-chart"
        label={label}
        x={x}
        left={{ ...range, format: (v) => formatNumber(v), title: 'TRIMP a day' }}
        band={{ label: 'Ratio 0.8–1.3 (acute within 80–130 % of chronic)', className: 'band-ratio', points: days.map((d, i) => ({ x: i, lo: isFiniteNumber(d.chronic) ? d.chronic * RATIO_BAND.low : null, hi: isFiniteNumber(d.chronic) ? d.chronic * RATIO_BAND.high : null })) }}
        lines={[
          { key: 'acute', label: 'Acute load (7 days)', className: 'line-a', points: days.map((d, i) => ({ x: i, y: d.acute })) },
          { key: 'chronic', label: 'Chronic load (28 days)', className: 'line-b', dashed: true, points: days.map((d, i) => ({ x: i, y: d.chronic })) },
        ]}
      >
        {({ sx, sy }) => {
          const step = Math.max(1, sx(1) - sx(0));
          return (
            <g className="day-loads">
              {days.map((d, i) =>
                isFiniteNumber(d.load) && d.load > 0 ? <rect key={d.date} x={(sx(i) - step * 0.35).toFixed(1)} width={(step * 0.7).toFixed(1)} y={sy(d.load).toFixed(1)} height={Math.max(0, sy(0) - sy(d.load)).toFixed(1)} className="bar-soft" /> : null,
              )}
            </g>
          );
        }}
      </LineChart>
      <p className="small muted">Bars: each day’s load. The shaded band is where the acute load sits while the ratio stays between 0.8 and 1.3.</p>
    </figure>
  );
}

function WeeksTable({ answer }: { answer: TrainingLoadAnswer }) {
  if (answer.weeks.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="activities" data-testid="load-weeks">
        <caption>Weekly load</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col" className="num">Load</th>
            <th scope="col" className="num">Ratio</th>
            <th scope="col" className="num">Monotony</th>
            <th scope="col" className="num">Strain</th>
          </tr>
        </thead>
        <tbody>
          {[...answer.weeks].reverse().map((w) => (
            <tr key={w.week_start}>
              <th scope="row">{formatDay(w.week_start)}</th>
              <td className="num">{formatNumber(w.load)}</td>
              <td className="num">{formatNumber(w.acwr, 2)}</td>
              <td className="num">{formatNumber(w.monotony, 2)}</td>
              <td className="num">{formatNumber(w.strain)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Acute vs chronic load with the ratio band, today's ratio, monotony and strain, and the weeks. */
export function TrainingLoadPage({ backLabel, onBack }: { backLabel: string; onBack: () => void }) {
  const { data: answer, freshness, error, loading } = useCoaching((s) => s.load);
  const weeks = useCoaching((s) => s.loadWeeks);
  const setLoadWeeks = useCoaching((s) => s.setLoadWeeks);
  const reload = useCoaching((s) => s.loadTrainingLoad);
  const last = answer ? latestKnown(answer.days) : null;
  const activities = answer ? answer.methods.hr_samples + answer.methods.avg_hr + answer.methods.duration : 0;
  return (
    <PageFrame
      id="load"
      title="Training load"
      backLabel={backLabel}
      onBack={onBack}
      freshness={freshness}
      busy={loading}
      tools={<RangeSelect value={weeks} choices={LOAD_WEEK_CHOICES} unit="weeks" onChange={(value) => void setLoadWeeks(value)} />}
    >
      <PageStatus loading={loading} error={error} hasData={answer !== null} onRetry={() => void reload()} />
      {answer && (
        <>
          <p className="muted">Load is TRIMP: minutes weighted by how hard your heart worked. Acute is the last 7 days’ daily mean, chronic the last 28 days’.</p>
          {answer.history_start === null && <DataNote testId="note-no-history">No activities on this computer yet: sync, and the load shows up here.</DataNote>}
          {answer.history_start !== null && answer.history_start > answer.from && (
            <DataNote testId="note-short-history">Your history here starts on {formatDay(answer.history_start)}: acute load needs 7 days of it and chronic load 28, so earlier days are left blank.</DataNote>
          )}
          {answer.hr_source === 'estimated' && <DataNote testId="note-estimated-hr">Loads use a max and resting heart rate estimated from your own data, not from your settings.</DataNote>}
          {answer.hr_source === null && answer.history_start !== null && <DataNote testId="note-no-hr">Your max and resting heart rate are not known: loads count each activity’s duration only.</DataNote>}
          {last && (
            <dl className="stats" aria-label={`Load on ${formatDay(last.date)}`} data-testid="load-now">
              <div className="stat">
                <dt>Acute load</dt>
                <dd>{formatNumber(last.acute)}</dd>
              </div>
              <div className="stat">
                <dt>Chronic load</dt>
                <dd>{formatNumber(last.chronic)}</dd>
              </div>
              <div className="stat wide">
                <dt>Acute : chronic ratio</dt>
                <dd>{ratioWords(last.acwr)}</dd>
              </div>
              <div className="stat">
                <dt>Monotony (7 days)</dt>
                <dd>{formatNumber(last.monotony, 2)}</dd>
              </div>
              <div className="stat">
                <dt>Strain (7 days)</dt>
                <dd>{formatNumber(last.strain)}</dd>
              </div>
            </dl>
          )}
          <LoadChart answer={answer} />
          {activities > 0 && (
            <p className="small muted" data-testid="load-methods">
              Of {activities} {activities === 1 ? 'activity' : 'activities'} in these weeks, {answer.methods.hr_samples} counted from heart-rate samples, {answer.methods.avg_hr} from the average heart rate
              and {answer.methods.duration} from the duration only.
            </p>
          )}
          <p className="small muted">Monotony is the week’s mean daily load over its spread (above 2: every day alike); strain is the week’s load times its monotony.</p>
          <WeeksTable answer={answer} />
        </>
      )}
    </PageFrame>
  );
}
