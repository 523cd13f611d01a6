import type { WatchRecorded as Recorded } from '../../src-common/coaching-contract';
import { clockTime } from '../../src-common/format';

const SOURCE: Record<Recorded['source'], string> = { file: 'a FIT file', watch: 'the watch (USB)', export: 'Garmin Connect’s export', activity_file: 'Garmin’s activity file' };
const n = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** What the watch's own file recorded beyond Garmin's API: its totals, laps, power, running dynamics, temperature, Connect IQ fields. */
export function WatchRecorded({ recorded: r }: { recorded: Recorded }) {
  const s = r.session;
  const c = r.channels;
  const facts: Array<[string, string]> = [
    ...(s.avg_power_w !== null ? [['Power', `${n(s.avg_power_w)} W avg${s.max_power_w !== null ? `, ${n(s.max_power_w)} W max` : ''}`] as [string, string]] : c.power_w ? [['Power', `${n(c.power_w.avg)} W avg`] as [string, string]] : []),
    ...(s.avg_cadence_spm !== null ? [['Cadence', `${n(s.avg_cadence_spm)}`] as [string, string]] : []),
    ...(c.vertical_oscillation_mm ? [['Vertical oscillation', `${n(c.vertical_oscillation_mm.avg, 1)} mm`] as [string, string]] : []),
    ...(c.ground_contact_ms ? [['Ground contact', `${n(c.ground_contact_ms.avg)} ms`] as [string, string]] : []),
    ...(c.stride_length_m ? [['Stride length', `${n(c.stride_length_m.avg, 2)} m`] as [string, string]] : []),
    ...(c.temperature_c ? [['Temperature', `${n(c.temperature_c.avg, 1)} °C`] as [string, string]] : []),
  ];
  return (
    <section aria-labelledby="watch-title" data-testid="watch-recorded">
      <h3 id="watch-title">Recorded by the watch</h3>
      <p className="small muted">
        {r.device ?? 'The watch'}, imported from {SOURCE[r.source]}
        {r.legs > 1 ? `, leg ${r.leg} of ${r.legs} of a multisport activity` : ''}
        {r.samples_from_file ? '' : '; the figures above use Garmin’s samples, which were richer'}.
      </p>
      {facts.length > 0 && (
        <dl className="stats" aria-label="Recorded by the watch">
          {facts.map(([label, value]) => (
            <div key={label} className="stat">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {r.laps.length > 1 && (
        <div className="table-scroll">
        <table className="activities">
          <caption>The watch's laps</caption>
          <thead>
            <tr>
              <th scope="col">Lap</th>
              <th scope="col" className="num">Distance</th>
              <th scope="col" className="num">Timer</th>
              <th scope="col" className="num">Avg HR</th>
              <th scope="col" className="num">Power</th>
            </tr>
          </thead>
          <tbody>
            {r.laps.map((l) => (
              <tr key={l.index}>
                <td>{l.index}</td>
                <td className="num">{l.distance_m === null ? '—' : `${(l.distance_m / 1000).toFixed(2)} km`}</td>
                <td className="num">{clockTime(l.timer_s)}</td>
                <td className="num">{n(l.avg_hr)}</td>
                <td className="num">{l.avg_power_w === null ? '—' : `${n(l.avg_power_w)} W`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {r.developer_fields.length > 0 && <p className="small muted">Connect IQ fields kept: {r.developer_fields.map((f) => f.name ?? `#${f.key}`).join(', ')}.</p>}
      {r.warnings.map((w) => (
        <p key={w} className="small muted">
          {w}
        </p>
      ))}
    </section>
  );
}
