/**
 * The WebKit lane (`npm run test:webkit`): tests/webkit/*.test.ts drive the built app in WebKit
 * through W3C WebDriver (selenium-webdriver): WebKitGTK's WebKitWebDriver + MiniBrowser on Linux,
 * or real Safari through safaridriver on a Mac (RAGTAB_WEBDRIVER=safari). One file at a time,
 * one browser session per test (each with fresh storage), no retries.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/webkit/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/webkit/setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    retry: 0,
    reporters: ['default'],
  },
});
