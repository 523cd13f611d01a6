import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { encodeRun } from '../support/fit-files.js';
import { screenshot, startApp, type AppWorld } from './harness.js';

let env: AppWorld;
let media: string;

test.afterEach(async () => {
  await env?.stop();
  rmSync(media, { recursive: true, force: true });
});

test('FIT files through the web transport: a drop in the browser and Import from watch (a fake volume), with no Garmin link; the activity page shows what the watch recorded', async ({ page }) => {
  test.setTimeout(90_000);
  media = mkdtempSync(path.join(tmpdir(), 'r42-e2e-media-'));
  env = await startApp({ watchRoots: [media] });
  await page.goto(env.url);
  const card = page.getByRole('region', { name: 'Files from your watch' });

  // No watch mounted yet: says why (MTP) and where to go instead.
  await card.getByRole('button', { name: 'Import from watch' }).click();
  await expect(card.getByTestId('import-note')).toContainText('MTP');
  await expect(card.getByTestId('import-note')).toContainText('Export Your Data');

  // A drop in the browser: the file's bytes go through the contract, never a path.
  const dropped = Buffer.from(encodeRun({ start: Date.UTC(2026, 10, 28, 7) / 1000, seconds: 1500, power: true, dynamics: true, lapMetres: 1000, seed: 7 }).bytes).toString('base64');
  const dataTransfer = await page.evaluateHandle(({ b64 }) => {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    // The page's DataTransfer (this file is typed for Node, which has none).
    const transfer = Reflect.construct(Reflect.get(globalThis, 'DataTransfer') as new () => { items: { add(file: File): void } }, []);
    transfer.items.add(new File([bytes], 'morning-run.fit'));
    transfer.items.add(new File([new Uint8Array([1, 2, 3, 4])], 'not-a-run.fit'));
    return transfer;
  }, { b64: dropped });
  await card.getByTestId('import-drop').dispatchEvent('drop', { dataTransfer });
  await expect(card.getByTestId('import-result')).toHaveText(/^1 imported \(1 activity\), 0 already there, 1 skipped\. not-a-run\.fit: Not a FIT file/);

  // A watch connected as a drive: GARMIN/Activity under the mount root.
  const activity = path.join(media, 'runner', 'FR245', 'GARMIN', 'Activity');
  mkdirSync(activity, { recursive: true });
  writeFileSync(path.join(activity, 'B9S70000.FIT'), encodeRun({ start: Date.UTC(2026, 10, 29, 7) / 1000, seconds: 1800, power: true, dynamics: true, lapMetres: 1000, seed: 8 }).bytes);
  await card.getByRole('button', { name: 'Import from watch' }).click();
  await expect(card.getByTestId('import-result')).toContainText('Watch found');
  await expect(card.getByTestId('import-result')).toContainText('1 imported (1 activity)');
  await screenshot(page, 'fit-import-card');

  // Both runs are in the recent activities; the page shows the watch's own record.
  const runs = page.getByRole('button', { name: /Running: open its details$/ });
  await expect(runs).toHaveCount(2);
  await runs.first().click();
  const recorded = page.getByTestId('watch-recorded');
  await expect(recorded).toContainText('imported from the watch (USB)');
  await expect(recorded).toContainText('Ground contact');
  await expect(recorded.getByRole('table', { name: "The watch's laps" })).toBeVisible();
  await screenshot(page, 'fit-import-activity');

  // Again: nothing new.
  await page.keyboard.press('Escape');
  await card.getByRole('button', { name: 'Import from watch' }).click();
  await expect(card.getByTestId('import-result')).toContainText('0 imported (0 activities), 1 already there');
});
