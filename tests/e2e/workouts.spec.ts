import { expect, test } from '@playwright/test';
import { addDays, localDate } from '../../src-common/dates.js';
import { intervalsOn } from '../support/workouts.js';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';

let env: AppWorld;

test.afterEach(async () => {
  await env?.stop();
});

test('an agent’s proposal shows as a card with its steps in words and its planned intensity; Approve puts it on Garmin; a refused delivery offers Reconnect; Reject takes it away', async ({ page }) => {
  test.setTimeout(120_000);
  env = await startApp();
  env.sim.permissions = ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'WORKOUT_IMPORT'];
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  const panel = page.getByTestId('workouts-panel');
  await expect(panel).toContainText('No workouts proposed yet.');

  // An agent proposes over the agent endpoint, with its own grant.
  const { secret } = env.app.core.companion.agents.add('coach');
  const propose = async (body: unknown) => {
    const res = await fetch(`${env.app.core.agents!.url}/v1/workouts`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: string }).id;
  };
  const date = addDays(localDate(Date.now()), 2);
  await propose(intervalsOn(date));

  const card = panel.getByTestId('workout-card');
  await expect(card).toHaveCount(1, { timeout: 15_000 });
  await expect(card.getByRole('heading', { name: 'Tuesday 6 × 800 m' })).toBeVisible();
  await expect(card.getByTestId('workout-status')).toHaveText('awaiting your approval');
  await expect(card).toContainText('proposed by coach');
  await expect(card.getByRole('list', { name: 'Steps' }).getByRole('listitem')).toHaveText(['Warm-up: 15:00 in heart-rate zone 2', '6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30)', 'Cool-down: until you press lap']);
  await expect(card.getByTestId('intensity-chart')).toHaveAttribute('aria-label', 'Planned intensity of Tuesday 6 × 800 m: 14 steps over about 44:00, 6 of them hard');
  await expect(card.locator('rect.step')).toHaveCount(14);
  await expect(card.locator('rect.step.interval')).toHaveCount(6);
  expect(env.sim.training.requests).toEqual([]);
  await screenshot(page, '40-workout-approval-card');
  await card.screenshot({ path: 'test-results/screenshots/40-workout-approval-card-only.png' });

  await card.getByRole('button', { name: 'Approve Tuesday 6 × 800 m' }).click();
  const decided = panel.getByTestId('workouts-decided');
  await expect(decided.getByRole('row', { name: /Tuesday 6 × 800 m/ })).toContainText('scheduled on Garmin', { timeout: 15_000 });
  await expect(card).toHaveCount(0);
  expect(env.sim.training.workouts()).toHaveLength(1);
  expect(env.sim.training.schedules()).toEqual([expect.objectContaining({ date })]);

  // The runner switched Workout import off in Garmin Connect: Garmin answers 412, and the card says so.
  env.sim.permissions = ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'];
  await propose({ ...intervalsOn(date), name: 'Thursday tempo' });
  await expect(card).toHaveCount(1, { timeout: 15_000 });
  await card.getByRole('button', { name: 'Approve Thursday tempo' }).click();
  const problem = card.getByTestId('workout-error');
  await expect(problem).toContainText('Garmin does not let R42 add workouts.');
  await expect(problem.getByRole('button', { name: 'Reconnect Garmin' })).toBeVisible();
  await expect(card.getByTestId('workout-status')).toHaveText('approved, not on Garmin yet');
  await screenshot(page, '41-workout-reconnect');
  await card.getByRole('button', { name: 'Reject Thursday tempo' }).click();
  await expect(decided.getByRole('row', { name: /Thursday tempo/ })).toContainText('rejected');
  await expect(card).toHaveCount(0);
  expect(env.sim.training.workouts()).toHaveLength(1);
});
