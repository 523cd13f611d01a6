import { expect, test } from '@playwright/test';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';
import { filesContaining, keychainItems, TEST_CLIENT_SECRET } from '../support/harness.js';

let env: AppWorld;

test.afterEach(async ({ page }, info) => {
  if (info.status !== info.expectedStatus) await screenshot(page, `failed-${info.title.replace(/\W+/g, '-')}`);
  // Nothing the UI did put a token, code, verifier or state in the data folder, or in the page.
  expect(filesContaining(env.world.home, [...env.sim.issuedSecrets, ...env.sim.seenStates])).toEqual([]);
  const html = await page.content();
  expect([...env.sim.issuedSecrets].filter((s) => html.includes(s))).toEqual([]);
  await env.stop();
});

test('connect: the runner approves on Garmin in another page, the card shows the link', async ({ page }) => {
  env = await startApp();
  await page.goto(env.url);
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await screenshot(page, '01-not-connected');

  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await expect(page.getByText('Waiting for you to approve in your browser…')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused({ timeout: 100 }).catch(() => undefined);
  await screenshot(page, '02-waiting-for-browser');

  const title = await approveInSecondPage(page, await opened, 'Agree');
  expect(title).toContain('Garmin is linked');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  await expect(page.locator('dl.facts')).toContainText(env.sim.userId);
  await expect(page.getByRole('list', { name: 'Permissions granted' })).toContainText('Activities');
  await expect(page.getByText('Token valid until')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Security events, newest first' })).toContainText('Garmin linked');
  await screenshot(page, '03-connected');
  expect((await keychainItems(env.world.keychainService)).some((i) => i.account.startsWith('garmin-tokens:'))).toBe(true);
});

test('decline: a plain failure with the action that fixes it', async ({ page }) => {
  env = await startApp();
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  const title = await approveInSecondPage(page, await opened, 'Decline');
  expect(title).toContain('You declined access on Garmin');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('You declined access on Garmin.');
  await expect(alert).toContainText('choose Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await screenshot(page, '04-declined');
});

test('cancel while waiting, and a timeout, both end the sign-in cleanly', async ({ page }) => {
  env = await startApp({ env: { R42_SIGN_IN_TIMEOUT_SECONDS: '2' } });
  await page.goto(env.url);
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await expect(page.getByText('Waiting for you to approve in your browser…')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alert')).toContainText('Sign-in cancelled.');
  await screenshot(page, '05-cancelled');

  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByText('Waiting for you to approve in your browser…')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('The sign-in timed out.', { timeout: 10_000 });
  await screenshot(page, '06-timed-out');
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
});

test('Garmin down during the exchange: says Garmin could not be reached', async ({ page }) => {
  env = await startApp();
  env.sim.fail('token', { kind: 'status', status: 503 });
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByRole('alert')).toContainText('Garmin could not be reached.');
  await expect(page.getByRole('alert')).toContainText('Check your internet connection');
  await screenshot(page, '07-garmin-down');
});

test('reconnect after Garmin refuses the refresh token, then disconnect with confirmation', async ({ page }) => {
  env = await startApp({ accessTokenLifetimeSeconds: 300 });
  await page.goto(env.url);
  let opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');

  // The runner revoked access at Garmin; the next refresh is refused.
  env.sim.revokeAll();
  await env.app.core.companion.getAccessToken().catch(() => undefined);
  await expect(page.getByTestId('connection-state')).toHaveText('Reconnect needed');
  await expect(page.getByRole('alert')).toContainText('Reconnect needed.');
  await screenshot(page, '08-reconnect-needed');

  env.sim.accessTokenLifetimeSeconds = 86_400;
  opened = env.browser.next();
  await page.getByRole('button', { name: 'Reconnect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');

  await page.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Disconnect Garmin?' });
  await expect(dialog).toContainText('R42 Companion’s registration is deleted');
  await expect(dialog).toContainText('tokens are deleted from your keychain');
  await screenshot(page, '09-disconnect-confirm');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await expect(page.getByRole('status').filter({ hasText: 'Garmin removed' })).toBeVisible();
  expect(env.sim.deregistered.has(env.sim.userId)).toBe(true);
  await screenshot(page, '10-disconnected');
});

test('agents: allow one (secret shown once), see its use, revoke it', async ({ page }) => {
  env = await startApp();
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');

  await page.getByLabel('Allow a new agent').fill('coach-gpt');
  await page.keyboard.press('Enter');
  const secret = (await page.getByLabel('Agent secret').textContent())!.trim();
  expect(secret).toMatch(/^r42a_/);
  await screenshot(page, '11-agent-secret-once');

  const endpoint = env.app.core.agents!.url;
  const res = await fetch(`${endpoint}/v1/token`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(200);
  await page.getByRole('button', { name: 'Done, hide it' }).click();
  await expect(page.getByLabel('Agent secret')).toHaveCount(0);
  await expect(page.getByRole('row', { name: /coach-gpt/ })).toContainText('1', { timeout: 10_000 });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('list', { name: 'Security events, newest first' })).toContainText('Token given to an agent');
  await screenshot(page, '12-agent-used');

  await page.getByRole('button', { name: 'Revoke coach-gpt' }).click();
  await page.getByRole('alertdialog', { name: 'Revoke coach-gpt?' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row', { name: /coach-gpt/ })).toHaveCount(0);
  expect((await fetch(`${endpoint}/v1/token`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
});

test('offline indicator and keyboard use', async ({ page, context }) => {
  env = await startApp();
  await page.goto(env.url);
  await expect(page.getByTestId('connection-state')).toHaveText('Not connected');
  await context.setOffline(true);
  await expect(page.getByTestId('offline')).toBeVisible();
  await screenshot(page, '13-offline');
  await context.setOffline(false);
  await expect(page.getByTestId('offline')).toHaveCount(0);
  // Tab reaches the main action; Enter starts the sign-in.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Connect Garmin' })).toBeFocused();
  const opened = env.browser.next();
  await page.keyboard.press('Enter');
  expect(await opened).toContain('/oauth2Confirm?');
  await page.getByRole('button', { name: 'Cancel' }).press('Enter');
  await expect(page.getByRole('alert')).toContainText('Sign-in cancelled.');
});

test('a locked keychain: says so and what to do, before the browser opens', async ({ page }) => {
  env = await startApp();
  env.lockKeychain(true);
  await page.goto(env.url);
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Your keychain is locked.');
  await expect(alert).toContainText('Unlock your system keychain');
  expect(env.browser.opened).toEqual([]);
  await screenshot(page, '17-keychain-locked');
  env.lockKeychain(false);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Try again' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
});

test('warns when Garmin’s authorization is about to end', async ({ page }) => {
  env = await startApp({ refreshTokenLifetimeSeconds: 10 * 24 * 3600 });
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  await approveInSecondPage(page, await opened, 'Agree');
  await expect(page.getByText(/Garmin’s authorization ends .* Reconnect before then/)).toBeVisible();
  await screenshot(page, '18-authorization-ending');
});

test('connect through the R42 server: no secret on this computer, and the card says how it links', async ({ page }) => {
  env = await startApp({ throughR42Server: true });
  await page.goto(env.url);
  const opened = env.browser.next();
  await page.getByRole('button', { name: 'Connect Garmin' }).click();
  expect(await approveInSecondPage(page, await opened, 'Agree')).toContain('Garmin is linked');
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
  await expect(page.locator('dl.facts')).toContainText('Linked throughR42 server');
  await screenshot(page, '19-connected-through-r42-server');
  // The history Garmin delivers through the relay shows up by itself.
  await expect(page.getByTestId('relay-status')).toContainText('Garmin sends your data to R42 as it is ready');
  await expect.poll(async () => Number((await page.getByTestId('relay-status').textContent())?.match(/(\d+) summar/)?.[1] ?? 0), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(page.getByRole('table', { name: 'Recent activities' })).toBeVisible({ timeout: 10_000 });
  await screenshot(page, '20-history-through-the-relay');
  expect(env.sim.counts.refusedPulls).toBe(0);
  expect(env.sim.counts.codeExchanges).toBe(1);
  const items = await keychainItems(env.world.keychainService);
  expect(items.some((i) => i.account.startsWith('garmin-client-secret:'))).toBe(false);
  expect(filesContaining(env.world.home, [TEST_CLIENT_SECRET])).toEqual([]);
});
