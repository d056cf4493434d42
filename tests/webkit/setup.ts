/**
 * Global set-up of the WebKit lane: builds the app (into RAGTAB_OUT_DIR, default dist-webkit/, so
 * it never overwrites the build the Chromium suite serves), serves it with its isolation headers
 * and the local models and datasets of ../shared (scripts/lib/server.ts), starts the WebDriver
 * (lib/driver.ts), and gives the tests their URLs through vitest's provide/inject.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveApp, sharedDir } from '../../scripts/lib/server';
import { startDriver, type DriverKind } from './lib/driver';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    driver: { kind: DriverKind; url: string; browser: string | null };
  }
}

/** A model folder whose tokenizer and config are real and whose ONNX file is junk (the bad-input test). */
function badModels(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragtab-webkit-models-'));
  const src = join(sharedDir(), 'models', 'lsa-wordpiece-256');
  const dst = join(dir, 'not-onnx');
  mkdirSync(join(dst, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) copyFileSync(join(src, f), join(dst, f));
  writeFileSync(join(dst, 'onnx', 'model.onnx'), 'this is not an onnx model'.repeat(40));
  return dir;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env['RAGTAB_OUT_DIR'] ??= 'dist-webkit';
  const shared = sharedDir();
  const bad = badModels();
  const t0 = Date.now();
  const served = await serveApp({
    build: process.env['RAGTAB_WEBKIT_BUILD'] !== '0',
    dirs: { '/models/': join(shared, 'models'), '/datasets/': join(shared, 'datasets'), '/bad-models/': bad },
    port: Number(process.env['RAGTAB_WEBKIT_APP_PORT'] ?? 0),
  });
  console.log(`[webkit] app built and served at ${served.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (from ${served.outDir})`);
  const driver = await startDriver();
  console.log(`[webkit] ${driver.kind} WebDriver at ${driver.url}${driver.browser ? ` driving ${driver.browser}` : ''}`);
  project.provide('appUrl', served.url);
  project.provide('driver', { kind: driver.kind, url: driver.url, browser: driver.browser });
  return async () => {
    await driver.stop();
    await served.close();
    rmSync(bad, { recursive: true, force: true });
  };
}
