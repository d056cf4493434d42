/**
 * Builds (when asked) and serves the production build with its real headers through `vite preview`,
 * plus local folders (models, datasets) under URL prefixes: the same server for tests, benchmarks
 * and the CLI.
 */
import { build, preview } from 'vite';
import { resolve } from 'node:path';

export interface Served {
  url: string;
  /** The folder the build went into and is served from (RAGTAB_OUT_DIR, else dist/). */
  outDir: string;
  close(): Promise<void>;
}

/** Where `vite build` writes and `vite preview` serves from: vite.config.ts reads RAGTAB_OUT_DIR. */
export function buildOutDir(): string {
  return resolve(process.env['RAGTAB_OUT_DIR'] ?? 'dist');
}

/**
 * `dirs` maps URL prefixes ('/models/') to folders. The build goes into RAGTAB_OUT_DIR when set
 * (vite.config.ts reads it), so a benchmark does not overwrite the build a test server is serving.
 */
export async function serveApp(opts: { dirs?: Record<string, string>; build?: boolean; port?: number } = {}): Promise<Served> {
  const spec = Object.entries(opts.dirs ?? {})
    .map(([p, d]) => `${p}=${resolve(d)}`)
    .join(';');
  process.env['RAGTAB_SERVE'] = spec;
  if (opts.build) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: opts.port ?? 0, strictPort: false, host: '127.0.0.1' }, logLevel: 'warn' });
  const addr = server.httpServer.address();
  if (!addr || typeof addr === 'string') throw new Error('preview server has no address');
  return {
    url: `http://localhost:${addr.port}/`,
    outDir: buildOutDir(),
    close: () => new Promise<void>((res) => server.httpServer.close(() => res())),
  };
}

/** Where ../shared lives (RAGTAB_SHARED overrides). */
export function sharedDir(): string {
  return resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
}
