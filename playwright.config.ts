/**
 * End-to-end tests: the production build, served by `vite preview` with its real headers, in real
 * Chromium (RAGTAB_CHROMIUM → /usr/bin/chromium → Playwright's own), with the local models and
 * datasets of ../shared (RAGTAB_SHARED overrides) served at /models/ and /datasets/.
 */
import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { BASE_FLAGS, EAGER_MEMORY_FLAG, WEBGPU_FLAGS, resolveChromium } from './scripts/lib/chromium';
import { testLlmCacheDir } from './scripts/lib/test-llm';

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const port = Number(process.env['RAGTAB_TEST_PORT'] ?? 4391);
// The generated test LLMs (scripts/lib/test-llm.ts): made on demand by the tests, served at /llm-cache/.
const llmCache = testLlmCacheDir();
mkdirSync(llmCache, { recursive: true });

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: process.env['RAGTAB_TEST_OUT'] ?? 'test-results',
  timeout: 10 * 60_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env['CI'] ? [['list']] : [['list']],
  use: {
    baseURL: `http://localhost:${port}/`,
    headless: true,
    launchOptions: {
      executablePath: resolveChromium(),
      args: [...BASE_FLAGS, ...WEBGPU_FLAGS, EAGER_MEMORY_FLAG],
    },
    trace: 'retain-on-failure',
    // The offline specs turn the service worker on themselves; elsewhere its 44 MB precache would
    // download in the background of every test context.
    serviceWorkers: 'block',
  },
  webServer: {
    command: `npx vite build --logLevel warn && npx vite preview --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://localhost:${port}/`,
    timeout: 300_000,
    reuseExistingServer: !process.env['CI'],
    // RAGTAB_TEST_PAGES: the build includes the fixture pages of tests/pages (storage.spec.ts).
    env: { RAGTAB_SERVE: `/models=${shared}/models;/datasets=${shared}/datasets;/llm-cache=${llmCache}`, RAGTAB_TEST_PAGES: '1' },
    stdout: 'pipe',
  },
});
