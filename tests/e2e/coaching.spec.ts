import { expect, test, type Page } from '@playwright/test';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';

let env: AppWorld;

test.afterEach(async () => {
  await env?.stop();
});

/** Nothing on the page reads NaN, undefined or Infinity, in its text or in an accessible name. */
async function expectNoBrokenNumbers(page: Page) {
  const text = await page.locator('main').innerText();
  expect(text).not.toMatch(/NaN|undefined|Infinity/);
  const labels = await page.locator('main [aria-label]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
  for (const label of labels) expect(label).not.toMatch(/NaN|undefined|Infinity/);
}

test('after a sync, an activity, the training load, HRV and sleep, and the records each open as a picture; Esc goes back', async ({ page }) => {
  test.setTimeout(150_000);
  // Two months: activity details for the last 30 days, enough nights for an HRV baseline.
  env = await startApp({ env: { R42_BACKFILL_DAYS: '60' } });
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 90_000 });

  // The newest run from the activity list (not a ride): its page.
  const runs = page.getByRole('button', { name: /, (Running|Trail running|Track running|Treadmill running): open its details$/ });
  await expect(runs.first()).toBeVisible();
  const opener = runs.first();
  await opener.click();
  const activity = page.getByTestId('page-activity');
  await expect(activity.getByRole('heading', { level: 2 })).toBeFocused();
  await expect(activity.getByRole('table', { name: /^Splits/ })).toBeVisible({ timeout: 15_000 });
  await expect(activity.getByTestId('activity-summary')).toContainText(/\d+\.\d\d km/);
  await expect(activity.getByTestId('activity-chart')).toHaveAttribute('aria-label', /over \d+\.\d\d km/);
  await expect(activity.getByRole('table', { name: 'Laps' })).toBeVisible();
  await expectNoBrokenNumbers(page);
  await screenshot(page, '21-activity-details');
  await page.keyboard.press('Escape');
  await expect(activity).toBeHidden();
  await expect(opener).toBeFocused();

  await page.getByRole('button', { name: 'Training load' }).click();
  const load = page.getByTestId('page-load');
  await expect(load.getByTestId('load-chart')).toHaveAttribute('aria-label', /^Acute \(7-day\) and chronic \(28-day\) training load/);
  await expect(load.getByRole('table', { name: 'Weekly load' })).toBeVisible();
  await expect(load.locator('path.band')).not.toHaveCount(0);
  await expectNoBrokenNumbers(page);
  await screenshot(page, '22-training-load');
  await page.keyboard.press('Escape');
  await expect(load).toBeHidden();

  await page.getByRole('button', { name: 'HRV and resting HR' }).click();
  const trends = page.getByTestId('page-trends');
  await expect(trends.getByTestId('hrv-chart')).toBeVisible();
  await expect(trends.getByTestId('resting-hr-chart')).toBeVisible();
  await expect(trends.getByRole('table', { name: 'The last 7 days' })).toBeVisible();
  await expectNoBrokenNumbers(page);
  await screenshot(page, '23-trends');
  await page.keyboard.press('Escape');
  await expect(trends).toBeHidden();

  await page.getByRole('button', { name: 'Personal records' }).click();
  const records = page.getByTestId('page-records');
  const table = records.getByRole('table', { name: 'Personal records' });
  await expect(table).toBeVisible();
  await expect(table.getByRole('rowheader', { name: '1 km' })).toBeVisible();
  await expectNoBrokenNumbers(page);
  await screenshot(page, '24-records');
  // A record links to its run; Back returns to the records, then to the overview.
  const openRun = records.getByRole('button', { name: /^Open the run of .* \(1 km record\)$/ });
  await openRun.click();
  await expect(page.getByTestId('page-activity').getByRole('table', { name: /^Splits/ })).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Back to personal records' }).click();
  await expect(openRun).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Personal records' })).toBeFocused();
});
