import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two, as the machine has two cores: with three, disk-heavy files (SQLite checkpoints, PGlite,
    // child processes) slowed each other enough to stretch timing-sensitive bounds.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'core',
          include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
    ],
  },
});
