/**
 * `npm start`: builds the app and serves it with its real headers (cross-origin isolated), like a
 * production host. If ../shared (or RAGTAB_SHARED) holds local models and datasets, they are served
 * too, at /models/ and /datasets/, so the app also works offline with the local models.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveApp, sharedDir } from './lib/server';

const shared = sharedDir();
const dirs: Record<string, string> = {};
if (existsSync(join(shared, 'models'))) dirs['/models/'] = join(shared, 'models');
if (existsSync(join(shared, 'datasets'))) dirs['/datasets/'] = join(shared, 'datasets');
const port = Number(process.env['PORT'] ?? 4173);
const served = await serveApp({ build: true, dirs, port });
console.log(`\nragtab is running at ${served.url}`);
console.log('Default: the demo corpus with Xenova/all-MiniLM-L6-v2 from the Hugging Face hub.');
if (dirs['/models/']) {
  console.log(`Local models served from ${dirs['/models/']} at /models/ (offline: pick "lsa-wordpiece-256 (local test model)").`);
  console.log(`  e.g. ${served.url}?model=lsa-wordpiece-256`);
}
if (dirs['/datasets/']) console.log(`Local BEIR datasets at /datasets/ (e.g. ${served.url}?dataset=datasets/msmarco-5k/&maxDocs=500)`);
console.log('Press Ctrl+C to stop.');
