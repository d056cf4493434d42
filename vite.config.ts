/// <reference types="node" />
import { defineConfig, type Plugin, type Connect } from 'vite';
import wasm from 'vite-plugin-wasm';
import { ragtabPwa } from './pwa.config';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { execSync } from 'node:child_process';

/**
 * Cross-origin isolation: needed for SharedArrayBuffer (multi-threaded WASM in ONNX Runtime and
 * llama.cpp) and for performance.measureUserAgentSpecificMemory(). Sent by the dev server, by
 * `vite preview`, and (see README) must be sent by whatever hosts the production build.
 */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** ONNX Runtime Web's WASM files, served by the app itself (never from a CDN at run time). */
const ORT_DIR = resolve('node_modules/onnxruntime-web/dist');
const ORT_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.onnx': 'application/octet-stream',
  '.gguf': 'application/octet-stream',
  '.gz': 'application/gzip',
};

/**
 * wllama's compat build (@wllama/wllama-compat, same version as @wllama/wllama): no Memory64, no
 * JSPI, for browsers that lack either (Safari). Served by the app at wllama-compat/ like ONNX
 * Runtime's files, never from wllama's default CDN; left out of the service worker's precache
 * (16 MB that only such browsers use: cached on first use instead).
 */
const WLLAMA_COMPAT_DIR = resolve('node_modules/@wllama/wllama-compat/wasm');
const WLLAMA_COMPAT_FILES = ['wllama.js', 'wllama.wasm'];

/**
 * Extra folders served under URL prefixes, from RAGTAB_SERVE="/models=../shared/models;/datasets=...".
 * This is how tests, benchmarks, the CLI and offline users give the page local models and datasets.
 */
function servedDirs(): Array<[string, string]> {
  const out: Array<[string, string]> = [['/ort/', ORT_DIR], ['/wllama-compat/', WLLAMA_COMPAT_DIR]];
  const spec = process.env['RAGTAB_SERVE'] ?? '';
  for (const part of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`RAGTAB_SERVE: expected "/prefix=folder", got "${part}"`);
    let prefix = part.slice(0, eq);
    if (!prefix.startsWith('/')) prefix = '/' + prefix;
    if (!prefix.endsWith('/')) prefix += '/';
    const dir = resolve(part.slice(eq + 1));
    if (!existsSync(dir)) throw new Error(`RAGTAB_SERVE: folder not found: ${dir}`);
    out.push([prefix, dir]);
  }
  return out;
}

function staticMiddleware(dirs: Array<[string, string]>): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    for (const [prefix, dir] of dirs) {
      if (!url.startsWith(prefix)) continue;
      const file = resolve(join(dir, url.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) break;
      if (!existsSync(file) || !statSync(file).isFile()) {
        res.statusCode = 404;
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        res.end('Not found');
        return;
      }
      const size = statSync(file).size;
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
      res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
      res.setHeader('Content-Length', String(size));
      res.setHeader('Cache-Control', 'no-cache');
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(file).pipe(res);
      return;
    }
    next();
  };
}

function ragtabServe(): Plugin {
  return {
    name: 'ragtab-serve',
    configureServer(server) {
      server.middlewares.use(staticMiddleware(servedDirs()));
    },
    configurePreviewServer(server) {
      server.middlewares.use(staticMiddleware(servedDirs()));
    },
    generateBundle() {
      for (const f of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(join(ORT_DIR, f)) });
      }
      for (const f of WLLAMA_COMPAT_FILES) {
        this.emitFile({ type: 'asset', fileName: `wllama-compat/${f}`, source: readFileSync(join(WLLAMA_COMPAT_DIR, f)) });
      }
    },
  };
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

export default defineConfig({
  base: './',
  plugins: [wasm(), ragtabServe(), ...ragtabPwa()],
  worker: { format: 'es', plugins: () => [wasm()] },
  define: {
    __RAGTAB_VERSION__: JSON.stringify(pkg.version),
    __RAGTAB_COMMIT__: JSON.stringify(gitCommit()),
    __RAGTAB_DEPS__: JSON.stringify(pkg.dependencies),
  },
  build: {
    // RAGTAB_OUT_DIR: a build folder of one's own, so a benchmark and a test run can build at once.
    outDir: process.env['RAGTAB_OUT_DIR'] ?? 'dist',
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        main: resolve('index.html'),
        // Benchmark pages (bench/*.html): driven by the bench:* commands, built with the app.
        ...Object.fromEntries(
          (existsSync('bench') ? readdirSync('bench') : [])
            .filter((f) => f.endsWith('.html'))
            .map((f) => [`bench-${f.replace(/\.html$/, '')}`, resolve('bench', f)]),
        ),
        // Test fixture pages (tests/pages/*.html): built for the end-to-end tests only (RAGTAB_TEST_PAGES=1).
        ...Object.fromEntries(
          (process.env['RAGTAB_TEST_PAGES'] && existsSync('tests/pages') ? readdirSync('tests/pages') : [])
            .filter((f) => f.endsWith('.html'))
            .map((f) => [`test-${f.replace(/\.html$/, '')}`, resolve('tests/pages', f)]),
        ),
      },
    },
  },
  optimizeDeps: { exclude: ['@huggingface/transformers', 'voy-search', '@wllama/wllama'] },
  server: { headers: ISOLATION_HEADERS, port: 5173, strictPort: false },
  preview: { headers: ISOLATION_HEADERS, port: 4173, strictPort: false },
});
