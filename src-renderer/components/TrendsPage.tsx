import type { HrvAssessment, Trend, TrendsAnswer } from '../../src-common/coaching-contract';
import { directionWords, HRV_STATUS_WORDS } from '../coaching-words';
import { formatDay, formatHoursMinutes, formatNumber, formatShortDay, isFiniteNumber } from '../format';
import { useCoaching } from '../stores';
import { TREND_DAY_CHOICES } from '../stores/coaching-store';
import { DAY_STEPS, extent, LineChart } from './LineChart';
import { DataNote, PageFrame, PageStatus, RangeSelect } from './PageFrame';

const lastWith = <T,>(items: readonly T[], has: (item: T) => boolean): T | null => [...items].reverse().find(has) ?? null;

/** A daily value as dots and its 7-day mean as a line, over the days of the answer. */
function TrendChart({
  answer,
  id,
  title,
  label,
  daily,
  mean,
  format,
  unitTitle,
  band,
}: {
  answer: TrendsAnswer;
  id: string;
  title: string;
  label: string;
  daily: ReadonlyArray<number | null>;
  mean: ReadonlyArray<number | null>;
  format: (v: number) => string;
  unitTitle: string;
  band?: ReadonlyArray<{ lo: number | null; hi: number | null }>;
}) {
  const days = answer.days;
  if (days.length < 2 || ![...daily, ...mean].some(isFiniteNumber)) return null;
  const range = extent([...daily, ...mean, ...(band ?? []).flatMap((b) => [b.lo, b.hi])], 0.1) ?? { min: 0, max: 1 };
  return (
    <figure className="chart" aria-labelledby={`${id}-chart-title`}>
      <h3 id={`${id}-chart-title`}>{title}</h3>
      <LineChart
        testId={`${id}-chart`}
        height={180}
        label={label}
        x={{ min: 0, max: days.length - 1, format: (v) => formatShortDay(days[Math.round(v)]?.date ?? answer.to), steps: DAY_STEPS }}
        left={{ ...range, format, title: unitTitle }}
        band={band && { label: 'Your normal range (60-day baseline)', className: 'band-normal', points: band.map((b, i) => ({ x: i, lo: b.lo, hi: b.hi })) }}
        lines={[
          { key: 'daily', label: 'Each day', className: 'line-soft', dots: true, points: daily.map((y, i) => ({ x: i, y })) },
          { key: 'mean', label: '7-day average', className: 'line-a', points: mean.map((y, i) => ({ x: i, y })) },
        ]}
      />
    </figure>
  );
}

const trendSentence = (what: string, t: Trend | null, format: (v: number | null) => string) =>
  t && isFiniteNumber(t.mean_7d) ? `${what}: 7-day average ${format(t.mean_7d)}, against ${format(t.mean_28d)} over 28 days, ${directionWords(t.direction)}.` : `${what}: not enough days yet for an average.`;

function HrvStatusBlock({ latest }: { latest: HrvAssessment | null }) {
  if (!latest?.status) return null;
  const words = HRV_STATUS_WORDS[latest.status];
  return (
    <p data-testid="hrv-status">
      <span className={`pill ${words.tone}`}>HRV: {words.label}</span>{' '}
      <span className="muted">
        On {formatDay(latest.date)} {words.detail}
        {latest.baseline ? ` (${formatNumber(latest.seven_day_avg)} ms against ${formatNumber(latest.baseline.low)}–${formatNumber(latest.baseline.high)} ms).` : '.'}
      </span>
    </p>
  );
}

function LastWeekTable({ answer }: { answer: TrendsAnswer }) {
  const rows = answer.days.slice(-7).reverse();
  if (rows.length === 0) return null;
  const statusOn = new Map(answer.hrv.map((h) => [h.date, h.status]));
  return (
    <div className="table-scroll">
      <table className="activities" data-testid="trend-days">
        <caption>The last 7 days</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col" className="num">HRV</th>
            <th scope="col">HRV status</th>
            <th scope="col" className="num">Resting HR</th>
            <th scope="col" className="num">Sleep</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => {
            const status = statusOn.get(d.date) ?? null;
            return (
              <tr key={d.date}>
                <th scope="row">{formatDay(d.date)}</th>
                <td className="num">{formatNumber(d.hrv_ms, 0, 'ms')}</td>
                <td>{status ? HRV_STATUS_WORDS[status].label : '—'}</td>
                <td className="num">{formatNumber(d.resting_hr, 0, 'bpm')}</td>
                <td className="num">{formatHoursMinutes(d.sleep_s)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** HRV against the runner's baseline band, resting heart rate and sleep, with their trends. */
export function TrendsPage({ backLabel, onBack }: { backLabel: string; onBack: () => void }) {
  const { data: answer, freshness, error, loading } = useCoaching((s) => s.trends);
  const days = useCoaching((s) => s.trendDays);
  const setTrendDays = useCoaching((s) => s.setTrendDays);
  const reload = useCoaching((s) => s.loadTrends);
  const latestHrv = answer ? (lastWith(answer.hrv, (h) => h.status !== null) ?? answer.hrv[answer.hrv.length - 1] ?? null) : null;
  const lastRest = answer ? lastWith(answer.resting_hr, (t) => isFiniteNumber(t.mean_7d)) : null;
  const lastSleep = answer ? lastWith(answer.sleep, (t) => isFiniteNumber(t.mean_7d)) : null;
  const hrvNights = answer ? answer.days.filter((d) => isFiniteNumber(d.hrv_ms)).length : 0;
  const bpm = (v: number | null) => formatNumber(v, 0, 'bpm');
  return (
    <PageFrame
      id="trends"
      title="HRV, resting heart rate and sleep"
      backLabel={backLabel}
      onBack={onBack}
      freshness={freshness}
      busy={loading}
      tools={<RangeSelect value={days} choices={TREND_DAY_CHOICES} unit="days" onChange={(value) => void setTrendDays(value)} />}
    >
      <PageStatus loading={loading} error={error} hasData={answer !== null} onRetry={() => void reload()} />
      {answer && (
        <>
          {hrvNights === 0 && <DataNote testId="note-no-hrv">No HRV nights in these days: your watch may not measure HRV overnight, or they are not synced yet.</DataNote>}
          {hrvNights > 0 && !latestHrv?.status && (
            <DataNote testId="note-no-baseline">Your HRV status needs about three weeks of nights to learn your normal range; {hrvNights} so far in these days.</DataNote>
          )}
          <HrvStatusBlock latest={latestHrv} />
          <TrendChart
            answer={answer}
            id="hrv"
            title="Heart rate variability (overnight)"
            label={
              `Overnight HRV from ${formatDay(answer.from)} to ${formatDay(answer.to)}. ` +
              (latestHrv && isFiniteNumber(latestHrv.seven_day_avg)
                ? `On ${formatDay(latestHrv.date)} the 7-day average is ${formatNumber(latestHrv.seven_day_avg)} ms` +
                  (latestHrv.baseline ? `, your normal range ${formatNumber(latestHrv.baseline.low)}–${formatNumber(latestHrv.baseline.high)} ms` : '') +
                  (latestHrv.status ? `: ${HRV_STATUS_WORDS[latestHrv.status].label.toLowerCase()}.` : '.')
                : `${hrvNights} nights with HRV.`)
            }
            daily={answer.days.map((d) => d.hrv_ms)}
            mean={answer.hrv.map((h) => h.seven_day_avg)}
            band={answer.hrv.map((h) => ({ lo: h.baseline?.low ?? null, hi: h.baseline?.high ?? null }))}
            format={(v) => formatNumber(v)}
            unitTitle="ms"
          />
          <TrendChart
            answer={answer}
            id="resting-hr"
            title="Resting heart rate"
            label={trendSentence('Resting heart rate', lastRest, bpm)}
            daily={answer.days.map((d) => d.resting_hr)}
            mean={answer.resting_hr.map((t) => t.mean_7d)}
            format={(v) => formatNumber(v)}
            unitTitle="bpm"
          />
          <p className="small muted" data-testid="resting-hr-trend">
            {trendSentence('Resting heart rate', lastRest, bpm)}
          </p>
          <TrendChart
            answer={answer}
            id="sleep"
            title="Sleep"
            label={trendSentence('Sleep', lastSleep, formatHoursMinutes)}
            daily={answer.days.map((d) => (isFiniteNumber(d.sleep_s) ? d.sleep_s / 3600 : null))}
            mean={answer.sleep.map((t) => (isFiniteNumber(t.mean_7d) ? t.mean_7d / 3600 : null))}
            format={(v) => `${formatNumber(v, 1)} h`}
            unitTitle="hours"
          />
          <p className="small muted" data-testid="sleep-trend">
            {trendSentence('Sleep', lastSleep, formatHoursMinutes)}
          </p>
          <LastWeekTable answer={answer} />
        </>
      )}
    </PageFrame>
  );
}
