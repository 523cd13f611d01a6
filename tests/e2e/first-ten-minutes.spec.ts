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

/** The axis labels of a chart, and whether each fits inside the picture (none cut off at an edge). */
async function axisLabels(page: Page, testId: string): Promise<Array<{ text: string; inside: boolean }>> {
  return page.getByTestId(testId).evaluate((svg) => {
    const frame = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text.axis')].map((t) => {
      const box = t.getBoundingClientRect();
      return { text: t.textContent ?? '', inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5 };
    });
  });
}

/** Whether the values are evenly spaced by 1, 2, 2.5 or 5 times a power of ten. */
function roundSteps(values: number[]): boolean {
  const step = values[1]! - values[0]!;
  const power = 10 ** Math.floor(Math.log10(step));
  return values.length >= 2 && [1, 2, 2.5, 5].some((f) => Math.abs(step - f * power) < 1e-9) && values.every((v, i) => Math.abs(v - values[0]! - i * step) < 1e-9);
}

test('charts tick at round values with their units, the 52-week chart keeps its last date, and a run has one pace in the list and on its page', async ({ page }) => {
  test.setTimeout(120_000);
  env = await startApp({ env: { R42_BACKFILL_DAYS: '60' } });
  await connect(page);

  // Weekly volume: 0 km, 20 km, 40 km … (not 0/55/110 without a unit), every label inside the picture.
  const weekly = await axisLabels(page, 'weekly-chart');
  const km = weekly.filter((l) => / km$/.test(l.text)).map((l) => Number(l.text.replace(' km', '')));
  expect(km[0]).toBe(0);
  expect(roundSteps(km.sort((a, b) => a - b))).toBe(true);
  expect(weekly.filter((l) => !l.inside)).toEqual([]);
  await page.getByLabel('Weeks shown').selectOption('52');
  await expect(page.getByTestId('weekly-chart')).toHaveAttribute('aria-label', /52 weeks/);
  const year = await axisLabels(page, 'weekly-chart');
  // The newest week's date, under the last bar, whole.
  expect(year.at(-1)).toMatchObject({ inside: true });
  expect(year.filter((l) => !l.inside)).toEqual([]);
  await screenshot(page, '71-weekly-chart-52-weeks-round-axis');
  await page.getByLabel('Weeks shown').selectOption('12');

  // The newest run: one pace in the list and on its page.
  const runs = page.getByRole('button', { name: /, (Running|Trail running|Track running|Treadmill running): open its details$/ });
  const row = page.getByRole('row').filter({ has: runs.first() });
  const listed = (await row.getByRole('cell').nth(4).innerText()).trim();
  expect(listed).toMatch(/^\d+:\d\d \/km$/);
  await runs.first().click();
  const activity = page.getByTestId('page-activity');
  await expect(activity.getByRole('table', { name: /^Splits/ })).toBeVisible({ timeout: 15_000 });
  await expect(activity.getByTestId('activity-summary')).toContainText(`Average pace${listed}`);

  // Pace at whole quarter minutes (min/km), heart rate at round beats (bpm), distance at whole km.
  const chart = await axisLabels(page, 'activity-chart');
  expect(chart.filter((l) => !l.inside)).toEqual([]);
  const texts = chart.map((l) => l.text);
  expect(texts).toContain('min/km');
  expect(texts).toContain('bpm');
  const paces = texts.filter((t) => /^\d+:\d\d$/.test(t));
  expect(paces.length).toBeGreaterThanOrEqual(2);
  for (const p of paces) expect(['00', '15', '30', '45']).toContain(p.split(':')[1]);
  const distances = texts.filter((t) => / km$/.test(t)).map((t) => Number(t.replace(' km', '')));
  expect(roundSteps(distances)).toBe(true);
  const beats = texts.filter((t) => /^\d{2,3}$/.test(t)).map(Number);
  expect(roundSteps(beats)).toBe(true);
  await screenshot(page, '72-activity-chart-round-axes-one-pace');
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: 'Training load' }).click();
  const load = await axisLabels(page, 'load-chart');
  expect(load.map((l) => l.text)).toContain('TRIMP a day');
  expect(roundSteps(load.map((l) => l.text).filter((t) => /^[\d,]+$/.test(t)).map((t) => Number(t.replaceAll(',', ''))))).toBe(true);
  expect(load.filter((l) => !l.inside)).toEqual([]);
  await screenshot(page, '73-training-load-round-axis');
});
