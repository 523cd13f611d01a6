import { expect, test } from '@playwright/test';
import { screenshot, startApp, type AppWorld } from './harness.js';
import { filesContaining } from '../support/harness.js';

let env: AppWorld;

test.afterEach(async ({ page }, info) => {
  if (info.status !== info.expectedStatus) await screenshot(page, `failed-${info.title.replace(/\W+/g, '-')}`);
  // No token, code, verifier or state in the data folder (the log included), and no token or code
  // in the page. The state is in the page by design while waiting: it is part of the sign-in address
  // the runner's own window shows (and copies) when no browser opened; it is never written anywhere.
  expect(filesContaining(env.world.home, [...env.sim.issuedSecrets, ...env.sim.seenStates])).toEqual([]);
  const html = await page.content();
  expect([...env.sim.issuedSecrets].filter((s) => html.includes(s))).toEqual([]);
  await env.stop();
});

test('while waiting, the sign-in address is shown with a copy button, and the copied address links', async ({ page, context }) => {
  env = await startApp();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.url });
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  const authorizeUrl = await opened;
  await expect(page.getByLabel('Sign-in address')).toHaveText(authorizeUrl);
  await page.getByRole('button', { name: 'Copy address' }).click();
  await expect(page.getByText(/^Copied\./)).toBeVisible();
  const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
  expect(copied).toBe(authorizeUrl);
  await screenshot(page, 'presence-01-sign-in-address');

  // The runner pastes it into a browser on this computer.
  const runner = await context.newPage();
  await runner.goto(copied);
  await runner.getByRole('button', { name: 'Agree' }).click();
  await runner.waitForURL(/r42-result/);
  await runner.close();
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  await expect(page.getByLabel('Sign-in address')).toHaveCount(0);
});

test('start at login: off by default, the switch turns it on through the shell', async ({ page }) => {
  const applied: boolean[] = [];
  env = await startApp({ loginItem: { apply: (value) => applied.push(value) } });
  await page.goto(env.url);
  const toggle = page.getByRole('switch', { name: 'Start R42 Companion when I log in' });
  await expect(toggle).toBeEnabled();
  await expect(toggle).not.toBeChecked();
  await toggle.click(); // not check(): the switch shows the state the app confirms, a moment later
  await expect(toggle).toBeChecked();
  expect(applied).toEqual([true]);
  await page.getByRole('heading', { name: 'On this computer' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'presence-02-start-at-login');
  // Remembered: a reload reads it back from desktop.json.
  await page.reload();
  await expect(page.getByRole('switch', { name: 'Start R42 Companion when I log in' })).toBeChecked();
});
