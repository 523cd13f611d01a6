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
  /** The axis's unit, written above it (and in the legend when there are two). */
  readonly title?: string;
  /** The steps its ticks may take (default 1, 2, 2.5 and 5 times a power of ten): seconds for a pace, days for dates. */
  readonly steps?: readonly number[];
}

/** Ticks at round values: 1, 2, 2.5 and 5 times a power of ten. */
const DECIMAL_STEPS = (span: number): number[] => {
  const power = 10 ** Math.floor(Math.log10(Math.max(span, 1e-9) / 10));
  return [1, 2, 2.5, 5, 10, 20, 25, 50, 100].map((f) => f * power);
};

/** Steps for a pace or a duration in seconds: 5 s, 10 s, 15 s, 30 s, whole minutes. */
export const SECOND_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;
/** Steps for an axis of days: a day, two, a week, two weeks, four. */
export const DAY_STEPS = [1, 2, 7, 14, 28, 56, 91, 182, 364] as const;

/**
 * Round ticks for a range: the smallest step of `steps` that draws at most `most` intervals,
 * and the range widened to whole steps (so the top tick is the axis's end, not a value like 335).
 */
export function niceTicks(min: number, max: number, options: { steps?: readonly number[]; most?: number } = {}): { min: number; max: number; ticks: number[] } {
  const most = options.most ?? 4;
  const span = Math.max(max - min, 1e-9);
  const steps = options.steps ?? DECIMAL_STEPS(span);
  const step = steps.find((s) => Math.ceil(max / s - 1e-9) - Math.floor(min / s + 1e-9) <= most) ?? steps[steps.length - 1]!;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.max(lo + step, Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-6; v += step) ticks.push(Number(v.toFixed(6)));
  return { min: lo, max: hi, ticks };
}

/** Round ticks inside a range, which stays as it is (an x axis: the line starts and ends where the data does). */
export function ticksWithin(min: number, max: number, options: { steps?: readonly number[]; most?: number } = {}): number[] {
  const { ticks } = niceTicks(min, max, options);
  return ticks.filter((t) => t >= min - 1e-9 && t <= max + 1e-9);
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
  left: leftGiven,
  right: rightGiven,
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
  // The y axes at round values: the range widened to whole steps, so its ends are ticks.
  const leftTicks = niceTicks(leftGiven.min, leftGiven.max, { steps: leftGiven.steps });
  const rightTicks = rightGiven ? niceTicks(rightGiven.min, rightGiven.max, { steps: rightGiven.steps }) : null;
  const left: ChartAxis = { ...leftGiven, min: leftTicks.min, max: leftTicks.max };
  const right: ChartAxis | undefined = rightGiven && rightTicks ? { ...rightGiven, min: rightTicks.min, max: rightTicks.max } : undefined;
  const pad = { top: 24, right: right ? 48 : 16, bottom: 28, left: 52 };
  const plotW = Math.max(1, width - pad.left - pad.right);
  const plotH = Math.max(1, height - pad.top - pad.bottom);
  const scale = (axis: ChartAxis) => (v: number) => {
    const f = (v - axis.min) / (axis.max - axis.min || 1);
    return pad.top + plotH * (axis.invert ? f : 1 - f);
  };
  const sx = (v: number) => pad.left + plotW * ((v - x.min) / (x.max - x.min || 1));
  const sl = scale(left);
  const sr = right ? scale(right) : sl;
  // At most one x label per 70 px, at round values inside the data's range.
  const xTicks = ticksWithin(x.min, x.max, { steps: x.steps, most: Math.max(2, Math.floor(plotW / 70)) });

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
        {leftTicks.ticks.map((t, i) => (
          <g key={`l${i}`}>
            <line x1={pad.left} x2={width - pad.right} y1={sl(t)} y2={sl(t)} className="grid" />
            <text x={pad.left - 6} y={sl(t) + 4} textAnchor="end" className="axis">
              {left.format(t)}
            </text>
          </g>
        ))}
        {left.title && (
          <text x={2} y={10} textAnchor="start" className="axis axis-unit">
            {left.title}
          </text>
        )}
        {right && rightTicks?.ticks.map((t, i) => (
          <text key={`r${i}`} x={width - pad.right + 6} y={sr(t) + 4} textAnchor="start" className="axis">
            {right.format(t)}
          </text>
        ))}
        {right?.title && (
          <text x={width - 2} y={10} textAnchor="end" className="axis axis-unit">
            {right.title}
          </text>
        )}
        {xTicks.map((t, i) => {
          // The first and last labels are anchored inside the picture, so neither is cut off.
          const at = sx(t);
          const anchor = at - pad.left < 30 ? 'start' : width - at < 30 ? 'end' : 'middle';
          return (
            <text key={`x${i}`} x={at} y={height - 8} textAnchor={anchor} className="axis">
              {x.format(t)}
            </text>
          );
        })}
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
