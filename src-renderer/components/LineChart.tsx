import { useEffect, useRef, useState, type ReactNode } from 'react';
import { isFiniteNumber } from '../format';

/** The width a chart is shown at, in CSS pixels, so it is drawn at that size (text stays readable). */
export function useChartWidth<E extends HTMLElement>(initial = 640) {
  const ref = useRef<E>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const measure = () => {
      const measured = Math.round(element.getBoundingClientRect().width);
      if (measured > 0) setWidth(Math.max(240, measured));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export interface ChartPoint {
  readonly x: number;
  readonly y: number | null;
}

export interface ChartLine {
  readonly key: string;
  /** The legend's words. */
  readonly label: string;
  /** A CSS class giving its colour (`line-a`, `line-b`, …). */
  readonly className: string;
  readonly points: readonly ChartPoint[];
  readonly axis?: 'left' | 'right';
  readonly dashed?: boolean;
  /** Dots at each point instead of a line (sparse daily values). */
  readonly dots?: boolean;
}

/** A shaded band between `lo` and `hi` (a normal range), on the left axis. */
export interface ChartBand {
  readonly label: string;
  readonly className: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly lo: number | null; readonly hi: number | null }>;
}

export interface ChartAxis {
  readonly min: number;
  readonly max: number;
  readonly format: (value: number) => string;
  /** Larger values drawn lower (pace: faster is up). */
  readonly invert?: boolean;
  /** Words beside the axis (its unit). */
  readonly title?: string;
}

/** A min and max with some room around the values, and never an empty range. */
export function extent(values: ReadonlyArray<number | null | undefined>, pad = 0.05, floor?: number): { min: number; max: number } | null {
  const finite = values.filter(isFiniteNumber);
  if (finite.length === 0) return null;
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (max - min < 1e-9) {
    min -= 1;
    max += 1;
  }
  const room = (max - min) * pad;
  min -= room;
  max += room;
  if (floor !== undefined) min = Math.max(floor, min);
  return { min, max };
}

/** The path of a line, broken where a value is missing (no line is drawn across a gap). */
function linePath(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
}

function segments(points: readonly ChartPoint[]): Array<Array<{ x: number; y: number }>> {
  const out: Array<Array<{ x: number; y: number }>> = [];
  let current: Array<{ x: number; y: number }> = [];
  for (const p of points) {
    if (isFiniteNumber(p.x) && isFiniteNumber(p.y)) current.push({ x: p.x, y: p.y });
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * A line chart in SVG (no chart library): lines on a left and an optional right axis, an optional
 * shaded band, and a legend. The SVG is one image (`role="img"`) named by `label`, which states in
 * words what the picture shows; a table beside it carries the figures themselves.
 */
export function LineChart({
  label,
  testId,
  height = 220,
  x,
  left,
  right,
  lines,
  band,
  children,
}: {
  label: string;
  testId?: string;
  height?: number;
  x: ChartAxis;
  left: ChartAxis;
  right?: ChartAxis;
  lines: readonly ChartLine[];
  band?: ChartBand;
  /** Extra marks drawn under the lines, given the scales. */
  children?: (scales: { sx: (v: number) => number; sy: (v: number) => number }) => ReactNode;
}) {
  const { ref, width } = useChartWidth<HTMLDivElement>();
  const pad = { top: 12, right: right ? 48 : 12, bottom: 28, left: 52 };
  const plotW = Math.max(1, width - pad.left - pad.right);
  const plotH = Math.max(1, height - pad.top - pad.bottom);
  const scale = (axis: ChartAxis) => (v: number) => {
    const f = (v - axis.min) / (axis.max - axis.min || 1);
    return pad.top + plotH * (axis.invert ? f : 1 - f);
  };
  const sx = (v: number) => pad.left + plotW * ((v - x.min) / (x.max - x.min || 1));
  const sl = scale(left);
  const sr = right ? scale(right) : sl;
  const ticks = (axis: ChartAxis) => [0, 0.5, 1].map((f) => axis.min + (axis.max - axis.min) * f);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => x.min + (x.max - x.min) * f);

  const bandPath = (() => {
    if (!band) return [];
    const runs: Array<Array<{ x: number; lo: number; hi: number }>> = [];
    let current: Array<{ x: number; lo: number; hi: number }> = [];
    for (const p of band.points) {
      if (isFiniteNumber(p.x) && isFiniteNumber(p.lo) && isFiniteNumber(p.hi)) current.push({ x: p.x, lo: p.lo, hi: p.hi });
      else if (current.length) {
        runs.push(current);
        current = [];
      }
    }
    if (current.length) runs.push(current);
    return runs.map((run) => {
      const upper = run.map((p) => ({ x: sx(p.x), y: sl(p.hi) }));
      const lower = [...run].reverse().map((p) => ({ x: sx(p.x), y: sl(p.lo) }));
      return `${linePath([...upper, ...lower])}Z`;
    });
  })();

  return (
    <div className="line-chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} data-testid={testId}>
        {ticks(left).map((t, i) => (
          <g key={`l${i}`}>
            <line x1={pad.left} x2={width - pad.right} y1={sl(t)} y2={sl(t)} className="grid" />
            <text x={pad.left - 6} y={sl(t) + 4} textAnchor="end" className="axis">
              {left.format(t)}
            </text>
          </g>
        ))}
        {right &&
          ticks(right).map((t, i) => (
            <text key={`r${i}`} x={width - pad.right + 6} y={sr(t) + 4} textAnchor="start" className="axis">
              {right.format(t)}
            </text>
          ))}
        {xTicks.map((t, i) => (
          <text key={`x${i}`} x={sx(t)} y={height - 8} textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'} className="axis">
            {x.format(t)}
          </text>
        ))}
        {bandPath.map((d, i) => (
          <path key={`band${i}`} d={d} className={`band ${band!.className}`} />
        ))}
        {children?.({ sx, sy: sl })}
        {lines.map((line) => {
          const sy = line.axis === 'right' ? sr : sl;
          const scaled = segments(line.points).map((seg) => seg.map((p) => ({ x: sx(p.x), y: sy(p.y) })));
          return (
            <g key={line.key} className={`series ${line.className}`}>
              {line.dots
                ? scaled.flat().map((p, i) => <circle key={i} cx={p.x.toFixed(1)} cy={p.y.toFixed(1)} r={2.5} className="dot" />)
                : scaled.map((seg, i) => <path key={i} d={linePath(seg)} className={`line${line.dashed ? ' dashed' : ''}`} />)}
            </g>
          );
        })}
      </svg>
      <ul className="legend" aria-hidden="true">
        {band && (
          <li>
            <span className={`swatch band ${band.className}`} />
            {band.label}
          </li>
        )}
        {lines.map((line) => (
          <li key={line.key}>
            <span className={`swatch ${line.className}${line.dashed ? ' dashed' : ''}${line.dots ? ' dots' : ''}`} />
            {line.label}
            {line.axis === 'right' && right?.title ? ` (right, ${right.title})` : line.axis !== 'right' && left.title && right ? ` (left, ${left.title})` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}
