import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ROOT, tempDir } from '../support/harness.js';
import { screenshot } from './harness.js';

/**
 * `npm run demo` itself, as a newcomer runs it on a machine with no Secret Service and no display:
 * the simulator in production mode, R42's server with its webhook and relay, the app. Connect in
 * Chromium, approve on the simulator's consent page, and the product fills with data by itself.
 */
let demo: ChildProcess | undefined;
let output = '';

test.afterEach(() => {
  try {
    if (demo?.pid) process.kill(-demo.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  demo = undefined;
});

async function printed(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  await expect.poll(() => pattern.test(output), { timeout: timeoutMs, message: `no ${pattern} in:\n${output}` }).toBe(true);
  return pattern.exec(output)!;
}

test('npm run demo: Connect, and within a minute the chart, the recent runs and an activity page with its figures; Sync now says what it did', async ({ page }) => {
  test.setTimeout(180_000);
  // The npm script as the runner runs it, after its build step (the tests run on a build).
  const script = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.demo!;
  const command = script.replace(/^npm run build && /, '');
  const env = { PATH: process.env.PATH, HOME: tempDir('r42-demo-e2e-home-'), TMPDIR: process.env.TMPDIR, CI: '1', BROWSER: 'true' } as NodeJS.ProcessEnv;
  output = '';
  demo = spawn('bash', ['-c', command], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const [, url] = await printed(/R42 Companion demo at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, folder] = await printed(/Demo data folder: (\S+) \(removed when the demo stops\)/);

  // Nothing in the console, no missing file: the CSP a header (frame-ancestors is ignored, with a
  // warning, in a <meta>), and the favicon named and shipped.
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url!);
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  // With no display nothing opened: the address is printed in the terminal and shown in the page.
  const [, authorizeUrl] = await printed(/open this address in a browser on this computer:\n {2}(\S+)\n/);
  const runner = await page.context().newPage();
  await runner.goto(authorizeUrl!);
  await runner.getByRole('button', { name: 'Agree' }).click();
  await runner.waitForURL(/r42-result/);
  await runner.close();
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');

  // Nothing pressed: Garmin prepares the history, pings R42's server, the app picks it up (the
  // waits below are the minute the runner is promised).
  const chart = page.getByTestId('weekly-chart');
  await expect(chart).toHaveAttribute('aria-label', / [1-9][\d.]* km in total/, { timeout: 60_000 });
  const runs = page.getByRole('button', { name: /, (Running|Trail running|Track running|Treadmill running): open its details$/ });
  await expect(runs.first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('relay-status')).toContainText(/[1-9]\d* summar(y|ies) received/);
  await screenshot(page, '60-demo-overview');

  // Sync now says what it did.
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^(Synced|Up to date)/ })).toBeVisible({ timeout: 30_000 });

  // An activity page with figures worked out from the samples.
  await runs.first().click();
  const activity = page.getByTestId('page-activity');
  await expect(activity.getByRole('table', { name: /^Splits/ })).toBeVisible({ timeout: 30_000 });
  await expect(activity.getByTestId('activity-summary')).toContainText(/\d+\.\d\d km/);
  await expect(activity.getByTestId('activity-summary')).toContainText(/\d:\d\d \/km/);
  await expect(activity.getByTestId('activity-chart')).toHaveAttribute('aria-label', /over \d+\.\d\d km/);
  await expect(activity).not.toContainText(/NaN|undefined|Infinity/);
  await screenshot(page, '61-demo-activity');
  await page.keyboard.press('Escape');

  // Every coaching page shows data.
  await page.getByRole('button', { name: 'Training load' }).click();
  await expect(page.getByTestId('page-load').getByRole('table', { name: 'Weekly load' })).toBeVisible();
  await screenshot(page, '62-demo-load');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'HRV and resting HR' }).click();
  await expect(page.getByTestId('page-trends').getByRole('table', { name: 'The last 7 days' })).toBeVisible();
  await expect(page.getByTestId('page-trends').getByTestId('resting-hr-chart')).toBeVisible();
  await screenshot(page, '63-demo-trends');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Personal records' }).click();
  await expect(page.getByTestId('page-records').getByRole('rowheader', { name: '1 km' })).toBeVisible({ timeout: 30_000 });
  await screenshot(page, '64-demo-records');
  await page.keyboard.press('Escape');

  // The demo's agent proposed a workout: approving it sends it to the simulator's Training API.
  await printed(/An agent proposed a workout for \d{4}-\d\d-\d\d: approve it/);
  const card = page.getByTestId('workout-card');
  await expect(card.getByRole('heading', { name: 'Intervals 6 × 800 m' })).toBeVisible();
  await card.getByRole('button', { name: 'Approve Intervals 6 × 800 m' }).click();
  await expect(page.getByTestId('workouts-decided')).toContainText('scheduled on Garmin', { timeout: 30_000 });
  const [, simUrl] = await printed(/Garmin simulator at (http:\/\/127\.0\.0\.1:\d+)/);
  expect(((await (await fetch(`${simUrl}/__simulator/state`)).json()) as { training: unknown }).training).toMatchObject({ workouts: 1, schedules: 1 });

  expect(problems).toEqual([]);

  process.kill(-demo!.pid!, 'SIGINT');
  await expect.poll(() => existsSync(folder!), { timeout: 15_000 }).toBe(false);
});
