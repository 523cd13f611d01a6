import type { ActivityDetailsAnswer, HrZone, SplitUnit } from '../../src-common/coaching-contract';
import { WatchRecorded } from './WatchRecorded';
import { PlannedWorkout } from './PlannedWorkout';
import { activityTitle, effortName, LOAD_METHOD_WORDS, perUnit, UNIT_NAMES } from '../coaching-words';
import { UNIT_METRES } from '../../src-common/units';
import { formatDateTime, formatDistance, formatNumber, formatPaceSeconds, formatSeconds, formatSignedPercent, isFiniteNumber } from '../format';
import { useCoaching } from '../stores';
import { extent, LineChart, SECOND_STEPS, type ChartLine } from './LineChart';

/** Steps of a time axis, in minutes. */
const MINUTE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120] as const;
import { DataNote, PageFrame, PageStatus } from './PageFrame';
import { ZoneBar } from './ZoneBar';

/** The value at fraction `q` of the sorted values (for axes that ignore a few wild points). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/** Pace and heart rate along the run: pace on the left (faster up), HR on the right. */
function PaceHrChart({ answer, unit }: { answer: ActivityDetailsAnswer; unit: SplitUnit }) {
  const series = answer.series;
  const byDistance = series.some((p) => isFiniteNumber(p.distance_m));
  const xOf = (p: (typeof series)[number]) => (byDistance ? (isFiniteNumber(p.distance_m) ? p.distance_m / UNIT_METRES[unit] : null) : p.elapsed_s / 60);
  const xs = series.map(xOf).filter(isFiniteNumber);
  const paces = series.map((p) => p.pace_s).filter(isFiniteNumber).sort((a, b) => a - b);
  const hrs = series.map((p) => p.hr).filter(isFiniteNumber);
  if (xs.length < 2 || (paces.length === 0 && hrs.length === 0)) return null;
  // A stop at a crossing makes a pace of many minutes: the axis follows the running, a wild point is drawn at its edge.
  const paceRange = paces.length ? extent([quantile(paces, 0.02), quantile(paces, 0.98)], 0.08) : null;
  const hrRange = extent(hrs, 0.08);
  const clamp = (v: number | null, r: { min: number; max: number } | null) => (isFiniteNumber(v) && r ? Math.min(r.max, Math.max(r.min, v)) : null);
  const unitWord = unit === 'km' ? 'km' : 'mi';
  const x = {
    min: Math.min(...xs),
    max: Math.max(...xs),
    format: (v: number) => (byDistance ? `${formatNumber(v, Number.isInteger(v) ? 0 : 1)} ${unitWord}` : `${formatNumber(v)} min`),
    steps: byDistance ? undefined : MINUTE_STEPS,
  };
  const lines: ChartLine[] = [];
  const paceAxis = paceRange && { ...paceRange, invert: true, format: (v: number) => formatPaceSeconds(v, unit).replace(` /${unit}`, ''), title: `min/${unit}`, steps: SECOND_STEPS };
  const hrAxis = hrRange && { ...hrRange, format: (v: number) => formatNumber(v), title: 'bpm' };
  if (paceAxis) lines.push({ key: 'pace', label: 'Pace', className: 'line-a', points: series.map((p) => ({ x: xOf(p) ?? NaN, y: clamp(p.pace_s, paceRange) })) });
  if (hrAxis) lines.push({ key: 'hr', label: 'Heart rate', className: 'line-hr', axis: paceAxis ? 'right' : 'left', points: series.map((p) => ({ x: xOf(p) ?? NaN, y: clamp(p.hr, hrRange) })) });
  const along = byDistance ? `over ${formatDistance(answer.summary.distance_m, unit)}` : `over ${formatSeconds(answer.summary.elapsed_s)}`;
  const words = [
    paceAxis && paces.length ? `pace from ${formatPaceSeconds(paces[0]!, unit)} to ${formatPaceSeconds(paces[paces.length - 1]!, unit)}` : 'no pace',
    hrAxis ? `heart rate from ${formatNumber(Math.min(...hrs))} to ${formatNumber(Math.max(...hrs))} bpm` : 'no heart rate',
  ];
  const title = paceAxis && hrAxis ? 'Pace and heart rate' : paceAxis ? 'Pace' : 'Heart rate';
  return (
    <figure className="chart" aria-labelledby="activity-chart-title">
      <h3 id="activity-chart-title">
        {title} {byDistance ? 'over distance' : 'over time'}
      </h3>
      <LineChart
        testId="activity-chart"
        label={`${title} ${along}: ${words.join(', ')}. The splits table below has the figures.`}
        x={x}
        left={(paceAxis ?? hrAxis)!}
        right={paceAxis && hrAxis ? hrAxis : undefined}
        lines={lines}
      />
    </figure>
  );
}

function SummaryFacts({ answer, unit }: { answer: ActivityDetailsAnswer; unit: SplitUnit }) {
  const s = answer.summary;
  const facts: Array<[string, string]> = [
    ['Distance', formatDistance(s.distance_m, unit)],
    ['Moving time', formatSeconds(s.moving_s)],
    ['Average pace', formatPaceSeconds(s.avg_pace_s, unit)],
    // Without heart rate the note says so; the tiles would be dashes.
    ...(s.has_hr
      ? ([
          ['Average heart rate', formatNumber(s.avg_hr, 0, 'bpm')],
          ['Max heart rate', formatNumber(s.max_hr, 0, 'bpm')],
        ] as Array<[string, string]>)
      : []),
    ['Cadence', formatNumber(s.avg_cadence_spm, 0, 'spm')],
    ['Elevation gain', formatNumber(s.elevation_gain_m, 0, 'm')],
    ['Training load', formatNumber(answer.load.trimp, 0, 'TRIMP')],
  ];
  if (isFiniteNumber(s.elapsed_s) && isFiniteNumber(s.moving_s) && Math.round(s.elapsed_s) !== Math.round(s.moving_s)) facts.splice(2, 0, ['Elapsed time', formatSeconds(s.elapsed_s)]);
  if (isFiniteNumber(answer.drift.decoupling_pct)) facts.push(['Aerobic decoupling', formatSignedPercent(answer.drift.decoupling_pct)]);
  if (isFiniteNumber(answer.drift.hr_drift_pct)) facts.push(['Heart-rate drift', formatSignedPercent(answer.drift.hr_drift_pct)]);
  return (
    <dl className="stats" aria-label="Summary" data-testid="activity-summary">
      {facts.map(([term, value]) => (
        <div key={term} className="stat">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What cleaning changed before the figures were worked out (pauses, GPS gaps, impossible values), or null. */
function CleaningNote({ answer }: { answer: ActivityDetailsAnswer }) {
  const c = answer.cleaning;
  if (!c) return null;
  const fixed = [
    c.gps_gaps ? `${c.gps_gaps} GPS ${c.gps_gaps === 1 ? 'gap' : 'gaps'}` : '',
    c.distance_glitches ? `${c.distance_glitches} distance ${c.distance_glitches === 1 ? 'jump' : 'jumps'} ignored` : '',
    c.absurd.hr ? `${c.absurd.hr} impossible heart ${c.absurd.hr === 1 ? 'rate' : 'rates'} left out` : '',
    c.pauses ? `${c.pauses} ${c.pauses === 1 ? 'pause' : 'pauses'} (${formatSeconds(c.paused_s)}) not counted as moving` : '',
  ].filter(Boolean);
  if (fixed.length === 0) return null;
  return (
    <p className="small muted" data-testid="note-cleaning">
      Before the figures were worked out: {fixed.join(', ')}.
    </p>
  );
}

function Notes({ answer, bounds }: { answer: ActivityDetailsAnswer; bounds: readonly HrZone[] }) {
  const s = answer.summary;
  const notes: Array<[string, string]> = [];
  if (!answer.has_details) notes.push(['no-details', 'Only the summary of this activity is on this computer: splits, laps, the chart and zones appear once its details are synced.']);
  if (!s.has_hr) notes.push(['no-hr', 'No heart rate was recorded: heart-rate figures, the heart-rate line and zones are left out.']);
  if (answer.has_details && !s.has_gps) {
    notes.push(
      isFiniteNumber(s.distance_m)
        ? ['no-gps', 'No GPS was recorded (a treadmill or indoor run?): distance and pace come from the watch’s own count, and may be less exact.']
        : ['no-gps', 'No GPS and no distance were recorded: there are no splits, no pace and no best efforts.'],
    );
  }
  if (answer.zones && answer.hr_profile?.source === 'estimated') {
    notes.push([
      'estimated-zones',
      `Heart-rate zones are estimated: a max heart rate of ${formatNumber(answer.hr_profile.max_hr)} and a resting heart rate of ${formatNumber(answer.hr_profile.resting_hr)} bpm come from your own data, not from your settings.`,
    ]);
  }
  if (s.has_hr && answer.has_details && !answer.zones) notes.push(['no-zones', 'No heart-rate zones yet: your max and resting heart rate are not known.']);
  if (answer.zones && bounds.length === 0 && answer.hr_profile) notes.push(['zone-bounds', 'The zones’ heart-rate ranges could not be loaded.']);
  return (
    <>
      {notes.map(([key, text]) =>
        key === 'zone-bounds' ? (
          <p key={key} className="small muted" data-testid={`note-${key}`}>
            {text}
          </p>
        ) : (
          <DataNote key={key} testId={`note-${key}`}>
            {text}
          </DataNote>
        ),
      )}
    </>
  );
}

function SplitsTable({ answer, unit }: { answer: ActivityDetailsAnswer; unit: SplitUnit }) {
  if (answer.splits.length === 0) return null;
  const hr = answer.summary.has_hr;
  return (
    <div className="table-scroll">
      <table className="activities" data-testid="splits">
        <caption>Splits ({UNIT_NAMES[unit].many.toLowerCase()})</caption>
        <thead>
          <tr>
            <th scope="col">{UNIT_NAMES[unit].one}</th>
            <th scope="col" className="num">Distance</th>
            <th scope="col" className="num">Time</th>
            <th scope="col" className="num">Pace</th>
            {hr && <th scope="col" className="num">Avg HR</th>}
            {hr && <th scope="col" className="num">Max HR</th>}
            <th scope="col" className="num">Climb</th>
          </tr>
        </thead>
        <tbody>
          {answer.splits.map((s) => (
            <tr key={s.index}>
              <th scope="row">{s.index}</th>
              <td className="num">{formatDistance(s.distance_m, unit)}</td>
              <td className="num">{formatSeconds(s.moving_s)}</td>
              <td className="num">{formatPaceSeconds(s.pace_s, unit)}</td>
              {hr && <td className="num">{formatNumber(s.avg_hr)}</td>}
              {hr && <td className="num">{formatNumber(s.max_hr)}</td>}
              <td className="num">{formatNumber(s.elevation_gain_m, 0, 'm')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LapsTable({ answer, unit }: { answer: ActivityDetailsAnswer; unit: SplitUnit }) {
  if (answer.laps.length === 0) return null;
  const hr = answer.summary.has_hr;
  return (
    <div className="table-scroll">
      <table className="activities" data-testid="laps">
        <caption>Laps</caption>
        <thead>
          <tr>
            <th scope="col">Lap</th>
            <th scope="col" className="num">Starts at</th>
            <th scope="col" className="num">Distance</th>
            <th scope="col" className="num">Time</th>
            <th scope="col" className="num">Pace</th>
            {hr && <th scope="col" className="num">Avg HR</th>}
            {hr && <th scope="col" className="num">Max HR</th>}
          </tr>
        </thead>
        <tbody>
          {answer.laps.map((l) => (
            <tr key={l.index}>
              <th scope="row">{l.index}</th>
              <td className="num">{formatSeconds(l.start_s)}</td>
              <td className="num">{formatDistance(l.distance_m, unit)}</td>
              <td className="num">{formatSeconds(l.moving_s)}</td>
              <td className="num">{formatPaceSeconds(perUnit(l.pace_s, unit), unit)}</td>
              {hr && <td className="num">{formatNumber(l.avg_hr)}</td>}
              {hr && <td className="num">{formatNumber(l.max_hr)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EffortsTable({ answer, unit }: { answer: ActivityDetailsAnswer; unit: SplitUnit }) {
  if (answer.best_efforts.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="activities" data-testid="best-efforts">
        <caption>Best efforts in this run</caption>
        <thead>
          <tr>
            <th scope="col">Distance</th>
            <th scope="col" className="num">Time</th>
            <th scope="col" className="num">Pace</th>
            <th scope="col" className="num">From</th>
          </tr>
        </thead>
        <tbody>
          {answer.best_efforts.map((e) => (
            <tr key={e.label}>
              <th scope="row">{effortName(e.label)}</th>
              <td className="num">{formatSeconds(e.time_s)}</td>
              <td className="num">{formatPaceSeconds(perUnit(e.pace_s_per_km, unit), unit)}</td>
              <td className="num">{formatDistance(e.start_m, unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One activity: summary, notes on missing data, pace and HR chart, zones, splits, laps, best efforts. */
export function ActivityPage({ id, backLabel, onBack }: { id: string; backLabel: string; onBack: () => void }) {
  const entry = useCoaching((s) => s.activities[id]);
  const unit = useCoaching((s) => s.unit);
  const profile = useCoaching((s) => s.profile);
  const setUnit = useCoaching((s) => s.setUnit);
  const loadActivity = useCoaching((s) => s.loadActivity);
  // Figures are drawn in the unit of the answer on screen: while the other unit loads, they stay consistent.
  const answer = entry?.data ?? null;
  const bounds = profile?.zones ?? [];
  return (
    <PageFrame
      id="activity"
      title={answer ? activityTitle(answer) : 'Activity'}
      backLabel={backLabel}
      onBack={onBack}
      freshness={entry?.freshness ?? null}
      busy={entry?.loading ?? true}
      tools={
        <label className="small">
          Units{' '}
          <select value={unit} onChange={(e) => void setUnit(e.target.value === 'mi' ? 'mi' : 'km')}>
            <option value="km">Kilometres</option>
            <option value="mi">Miles</option>
          </select>
        </label>
      }
    >
      <PageStatus loading={entry?.loading ?? true} error={entry?.error ?? null} hasData={answer !== null} onRetry={() => void loadActivity(id)} />
      {answer && (
        <>
          {answer.start_time && <p className="muted small">Started {formatDateTime(answer.start_time)}</p>}
          <Notes answer={answer} bounds={bounds} />
          <SummaryFacts answer={answer} unit={answer.unit} />
          <p className="small muted">Training load counted {LOAD_METHOD_WORDS[answer.load.method]}.</p>
          <CleaningNote answer={answer} />
          <PaceHrChart answer={answer} unit={answer.unit} />
          <PlannedWorkout activityId={answer.summary_id} />
          {answer.zones && (
            <section aria-labelledby="zones-title">
              <h3 id="zones-title">Time in heart-rate zones</h3>
              <ZoneBar zones={answer.zones} bounds={bounds} title="Time in heart-rate zones" />
            </section>
          )}
          <SplitsTable answer={answer} unit={answer.unit} />
          <LapsTable answer={answer} unit={answer.unit} />
          <EffortsTable answer={answer} unit={answer.unit} />
          {answer.recorded && <WatchRecorded recorded={answer.recorded} />}
        </>
      )}
    </PageFrame>
  );
}
