import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { expect, test, type Page } from '@playwright/test';
import { approveInSecondPage, screenshot, startApp, type AppWorld } from './harness.js';

/** What a newcomer meets in the app in the first ten minutes, in words and figures that read right. */
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
  await expect(page.getByTestId('sync-freshness')).toHaveText(/^Synced /, { timeout: 30_000 });
}

/** A raw code as the audit log stores it: `mcp.tool_called`, `list_activities`, `sign_in_timeout`. */
const RAW_CODE = /\b[a-z]+[._][a-z_.]+\b/;

test('the Activity panel says in words what an MCP client read; How to connect starts with MCP and keeps each command on one line', async ({ page }) => {
  env = await startApp();
  await connect(page);
  // An AI coach reads the runner's activities over MCP, as Claude Desktop would over stdio.
  const server = await env.app.core.companion.mcpServer({ transport: 'stdio', grant: 'runner' });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const coach = new Client({ name: 'Claude Desktop', version: '1.0.0' });
  await coach.connect(clientSide);
  await coach.callTool({ name: 'list_activities', arguments: {} });
  await coach.callTool({ name: 'list_activities', arguments: {} });
  await coach.close();

  const panel = page.getByRole('region', { name: 'Activity' });
  await expect(async () => {
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(panel.getByRole('listitem').filter({ hasText: 'Your data read over MCP' })).toContainText('activities · by Claude Desktop · through the MCP server on this computer · 2 times', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const lines = await panel.getByRole('listitem').allInnerTexts();
  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) expect(line).not.toMatch(RAW_CODE);

  // A narrow window: the help box wraps its sentences, never a command at its hyphens.
  await page.setViewportSize({ width: 760, height: 900 });
  const agents = page.getByRole('region', { name: 'Agents' });
  await agents.getByText('How to connect an agent').click();
  const help = agents.locator('details');
  await expect(help.getByRole('listitem').first()).toContainText('MCP');
  await expect(help.getByRole('listitem').first()).toContainText('r42-companion mcp config');
  const run = help.locator('code', { hasText: 'r42-companion run -- my-agent' });
  await expect(run).toBeVisible();
  expect(await run.evaluate((code) => code.getClientRects().length)).toBe(1);
  await help.scrollIntoViewIfNeeded();
  await screenshot(page, '70-activity-in-words-and-how-to-connect');
});
