/**
 * Renders the app's PNG icons (for the web manifest) from the SVGs in public/, with the same
 * Chromium the tests use: public/icons/icon-192.png, icon-512.png (from public/icon.svg) and
 * icon-maskable-512.png (from public/icons/icon-maskable.svg: full bleed, artwork in the safe zone).
 * Run it after changing an icon: `npx tsx scripts/make-icons.ts`. The PNGs are committed.
 */
import { chromium } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';

const jobs = [
  { svg: 'public/icon.svg', size: 192, out: 'public/icons/icon-192.png' },
  { svg: 'public/icon.svg', size: 512, out: 'public/icons/icon-512.png' },
  { svg: 'public/icons/icon-maskable.svg', size: 512, out: 'public/icons/icon-maskable-512.png' },
];

const browser = await chromium.launch({ executablePath: resolveChromium(), args: BASE_FLAGS });
try {
  for (const j of jobs) {
    const page = await browser.newPage({ viewport: { width: j.size, height: j.size } });
    const src = `data:image/svg+xml;base64,${readFileSync(j.svg).toString('base64')}`;
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${src}" width="${j.size}" height="${j.size}" style="display:block"></body></html>`);
    await page.waitForFunction(() => document.images[0]?.complete);
    writeFileSync(j.out, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: j.size, height: j.size } }));
    console.log(`${j.out}: ${j.size}×${j.size}`);
    await page.close();
  }
} finally {
  await browser.close();
}
