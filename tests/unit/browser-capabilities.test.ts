import { describe, expect, it } from 'vitest';
import { browserEngine, decideBrowser, safariStorageNotes, usableThreads, type BrowserProbe } from '../../src/core/browser-capabilities';
import { parseRunRecord } from '../../src/core/run-record';
import { runFake } from './bench-fixtures';

const WEBKITGTK: BrowserProbe = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15',
  hardwareConcurrency: 4,
  crossOriginIsolated: true,
  sharedArrayBuffer: false,
  webgpu: { available: false, reason: 'navigator.gpu is missing' },
  jspi: false,
  simd: true,
  relaxedSimd: false,
  memory64: false,
  coepCredentialless: false,
  opfs: false,
  storageEstimate: false,
  storagePersist: false,
  schedulerYield: false,
  measureUserAgentSpecificMemory: false,
  webLocks: true,
  compressionStream: true,
  serviceWorker: true,
  indexedDbBlobs: false,
};
const CHROMIUM: BrowserProbe = {
  ...WEBKITGTK,
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  sharedArrayBuffer: true,
  jspi: true,
  relaxedSimd: true,
  memory64: true,
  coepCredentialless: true,
  indexedDbBlobs: true,
};

describe('browser capabilities', () => {
  it('names the engine from the user agent', () => {
    expect(browserEngine(WEBKITGTK.userAgent)).toBe('webkit');
    expect(browserEngine(CHROMIUM.userAgent)).toBe('chromium');
    expect(browserEngine('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')).toBe('gecko');
  });

  it('counts one thread where SharedArrayBuffer is missing, even on an isolated page', () => {
    expect(usableThreads(WEBKITGTK)).toMatchObject({ usable: 1 });
    expect(usableThreads(WEBKITGTK).reason).toMatch(/SharedArrayBuffer is undefined/);
    expect(usableThreads({ ...CHROMIUM, crossOriginIsolated: false }).usable).toBe(1);
    expect(usableThreads(CHROMIUM).usable).toBe(4);
  });

  it('decides wllama compat, plain SIMD, require-corp and ArrayBuffer blocks in WebKit, with reasons', () => {
    const r = decideBrowser(WEBKITGTK);
    const d = Object.fromEntries(r.decisions.map((x) => [x.topic, x]));
    expect(r.safari).toBe(true);
    expect(d['wllama-build']!.choice).toBe('compat');
    expect(d['wllama-build']!.reason).toMatch(/JSPI and Memory64/);
    expect(d['wasm-simd']!.reason).toMatch(/relaxed SIMD/);
    expect(d['coep']!.reason).toMatch(/does not support credentialless/);
    expect(d['vector-blocks']!.choice).toBe('ArrayBuffer');
    const c = Object.fromEntries(decideBrowser(CHROMIUM).decisions.map((x) => [x.topic, x.choice]));
    expect(c).toMatchObject({ 'wllama-build': 'default', 'vector-blocks': 'Blob', threads: '4' });
  });

  it('says Safari storage rules in WebKit only', () => {
    const notes = safariStorageNotes(decideBrowser(WEBKITGTK))!;
    expect(notes.join(' ')).toMatch(/7 days/);
    expect(notes.join(' ')).toMatch(/Add to Dock/);
    expect(safariStorageNotes(decideBrowser(CHROMIUM))).toBeNull();
  });

  it('the record field is optional: records with and without it import', async () => {
    const { records: [r] } = await runFake();
    const { capabilities: _drop, ...env } = r!.environment;
    expect(() => parseRunRecord(JSON.parse(JSON.stringify({ ...r, environment: env })))).not.toThrow();
    const withCaps = parseRunRecord(JSON.parse(JSON.stringify({ ...r, environment: { ...env, capabilities: decideBrowser(WEBKITGTK) } })));
    expect(withCaps.environment.capabilities?.engine).toBe('webkit');
  });
});
