/** What a watch's FIT file recorded beyond the API, as a runner reads it in a terminal (`activities show`). */
import type { WatchRecorded } from '../../src-common/coaching-contract.js';
import { clockTime } from '../../src-common/format.js';
import { num, table } from './coaching-format.js';

const SOURCE: Record<WatchRecorded['source'], string> = {
  file: 'a FIT file',
  watch: 'the watch (USB)',
  export: 'Garmin Connect’s export',
  activity_file: 'Garmin’s activity file',
};

export function describeRecorded(r: WatchRecorded): string {
  const out: string[] = [];
  const s = r.session;
  out.push(
    `Recorded by ${r.device ?? 'the watch'}, imported from ${SOURCE[r.source]}${r.legs > 1 ? ` (leg ${r.leg} of ${r.legs} of a multisport activity)` : ''}` +
      `${r.samples_from_file ? '' : '; the figures above use Garmin’s samples, which were richer'}.`,
  );
  const session = [
    s.distance_m !== null ? `${(s.distance_m / 1000).toFixed(2)} km` : null,
    s.timer_s !== null ? `${clockTime(s.timer_s)} timer` : null,
    s.avg_hr !== null ? `avg HR ${num(s.avg_hr)}` : null,
    s.avg_power_w !== null ? `avg power ${num(s.avg_power_w)} W${s.normalized_power_w !== null ? ` (NP ${num(s.normalized_power_w)})` : ''}` : null,
    s.avg_cadence_spm !== null ? `cadence ${num(s.avg_cadence_spm)}` : null,
    s.avg_vertical_oscillation_mm !== null ? `vertical oscillation ${num(s.avg_vertical_oscillation_mm, 1)} mm` : null,
    s.avg_ground_contact_ms !== null ? `ground contact ${num(s.avg_ground_contact_ms)} ms` : null,
    s.avg_stride_length_m !== null ? `stride ${num(s.avg_stride_length_m, 2)} m` : null,
    s.avg_temperature_c !== null ? `${num(s.avg_temperature_c)} °C` : null,
  ].filter((x): x is string => x !== null);
  if (session.length) out.push(`The watch's totals: ${session.join(', ')}.`);
  const c = r.channels;
  const channels = [
    c.power_w ? `power avg ${num(c.power_w.avg)} W, max ${num(c.power_w.max)} W` : null,
    c.vertical_oscillation_mm ? `vertical oscillation avg ${num(c.vertical_oscillation_mm.avg, 1)} mm` : null,
    c.ground_contact_ms ? `ground contact avg ${num(c.ground_contact_ms.avg)} ms` : null,
    c.stride_length_m ? `stride length avg ${num(c.stride_length_m.avg, 2)} m` : null,
    c.temperature_c ? `temperature avg ${num(c.temperature_c.avg, 1)} °C, max ${num(c.temperature_c.max)} °C` : null,
    c.cadence_rpm ? `cadence avg ${num(c.cadence_rpm.avg)} rpm` : null,
  ].filter((x): x is string => x !== null);
  if (channels.length) out.push(`Per second: ${channels.join('; ')}.`);
  if (r.laps.length > 1) {
    out.push(
      '',
      table(
        ['WATCH LAP', 'KM', 'TIMER', 'HR', 'POWER', 'ENDED BY'],
        r.laps.map((l) => [String(l.index), l.distance_m === null ? '—' : (l.distance_m / 1000).toFixed(2), clockTime(l.timer_s), num(l.avg_hr), l.avg_power_w === null ? '—' : `${num(l.avg_power_w)} W`, l.trigger ?? '—']),
      ),
    );
  }
  if (r.developer_fields.length) out.push(`Connect IQ fields (kept raw): ${r.developer_fields.map((f) => `${f.name ?? `#${f.key}`}${f.units ? ` (${f.units})` : ''}`).join(', ')}.`);
  for (const w of r.warnings) out.push(`Note: ${w}`);
  return out.join('\n');
}
