import { z } from 'zod';
import { healthMeasurements } from '../../../../src-common/contract.js';
import { dateArg, freshness, lastSync, resolveRange, tool } from './tool-kit.js';

export const getHealthMetrics = tool({
  name: 'get_health_metrics',
  description:
    `Health measurements, newest first: \`fitness\` (VO2 max, ml/kg/min, and fitness age, about weekly), \`blood_pressure\` (mmHg, pulse), \`skin_temperature\` (the night's deviation from baseline, °C; about +1 °C can come before an illness), \`snapshots\` (2-minute watch readings: HR, SpO2, breaths, stress, HRV); empty when not measured.`,
  input: z.strictObject({ from: dateArg('from'), to: dateArg('to') }),
  output: z.object({ from: z.string(), to: z.string(), health: z.object(healthMeasurements.shape), ...freshness }),
  readOnly: true,
  async run(args, deps) {
    const range = resolveRange(args, deps);
    const answer = deps.data.health(range);
    const h = answer.data;
    const facts = [
      h.fitness[0] ? `VO2 max ${h.fitness[0].vo2max ?? '—'} on ${h.fitness[0].calendar_date}` : null,
      h.blood_pressure[0] ? `${h.blood_pressure.length} blood pressure readings, the last ${h.blood_pressure[0].systolic ?? '—'}/${h.blood_pressure[0].diastolic ?? '—'} on ${h.blood_pressure[0].local_date}` : null,
      h.skin_temperature[0] ? `skin temperature ${h.skin_temperature[0].deviation_c ?? '—'} °C from baseline on ${h.skin_temperature[0].calendar_date}` : null,
      h.snapshots.length ? `${h.snapshots.length} health snapshots` : null,
    ].filter((f): f is string => f !== null);
    return {
      structured: { ...range, health: h, last_sync_at: answer.last_sync_at, stale: answer.stale },
      summary: `${range.from} to ${range.to}: ${facts.length ? facts.join('; ') : 'no health measurements'}; ${lastSync(answer)}.`,
    };
  },
});
