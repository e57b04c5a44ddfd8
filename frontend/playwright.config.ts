import { defineConfig } from '@playwright/test';

// The e2e suite runs against a real Shotline server (API + built frontend +
// database) that the test script starts on a free port. It never starts one
// itself and never downloads a browser: it drives the system Chromium.
const baseURL = process.env.SHOTLINE_E2E_URL;
if (!baseURL) {
  throw new Error(
    'SHOTLINE_E2E_URL is not set. Start a Shotline server (scripts/test.sh does this) ' +
      'and set SHOTLINE_E2E_URL to its base URL, e.g. http://127.0.0.1:18080.',
  );
}

export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.SHOTLINE_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
});
