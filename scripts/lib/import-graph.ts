/**
 * The layers of the source tree and the imports between them, read from the files themselves
 * (TypeScript's own pre-processor: `import`, `import type`, `export … from`, `import()`, triple-slash
 * references) plus worker and asset URLs (`new URL('…', import.meta.url)`).
 *
 * The rule (ARCHITECTURE.md): arrows only point down, ui → engine → storage/workers → core, never
 * back and never sideways between storage and workers, types included. `tests/unit/layers.test.ts`
 * checks it in `npm test`; `npx tsx scripts/lib/import-graph.ts` prints the counts per arrow.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export type Layer = 'core' | 'storage' | 'workers' | 'engine' | 'ui' | 'app' | 'bench' | 'scripts' | 'tests' | 'other';

/** Which layers each layer may import from (itself included). Tools (bench, scripts, tests) may use any layer. */
export const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = Object.freeze({
  core: ['core'],
  storage: ['storage', 'core'],
  workers: ['workers', 'core'],
  engine: ['engine', 'storage', 'workers', 'core'],
  ui: ['ui', 'engine', 'storage', 'core'],
  app: ['app', 'ui', 'engine', 'storage', 'core'],
  bench: ['bench', 'scripts', 'ui', 'engine', 'storage', 'workers', 'core', 'other'],
  scripts: ['scripts', 'bench', 'ui', 'engine', 'storage', 'workers', 'core', 'other'],
  tests: ['tests', 'scripts', 'bench', 'app', 'ui', 'engine', 'storage', 'workers', 'core', 'other'],
  other: ['other', 'scripts', 'core'],
});

/** Packages src/core may import: pure libraries only (no DOM, no workers, no idb, no Comlink). */
export const CORE_PACKAGES: readonly string[] = Object.freeze(['valibot', '@huggingface/jinja', 'wink-bm25-text-search', 'wink-porter2-stemmer', '@noble/hashes']);

export function layerOf(path: string): Layer {
  const p = path.split(sep).join('/');
  if (p.startsWith('src/core/')) return 'core';
  if (p.startsWith('src/storage/')) return 'storage';
  if (p.startsWith('src/engine/')) return 'engine';
  if (p.startsWith('src/ui/')) return 'ui';
  if (p.startsWith('src/')) return 'app';
  if (p.startsWith('workers/')) return 'workers';
  if (p.startsWith('bench/')) return 'bench';
  if (p.startsWith('scripts/')) return 'scripts';
  if (p.startsWith('tests/')) return 'tests';
  return 'other';
}

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  from: string;
  /** The specifier as written. */
  spec: string;
  /** Repository-relative target for a relative specifier; null for a package. */
  to: string | null;
  fromLayer: Layer;
  /** The target's layer; null for a package. */
  toLayer: Layer | null;
}

const SOURCE = /\.(ts|mts|js|mjs)$/;
const SKIP = new Set(['node_modules', 'dist', '.git', 'test-results', 'bench-results', 'playwright-report']);

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(join(root, dir))) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const rel = dir ? join(dir, name) : name;
    const st = statSync(join(root, rel));
    if (st.isDirectory()) walk(root, rel, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
}

/** Every module specifier a file names (imports of any kind, references, `new URL(…, import.meta.url)`). */
export function specifiersOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  const out = [...info.importedFiles.map((f) => f.fileName), ...info.referencedFiles.map((f) => f.fileName)];
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  for (const m of text.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g)) out.push(m[1] as string);
  return [...new Set(out)];
}

/** The import edges of the files under `dirs` (repository-relative folders) of the tree at `root`. */
export function importEdges(root: string, dirs: readonly string[] = ['src', 'workers', 'bench', 'scripts', 'tests']): ImportEdge[] {
  const files: string[] = [];
  for (const d of dirs) walk(root, d, files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const fromLayer = layerOf(from);
    for (const spec of specifiersOf(readFileSync(join(root, from), 'utf8'))) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const to = normalize(join(dirname(from), spec.replace(/\?.*$/, '')));
        edges.push({ from, spec, to, fromLayer, toLayer: layerOf(to) });
      } else edges.push({ from, spec, to: null, fromLayer, toLayer: null });
    }
  }
  return edges;
}

const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string)).replace(/\?.*$/, '');

/** The edges that break the layering, each with why. */
export function violations(edges: readonly ImportEdge[]): Array<ImportEdge & { why: string }> {
  const out: Array<ImportEdge & { why: string }> = [];
  for (const e of edges) {
    if (e.to !== null && e.to.endsWith('.d.ts')) continue; // ambient declarations (src/env.d.ts: build-time constants)
    if (e.toLayer !== null) {
      if (!ALLOWED[e.fromLayer].includes(e.toLayer)) out.push({ ...e, why: `${e.fromLayer} may not import from ${e.toLayer}` });
    } else if (e.fromLayer === 'core' && !e.spec.startsWith('node:') && !CORE_PACKAGES.includes(packageName(e.spec))) {
      out.push({ ...e, why: `core may import only ${CORE_PACKAGES.join(', ')} (not ${packageName(e.spec)})` });
    } else if (e.fromLayer === 'core' && e.spec.startsWith('node:')) {
      out.push({ ...e, why: 'core runs in the browser: no node: modules' });
    }
  }
  return out;
}

/** Imports that cross from one layer into another, counted per arrow (`engine -> core: 56`). */
export function crossLayerCounts(edges: readonly ImportEdge[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of edges) {
    if (e.toLayer === null || e.toLayer === e.fromLayer) continue;
    const k = `${e.fromLayer} -> ${e.toLayer}`;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = relative(process.cwd(), fileURLToPath(new URL('../../', import.meta.url))) || '.';
  const edges = importEdges(root, ['src', 'workers', 'bench', 'scripts']);
  for (const [k, n] of Object.entries(crossLayerCounts(edges))) console.log(`${String(n).padStart(4)}  ${k}`);
  const bad = violations(edges);
  console.log(bad.length === 0 ? 'no layering violations' : bad.map((b) => `${b.from}: ${b.spec} (${b.why})`).join('\n'));
}
