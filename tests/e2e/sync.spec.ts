import { expect, test } from '@playwright/test';
import { DATA_STREAMS } from '../simulator/garmin-data.js';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';

let env: AppWorld;

test.afterEach(async () => {
  await env.stop();
});

test('after linking, history loads with a progress bar; the chart and the activity list fill in; Sync now catches up', async ({ page }) => {
  env = await startApp({ env: { R42_BACKFILL_DAYS: '84' } });
  // A Garmin that takes a moment per window, so the progress is visible.
  for (const stream of DATA_STREAMS) env.sim.fail(stream, { kind: 'delay', ms: 25 });
  await page.goto(env.url);
  await expect(page.getByText('No activities synced yet.')).toBeVisible();
  await expect(page.getByTestId('sync-freshness')).toHaveText('Not synced yet');

  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');

  const progress = page.getByRole('progressbar');
  await expect(progress).toBeVisible({ timeout: 10_000 });
  await expect(page.getByText(/Loading your history: \d+%/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Syncing…' })).toBeDisabled();
  await screenshot(page, '14-sync-progress');

  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 60_000 });
  await expect(progress).toBeHidden();
  const rows = page.getByRole('table', { name: 'Recent activities' }).locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThan(10);
  await expect(rows.first()).toContainText(/km/);
  const chart = page.getByTestId('weekly-chart');
  await expect(chart).toHaveAttribute('aria-label', /Weekly running distance, 12 weeks, [1-9]\d*\.\d km in total/);
  expect(await chart.locator('rect.bar').count()).toBe(12);
  await screenshot(page, '15-training-data');

  await page.getByLabel('Weeks shown').selectOption('52');
  await expect(chart.locator('rect.bar')).toHaveCount(52);

  env.sim.clearFaults();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByText(/^Synced: \d+ records/)).toBeVisible({ timeout: 15_000 });
  await screenshot(page, '16-synced-now');

  // Offline: Garmin gone, the data is still there and Sync now says it will resume.
  await env.sim.stop();
  await page.waitForTimeout(1_100); // let a new second of upload window open, so there is something to ask Garmin for
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByText('Garmin could not be reached; the sync continues by itself when the network is back.')).toBeVisible({ timeout: 15_000 });
  expect(await rows.count()).toBeGreaterThan(10);
});
