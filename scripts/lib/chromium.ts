/**
 * Finding a Chromium to drive, the same way for tests, benchmarks and the CLI:
 * RAGTAB_CHROMIUM (or CHROME_PATH) → /usr/bin/chromium → Playwright's own browser, if installed.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** WebGPU on the CPU through SwiftShader (slow: proves the code path, not speed). */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Test-only: makes measureUserAgentSpecificMemory() resolve in ~13 ms instead of after a GC. */
export const EAGER_MEMORY_FLAG = '--enable-blink-features=ForceEagerMeasureMemory';

export function resolveChromium(explicit?: string): string {
  const candidates: Array<[string, string | undefined]> = [
    ['--browser', explicit],
    ['RAGTAB_CHROMIUM', process.env['RAGTAB_CHROMIUM']],
    ['CHROME_PATH', process.env['CHROME_PATH']],
    ['Debian chromium', '/usr/bin/chromium'],
  ];
  for (const [, p] of candidates) if (p && existsSync(p)) return p;
  for (const [what, p] of candidates.slice(0, 3)) {
    if (p && !existsSync(p)) throw new Error(`${what} points at ${p}, which does not exist.`);
  }
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    /* no Playwright browser */
  }
  throw new Error(
    'No Chromium found. Set RAGTAB_CHROMIUM to a Chromium or Chrome executable ' +
      '(on a Mac: RAGTAB_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"), ' +
      'or install one: `sudo apt-get install -y chromium` (Debian/Ubuntu) or `npx playwright install chromium`.',
  );
}
