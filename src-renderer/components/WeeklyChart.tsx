import { niceTicks, useChartWidth } from './LineChart';
import type { WeekView } from '../../src-common/ipc-contract';
import { formatDay, formatShortDay } from '../format';

/** Width of one axis label, in CSS pixels: labels are skipped so none overlaps its neighbour. */
const LABEL_PX = 52;

/**
 * Bars of weekly running distance (SVG, no chart library), with a text alternative. Drawn at the
 * width it is shown at (not scaled down), so its text stays readable in a narrow window; colours
 * come from the theme's CSS variables.
 */
export function WeeklyChart({ weeks }: { weeks: readonly WeekView[] }) {
  const { ref, width } = useChartWidth<HTMLElement>();
  const height = 180;
  // Room on the right for half a date label: the newest week's is centred under its bar.
  const pad = { top: 12, right: LABEL_PX / 2, bottom: 26, left: 48 };
  // Round kilometres (0, 20, 40, 60 rather than 0, 55, 110), the top one the axis's end.
  const { max, ticks } = niceTicks(0, Math.max(10, ...weeks.map((w) => w.distance_km)));
  const step = weeks.length ? (width - pad.left - pad.right) / weeks.length : 0;
  const y = (km: number) => pad.top + (height - pad.top - pad.bottom) * (1 - km / max);
  const total = weeks.reduce((n, w) => n + w.distance_km, 0);
  const labelEvery = step > 0 ? Math.max(1, Math.ceil(LABEL_PX / step)) : 1;
  return (
    <figure className="chart" aria-labelledby="weekly-title" ref={ref}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={`Weekly running distance, ${weeks.length} weeks, ${total.toFixed(1)} km in total`}
        data-testid="weekly-chart"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={pad.left - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {t} km
            </text>
          </g>
        ))}
        {weeks.map((w, i) => {
          const barHeight = height - pad.bottom - y(w.distance_km);
          // Counted from the newest week, so the latest week always has its date.
          const labelled = (weeks.length - 1 - i) % labelEvery === 0;
          return (
            <g key={w.week_start}>
              <rect x={pad.left + i * step + step * 0.15} y={y(w.distance_km)} width={step * 0.7} height={Math.max(0, barHeight)} rx={2} className="bar">
                <title>{`Week of ${formatDay(w.week_start)}: ${w.distance_km} km, ${w.runs} runs, long run ${w.long_run_km} km`}</title>
              </rect>
              {labelled && (
                <text x={pad.left + i * step + step / 2} y={height - 8} textAnchor="middle" className="axis">
                  {formatShortDay(w.week_start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="sr-only">
        <table>
          <thead>
            <tr>
              <th>Week of</th>
              <th>km</th>
              <th>Runs</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.week_start}>
                <td>{formatDay(w.week_start)}</td>
                <td>{w.distance_km}</td>
                <td>{w.runs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
