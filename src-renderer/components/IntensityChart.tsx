import type { Workout } from '../../src-common/workout';
import { intensityBlocks } from '../../src-common/workout-words';
import { clockTime } from '../../src-common/format';

const WIDTH = 600;
const HEIGHT = 72;

/** The planned intensity over time: a bar per step as the watch runs them, as tall as the step is hard. */
export function IntensityChart({ workout, label }: { workout: Pick<Workout, 'steps' | 'sport'>; label: string }) {
  const blocks = intensityBlocks(workout);
  const total = blocks.reduce((sum, b) => sum + b.seconds, 0) || 1;
  // Hard: an interval, or a step aimed high (pace, heart rate or zone).
  const hard = blocks.filter((b) => b.kind === 'interval' || b.level >= 0.7).length;
  return (
    <svg
      className="intensity-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${label}: ${blocks.length} steps over about ${clockTime(Math.round(total / 60) * 60)}, ${hard} of them hard`}
      data-testid="intensity-chart"
    >
      <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="axis" />
      {blocks.map((b, i) => {
        const x = (b.startS / total) * WIDTH;
        const w = Math.max(1, (b.seconds / total) * WIDTH - 1);
        const h = Math.max(3, b.level * (HEIGHT - 6));
        return (
          <rect key={i} x={x} y={HEIGHT - h} width={w} height={h} className={`step ${b.kind}${b.open ? ' open' : ''}`}>
            <title>{`${b.label}${b.open ? ' (ends on the lap button or a heart rate)' : `, ${clockTime(b.seconds)}`}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
