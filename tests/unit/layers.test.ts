/**
 * The layering rule, checked on the real tree: arrows only ui → engine → storage/workers → core,
 * types included; src/core imports nothing but core and pure packages.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importEdges, layerOf, specifiersOf, violations, type ImportEdge } from '../../scripts/lib/import-graph';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the import graph', () => {
  const edges = importEdges(ROOT, ['src', 'workers', 'bench', 'scripts']);

  it('reads the tree (the check cannot pass by reading nothing)', () => {
    expect(edges.filter((e) => e.fromLayer === 'core' && e.toLayer === 'core').length).toBeGreaterThan(50);
    expect(edges.some((e) => e.fromLayer === 'engine' && e.toLayer === 'workers')).toBe(true);
    expect(edges.some((e) => e.fromLayer === 'ui' && e.toLayer === 'engine')).toBe(true);
  });

  it('has no import against the layering, types included', () => {
    const bad = violations(edges).map((e) => `${e.from} imports ${e.spec}: ${e.why}`);
    expect(bad).toEqual([]);
  });

  it('src/core, src/storage and src/ui never reach into workers/', () => {
    const into = edges.filter((e) => e.toLayer === 'workers' && ['core', 'storage', 'ui'].includes(e.fromLayer));
    expect(into.map((e) => `${e.from} -> ${e.spec}`)).toEqual([]);
  });
});

describe('the checker', () => {
  const edge = (from: string, spec: string, to: string | null): ImportEdge => ({ from, spec, to, fromLayer: layerOf(from), toLayer: to === null ? null : layerOf(to) });

  it('finds every kind of import: type-only, re-export, dynamic, reference, worker URL', () => {
    const specs = specifiersOf(
      [
        '/// <reference path="../env.d.ts" />',
        "import type { Device } from '../../workers/api';",
        "export { x } from './x';",
        "const m = import('./lazy');",
        "type V = typeof import('voy-search');",
        "new Worker(new URL('../../workers/index.worker.ts', import.meta.url), { type: 'module' });",
        'import {',
        '  a,',
        "} from '../core/multi-line';",
      ].join('\n'),
    );
    for (const s of ['../../workers/api', './x', './lazy', 'voy-search', '../env.d.ts', '../../workers/index.worker.ts', '../core/multi-line']) expect(specs).toContain(s);
  });

  it('flags upward and sideways arrows and impure packages in core, and allows the downward ones', () => {
    const bad = violations([
      edge('src/core/a.ts', '../../workers/api', 'workers/api'),
      edge('src/core/b.ts', '../engine/session', 'src/engine/session'),
      edge('src/storage/db.ts', '../../workers/api', 'workers/api'),
      edge('src/ui/x.ts', '../../workers/lib/webgpu-probe', 'workers/lib/webgpu-probe'),
      edge('workers/w.ts', '../src/storage/db', 'src/storage/db'),
      edge('src/engine/e.ts', '../ui/ragtab-app', 'src/ui/ragtab-app'),
      edge('src/core/c.ts', 'comlink', null),
      edge('src/core/d.ts', 'node:fs', null),
    ]);
    expect(bad.map((b) => b.from)).toEqual(['src/core/a.ts', 'src/core/b.ts', 'src/storage/db.ts', 'src/ui/x.ts', 'workers/w.ts', 'src/engine/e.ts', 'src/core/c.ts', 'src/core/d.ts']);
    const good = violations([
      edge('src/ui/x.ts', '../engine/session', 'src/engine/session'),
      edge('src/ui/x.ts', '../core/errors', 'src/core/errors'),
      edge('src/engine/e.ts', '../../workers/api', 'workers/api'),
      edge('src/engine/e.ts', '../storage/store', 'src/storage/store'),
      edge('workers/w.ts', '../src/core/topk', 'src/core/topk'),
      edge('src/core/c.ts', 'valibot', null),
    ]);
    expect(good).toEqual([]);
  });
});
