import { expect, test, type Page } from '@playwright/test';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';

let env: AppWorld;

test.afterEach(async ({ page }, info) => {
  if (info.status !== info.expectedStatus) await screenshot(page, `failed-${info.title.replace(/\W+/g, '-')}`);
  await env.stop();
});

async function connect(page: Page): Promise<void> {
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
}

test('data types not shared: the history load still completes, and says what is not shared', async ({ page }) => {
  env = await startApp({ env: { R42_BACKFILL_DAYS: '14' } });
  env.sim.permissions = ['ACTIVITY_EXPORT']; // the runner shares activities only: Garmin answers 412 for the rest
  await connect(page);
  await expect(page.getByRole('status').filter({ hasText: 'Not shared on Garmin' })).toContainText('daily summaries, sleep, HRV, fitness metrics (VO2 max)', { timeout: 20_000 });
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 20_000 });
  // Before the fix the bar stayed at "14 of 70" for good.
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  const { backfill, streams } = env.app.core.companion.status().sync;
  expect(streams).toHaveLength(14); // summaries, details, the wellness and the health types
  expect(backfill).toEqual({ done: streams.length * 14, total: streams.length * 14 });
  await screenshot(page, '21-history-complete-with-types-not-shared');
});

test('a refused link: app wording without commands, the sync pill says it is paused, and Reconnect clears the message', async ({ page }) => {
  env = await startApp({ accessTokenLifetimeSeconds: 300 });
  await connect(page);
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 20_000 });
  env.sim.revokeAll(); // the runner revoked access at Garmin: the next refresh is refused
  await page.getByRole('button', { name: 'Sync now' }).click();
  const failure = page.locator('.banner.error');
  await expect(failure).toHaveText('Garmin no longer accepts the link. Choose Reconnect Garmin above to link it again.', { timeout: 15_000 });
  await expect(page.getByTestId('connection-state')).toHaveText('Reconnect needed');
  await expect(page.getByTestId('sync-freshness')).toHaveText('Sync paused: reconnect Garmin');
  expect(await page.locator('body').innerText()).not.toMatch(/`|r42-companion login/);
  await screenshot(page, '22-refused-link-app-wording');

  env.sim.accessTokenLifetimeSeconds = 86_400;
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Reconnect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  await expect(failure).toHaveCount(0); // gone without a reload
  await screenshot(page, '23-reconnected-message-gone');
});

test('the chart offers the history it does not have, and loads it from the app', async ({ page }) => {
  env = await startApp(); // a first sync of 7 days
  await connect(page);
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 20_000 });
  const chart = page.getByTestId('weekly-chart');
  await page.getByLabel('Weeks shown').selectOption('26');
  await expect(chart.locator('rect.bar')).toHaveCount(26);
  const emptyBefore = await chart.locator('rect.bar[height="0"]').count();
  expect(emptyBefore).toBeGreaterThan(20);
  const offer = page.getByTestId('more-history');
  await expect(offer).toContainText('No runs on this computer before');
  await screenshot(page, '24-chart-offers-more-history');

  await offer.getByRole('button', { name: 'Load 26 weeks of history' }).click();
  await expect(page.getByText(/^History of 26 weeks loaded: \d+ records\./)).toBeVisible({ timeout: 45_000 });
  await expect(offer).toHaveCount(0);
  await expect.poll(() => chart.locator('rect.bar[height="0"]').count()).toBeLessThan(emptyBefore - 15);
  const { backfill, streams } = env.app.core.companion.status().sync;
  expect(backfill.total).toBe(streams.length * 182);
  expect(streams).toHaveLength(14);
  await screenshot(page, '25-chart-with-more-history');
});

test('agents: a clear message for a wrong name, the secret copied, a question before revoking', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  env = await startApp();
  await connect(page);
  const name = page.getByLabel('Allow a new agent');
  await name.fill('coach gpt');
  await page.keyboard.press('Enter');
  await expect(page.locator('#agent-name-help')).toHaveText('Use no spaces: for example coach-gpt.');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toBeFocused();
  await screenshot(page, '26-agent-name-invalid');

  await name.fill('coach-gpt');
  await page.keyboard.press('Enter');
  const secret = (await page.getByLabel('Agent secret').textContent())!.trim();
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
  // The endpoint's own owner grant is not an agent: it is not listed.
  await expect(page.getByRole('table', { name: 'Allowed agents' }).locator('tbody tr')).toHaveCount(1);
  await expect(page.getByText(/session grant/)).toHaveCount(0);
  await screenshot(page, '27-agent-secret-copied');

  await page.getByRole('button', { name: 'Revoke coach-gpt' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Revoke coach-gpt?' });
  await expect(dialog).toContainText('stops getting a Garmin token at once');
  await expect(dialog.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await screenshot(page, '28-revoke-confirm');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Revoke coach-gpt' })).toBeFocused();
  expect((await fetch(`${env.app.core.agents!.url}/v1/token`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
  await page.getByRole('button', { name: 'Revoke coach-gpt' }).click();
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row', { name: /coach-gpt/ })).toHaveCount(0);
  expect((await fetch(`${env.app.core.agents!.url}/v1/token`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
});

test('disconnect: "delete my data" is unticked and says what it does; keeping is the default', async ({ page }) => {
  env = await startApp();
  await connect(page);
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Disconnect Garmin?' });
  const box = dialog.getByRole('checkbox', { name: 'Also delete my synced training data from this computer' });
  await expect(box).not.toBeChecked();
  await expect(dialog).toContainText('stay on this computer, so your agents can still read them offline');
  await screenshot(page, '29-disconnect-keeps-data-by-default');
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await expect(page.getByRole('status').filter({ hasText: 'training data stays on this computer' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Recent activities' })).toBeVisible();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`480 px wide, ${scheme} theme from the system: nothing overflows and the chart text stays readable`, async ({ page }) => {
    await page.setViewportSize({ width: 480, height: 900 });
    await page.emulateMedia({ colorScheme: scheme });
    env = await startApp({ env: { R42_BACKFILL_DAYS: '84' } });
    await connect(page);
    await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 30_000 });
    await expect(page.getByRole('table', { name: 'Recent activities' })).toBeVisible();
    // (Page code as strings: the tests' TypeScript has no DOM.)
    const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    if (scheme === 'dark') expect(r! + g! + b!).toBeLessThan(120);
    else expect(r! + g! + b!).toBeGreaterThan(600);
    // The chart's colours follow the theme: its bars are drawn in this theme's accent.
    const bar = await page.evaluate<string>("getComputedStyle(document.querySelector('[data-testid=weekly-chart] rect.bar')).fill");
    expect(bar).toBe(scheme === 'dark' ? 'rgb(76, 159, 254)' : 'rgb(11, 107, 203)');
    // Nothing wider than the window (the page itself never scrolls sideways).
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(480);
    // Axis text drawn at 11 px, not scaled down, and the date labels do not overlap, with 12 weeks or 52.
    const checkAxis = async () => {
      const boxes = await page
        .getByTestId('weekly-chart')
        .locator('text.axis')
        .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
      expect(boxes.length).toBeGreaterThan(3);
      for (const box of boxes) expect(box.h).toBeGreaterThanOrEqual(11);
      const lowest = Math.max(...boxes.map((x) => x.y));
      const dates = boxes.filter((x) => Math.abs(x.y - lowest) < 1).sort((p, q) => p.x - q.x);
      expect(dates.length).toBeGreaterThan(2);
      for (let i = 1; i < dates.length; i++) expect(dates[i]!.x).toBeGreaterThan(dates[i - 1]!.x + dates[i - 1]!.w);
    };
    await checkAxis();
    await screenshot(page, `30-narrow-480-${scheme}`);
    await page.getByLabel('Weeks shown').selectOption('52');
    await expect(page.getByTestId('weekly-chart').locator('rect.bar')).toHaveCount(52);
    await checkAxis();
    await screenshot(page, `31-narrow-480-${scheme}-52-weeks`);
  });
}
