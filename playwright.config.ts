import { defineConfig } from '@playwright/test';

// Debian's Chromium; `npx playwright install` cannot download browsers here.
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/playwright',
  // Two: every test starts its own simulator, app and keychain service, so files run side by side.
  workers: 2,
  fullyParallel: false,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1180, height: 860 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
