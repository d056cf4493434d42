/// <reference types="node" />
/**
 * The offline demo and installability: vite-plugin-pwa with the injectManifest strategy and
 * ragtab's own service worker (src/sw.ts), a web manifest with icons, and a small registration
 * script in index.html. Used from vite.config.ts: `plugins: [wasm(), ragtabServe(), ...ragtabPwa()]`.
 *
 * Why injectManifest (not generateSW): the worker must add the cross-origin isolation headers to
 * every response it serves (so static hosts that cannot send them still get SharedArrayBuffer),
 * and it must fall back to cached local models and datasets when the network is off. One
 * hand-written fetch handler does both in one place; generateSW would need a custom handler for
 * each of Workbox's strategies.
 *
 * What is precached (fetched when the worker installs, served cache-first): the app shell, the
 * WASM runtimes the app loads (ONNX Runtime's asyncify build in ort/, llama.cpp's wllama and voy
 * in assets/), the demo corpus (demo/), the icons and the manifest. Left out: source maps, the
 * benchmark pages, the unused copies of ONNX Runtime's WASM that transformers.js's bundle emits
 * into assets/ (the app points ONNX Runtime at ort/), and ONNX Runtime's non-asyncify build.
 * Those (and everything else same-origin: /models/, /datasets/) are cached when first used.
 *
 * Works under a sub-path: everything is relative (`base: './'`, scope `./`, `./sw.js`).
 */
import type { Plugin, PluginOption } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Registers ./sw.js and, when the page is not cross-origin isolated (a host without the headers),
 * reloads once after the worker takes control, so the reloaded page gets the worker's headers
 * (coi-serviceworker style). Never while the app is busy or has work loaded: then the next visit
 * is isolated. A sessionStorage flag prevents a reload loop where a browser ignores the headers.
 */
export const REGISTER_SW = `(function () {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  var KEY = 'ragtab-coi-reloaded';
  navigator.serviceWorker.register('./sw.js', { scope: './' }).then(function () {
    if (window.crossOriginIsolated) { try { sessionStorage.removeItem(KEY); } catch (e) {} return; }
    function reloadOnce() {
      if (window.crossOriginIsolated) return;
      try { if (sessionStorage.getItem(KEY)) return; } catch (e) { return; }
      var s = window.ragtab;
      if (s && (s.busy || s.active || s.llmLoad)) return;
      try { sessionStorage.setItem(KEY, '1'); } catch (e) { return; }
      location.reload();
    }
    if (navigator.serviceWorker.controller) reloadOnce();
    else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
  }).catch(function (e) { console.warn('ragtab: the service worker was not registered:', e); });
})();`;

function registerScript(): Plugin {
  return {
    name: 'ragtab-sw-register',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        // The app's page only (not the benchmark pages).
        if (!/(^|\/)index\.html$/.test(ctx.path) || ctx.path.includes('bench/')) return [];
        return [{ tag: 'script', attrs: { id: 'ragtab-sw-register' }, children: REGISTER_SW, injectTo: 'head' }];
      },
    },
  };
}

export function ragtabPwa(): PluginOption[] {
  return [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      base: './',
      scope: './',
      includeManifestIcons: false,
      manifest: {
        id: './',
        name: 'ragtab — RAG benchmark in one browser tab',
        short_name: 'ragtab',
        description: 'How fast, and how good, is retrieval-augmented generation in this browser, on this machine? Embedding, vector search and generation, timed stage by stage, in one tab.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#fbfbfd',
        theme_color: '#2f6fec',
        categories: ['developer', 'utilities'],
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{html,js,mjs,css,wasm,svg,png,webmanifest}', 'demo/**/*'],
        globIgnores: [
          '**/*.map',
          'sw.js',
          'bench/**',
          'assets/bench-*',
          'assets/roundtrip.worker-*',
          'assets/embed-probe.worker-*',
          'assets/ort-wasm-simd-threaded*.wasm',
          'ort/ort-wasm-simd-threaded.mjs',
          'ort/ort-wasm-simd-threaded.wasm',
          'wllama-compat/**',
        ],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        rollupFormat: 'iife',
        minify: true,
        sourcemap: false,
      },
      devOptions: { enabled: false },
    }),
    registerScript(),
  ];
}
