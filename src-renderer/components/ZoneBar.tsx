import type { HrZone, ZoneTime } from '../../src-common/coaching-contract';
import { formatNumber, formatSeconds, isFiniteNumber } from '../format';

const PARTS = [
  { key: 'below_s', name: 'Below zone 1', short: '<Z1', zone: 0 },
  { key: 'z1_s', name: 'Zone 1', short: 'Z1', zone: 1 },
  { key: 'z2_s', name: 'Zone 2', short: 'Z2', zone: 2 },
  { key: 'z3_s', name: 'Zone 3', short: 'Z3', zone: 3 },
  { key: 'z4_s', name: 'Zone 4', short: 'Z4', zone: 4 },
  { key: 'z5_s', name: 'Zone 5', short: 'Z5', zone: 5 },
  { key: 'no_hr_s', name: 'No heart rate', short: 'No HR', zone: -1 },
] as const;

const bpm = (zone: HrZone | undefined) => (zone ? (zone.to_bpm === null ? `${formatNumber(zone.from_bpm)}+ bpm` : `${formatNumber(zone.from_bpm)}–${formatNumber(zone.to_bpm)} bpm`) : null);

/**
 * Time in each heart-rate zone as one stacked bar, with the same figures as a list beside it (the
 * bar is one image named by its figures; the list is what a screen reader reads through).
 */
export function ZoneBar({ zones, bounds, title }: { zones: ZoneTime; bounds: readonly HrZone[]; title: string }) {
  const parts = PARTS.map((p) => ({ ...p, seconds: isFiniteNumber(zones[p.key]) ? Math.max(0, zones[p.key]) : 0 })).filter((p) => p.seconds > 0 || (p.zone >= 1 && p.zone <= 5));
  const total = parts.reduce((sum, p) => sum + p.seconds, 0);
  const share = (s: number) => (total > 0 ? (s / total) * 100 : 0);
  const described = parts.map((p) => `${p.name} ${formatSeconds(p.seconds)} (${formatNumber(share(p.seconds))} %)`).join(', ');
  return (
    <div className="zones">
      {/* SVG, not inline styles: the renderer's CSP allows no style attributes. */}
      <svg className="zone-bar" viewBox="0 0 1000 18" preserveAspectRatio="none" width="100%" height="18" role="img" aria-label={`${title}: ${described}`} data-testid="zone-bar">
        {total > 0 &&
          parts
            .filter((p) => p.seconds > 0)
            .reduce<Array<{ part: (typeof parts)[number]; x: number; w: number }>>((acc, part) => {
              const prev = acc[acc.length - 1];
              acc.push({ part, x: prev ? prev.x + prev.w : 0, w: share(part.seconds) * 10 });
              return acc;
            }, [])
            .map(({ part, x, w }) => (
              <rect key={part.key} x={x.toFixed(2)} width={w.toFixed(2)} y={0} height={18} className={`zone-part zone-${part.zone < 0 ? 'none' : part.zone}`}>
                <title>{`${part.name}: ${formatSeconds(part.seconds)}`}</title>
              </rect>
            ))}
      </svg>
      <ul className="zone-legend">
        {parts.map((p) => {
          const range = p.zone >= 1 ? bpm(bounds.find((b) => b.zone === p.zone)) : null;
          return (
            <li key={p.key}>
              <span className={`swatch zone-${p.zone < 0 ? 'none' : p.zone}`} aria-hidden="true" />
              <span className="zone-name">
                {p.name}
                {range && <span className="muted small"> {range}</span>}
              </span>
              <span className="num">{formatSeconds(p.seconds)}</span>
              <span className="num muted">{formatNumber(share(p.seconds))} %</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
