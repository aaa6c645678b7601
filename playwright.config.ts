// Playwright: the browser-host flows and the Electron flows in e2e/*.spec.ts, one at a time (they
// start servers and windows, and the machines have two cores). Browser tests use Debian's chromium
// (no Playwright browser download); Electron tests launch Electron's own binary when it is installed.
import { defineConfig } from '@playwright/test';
import { chromiumPath } from './scripts/system-parts.ts';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 120_000,
  // The whole run (about 5 minutes here) may not outlast this: a hang ends as a failure that says so.
  globalTimeout: 30 * 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results',
  reporter: [['list'], ['./e2e/summary-reporter.ts'], ...(process.env.CI ? [['html', { open: 'never' }] as const] : [])],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'e2e', testMatch: '*.spec.ts' }],
});
