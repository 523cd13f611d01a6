import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseWorkout, type Workout } from '../../src-common/workout';
import type { WorkoutView } from '../../src-common/workout-contract';
import { summarizeWorkout } from '../../src-common/workout-words';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import { connectedState } from './fake-bridge';
import { intervalsOn } from '../support/workouts';

const plan = (parseWorkout(intervalsOn('2026-12-08')) as { value: Workout }).value;
const waiting: WorkoutView = {
  id: 'w_Ab12Cd34Ef56Gh78',
  status: 'awaiting_approval',
  name: plan.name,
  sport: 'running',
  date: '2026-12-08',
  notes: plan.notes ?? null,
  summary: summarizeWorkout(plan),
  steps: plan.steps,
  proposed_by: { agent: 'coach-gpt', grant: 'coach' },
  proposed_at: '2026-12-06T10:00:00.000Z',
  decided_at: null,
  garmin: { workout_id: null, schedule_id: null },
  delivery: { state: 'none', last_error: null },
  plan_vs_done: null,
};
const invoked: Array<[string, unknown]> = [];
let decision: unknown;
const planned = {
  workout_id: 'w_Ab12Cd34Ef56Gh78',
  name: 'Intervals 3 × 1 km',
  date: '2026-12-08',
  plan_vs_done: {
    activity_id: 'run-1',
    activity_name: 'Intervals',
    local_date: '2026-12-08',
    steps_found_by: 'plan',
    steps: [
      { index: 1, label: 'Interval 1 of 3', planned: 'Interval: 1 km at 3:55–4:05/km', status: 'completed', seconds: 240, meters: 1000, pace_s_per_km: 240, avg_hr: 168, target: 'at 3:55–4:05/km', in_target_s: 240, in_target_pct: 100, under_s: 0, over_s: 0 },
      { index: 3, label: 'Interval 2 of 3', planned: 'Interval: 1 km at 3:55–4:05/km', status: 'completed', seconds: 250, meters: 1000, pace_s_per_km: 250, avg_hr: 171, target: 'at 3:55–4:05/km', in_target_s: 120, in_target_pct: 48, under_s: 130, over_s: 0 },
      { index: 5, label: 'Interval 3 of 3', planned: 'Interval: 1 km at 3:55–4:05/km', status: 'cut_short', seconds: 113, meters: 502, pace_s_per_km: 225, avg_hr: 178, target: 'at 3:55–4:05/km', in_target_s: 0, in_target_pct: 0, under_s: 0, over_s: 113 },
    ],
    completed: 2,
    cut_short: 1,
    skipped: 0,
    in_target_pct: 60,
    summary: '2 of 3 steps completed, 1 cut short; 60 % of the time in steps with a target within it.',
  },
};

beforeEach(() => {
  vi.resetModules();
  invoked.length = 0;
  const transport: BridgeTransport = {
    async invoke(channel, args) {
      invoked.push([channel, args]);
      if (channel === 'companion:state.get') return { ok: true, value: connectedState } as never;
      if (channel === 'companion:workouts.list') return { ok: true, value: { data: [waiting], last_sync_at: null, stale: false } } as never;
      if (channel === 'companion:workouts.approve') return { ok: true, value: decision } as never;
      if (channel === 'companion:workouts.forActivity') return { ok: true, value: (args as { id: string }).id === 'run-1' ? planned : null } as never;
      return { ok: true, value: null } as never;
    },
    onState: () => () => undefined,
  };
  Object.defineProperty(window, 'r42', { value: createBridgeApi(transport), configurable: true });
});
afterEach(cleanup);

async function renderPanel() {
  const { WorkoutsPanel } = await import('../../src-renderer/components/WorkoutsPanel');
  render(<WorkoutsPanel />);
  return screen.findByTestId('workout-card');
}

describe('the approval card', () => {
  it('shows the proposal in words with its chart, and Approve asks main to approve that workout', async () => {
    decision = { workout: { ...waiting, status: 'scheduled', delivery: { state: 'scheduled', last_error: null } }, delivery_error: null };
    const card = await renderPanel();
    expect(within(card).getByRole('heading', { name: 'Tuesday 6 × 800 m' })).toBeTruthy();
    expect(within(card).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Warm-up: 15:00 in heart-rate zone 2', '6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30)', 'Cool-down: until you press lap']);
    expect(within(card).getByRole('img').getAttribute('aria-label')).toBe('Planned intensity of Tuesday 6 × 800 m: 14 steps over about 44:00, 6 of them hard');
    await act(async () => fireEvent.click(within(card).getByRole('button', { name: 'Approve Tuesday 6 × 800 m' })));
    expect(invoked).toContainEqual(['companion:workouts.approve', { id: waiting.id }]);
    expect(await screen.findByText('scheduled on Garmin')).toBeTruthy();
  });

  it('a delivery Garmin refused for want of Workout import says so and offers Reconnect, which starts the sign-in', async () => {
    decision = { workout: { ...waiting, status: 'approved', delivery: { state: 'none', last_error: { code: 'workout_import_missing', message: 'x' } } }, delivery_error: { code: 'workout_import_missing', message: 'x' } };
    const card = await renderPanel();
    await act(async () => fireEvent.click(within(card).getByRole('button', { name: 'Approve Tuesday 6 × 800 m' })));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Garmin does not let R42 add workouts.');
    await act(async () => fireEvent.click(within(alert).getByRole('button', { name: 'Reconnect Garmin' })));
    expect(invoked.map(([channel]) => channel)).toContain('companion:auth.connect');
    expect(within(screen.getByTestId('workout-card')).getByRole('button', { name: 'Send again Tuesday 6 × 800 m' })).toBeTruthy();
  });
});

describe('the activity page’s plan against done', () => {
  it('shows the workout a run did step by step, and nothing for a run no workout planned', async () => {
    const { PlannedWorkout } = await import('../../src-renderer/components/PlannedWorkout');
    const { container } = render(
      <>
        <PlannedWorkout activityId="run-1" />
        <PlannedWorkout activityId="run-2" />
      </>,
    );
    const section = await screen.findByTestId('planned-workout');
    expect(screen.getAllByTestId('planned-workout')).toHaveLength(1);
    expect(within(section).getByRole('heading').textContent).toBe('Against the plan: “Intervals 3 × 1 km”');
    expect(section.textContent).toContain('2 of 3 steps completed, 1 cut short; 60 % of the time in steps with a target within it.');
    const rows = within(section).getAllByRole('row').slice(1).map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ['Interval 1 of 3', '1 km at 3:55–4:05/km', 'Completed', '4:00', '4:00', '168', '100 %'],
      ['Interval 2 of 3', '1 km at 3:55–4:05/km', 'Completed', '4:10', '4:10', '171', '48 %'],
      ['Interval 3 of 3', '1 km at 3:55–4:05/km', 'Cut short', '1:53', '3:45', '178', '0 %'],
    ]);
    expect(invoked.filter(([channel]) => channel === 'companion:workouts.forActivity').map(([, args]) => args)).toEqual([{ id: 'run-1' }, { id: 'run-2' }]);
    expect(container.textContent).not.toMatch(/NaN|undefined/);
  });
});
