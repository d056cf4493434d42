/**
 * The app in WebKit: it loads (no optional module blanks it), and says honestly what this browser
 * offers: the capability record, the threads really usable, the decisions taken from it, the
 * storage form, and (in Safari/WebKit) Safari's storage rules.
 */
import { expect, test } from 'vitest';
import type { CapabilityRecord } from '../../src/core/browser-capabilities';
import { withApp } from './lib/session';

test('loads and shows an honest capability record', async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/' });
    const c = await app.run<CapabilityRecord>(`return JSON.parse(JSON.stringify(window.ragtab.capabilities));`);
    expect(c.engine).toBe('webkit');
    expect(c.safari).toBe(true);
    expect(c.probe.userAgent).toMatch(/AppleWebKit\/605/);
    const badge = await app.run<{ threads: string; sab: string; text: string }>(
      `const b = $('ragtab-isolation', '.badge'); return { threads: b.getAttribute('data-threads'), sab: b.getAttribute('data-shared-array-buffer'), text: b.textContent };`,
    );
    expect(badge.sab).toBe(c.probe.sharedArrayBuffer ? 'yes' : 'no');
    expect(Number(badge.threads)).toBe(c.threads.usable);
    if (!c.probe.sharedArrayBuffer) {
      // WebKitGTK's automation session: isolated, but no SharedArrayBuffer: one thread, said so
      expect(c.threads.usable).toBe(1);
      expect(badge.text).toContain('no SharedArrayBuffer');
      expect(c.threads.reason).toMatch(/SharedArrayBuffer is undefined/);
    }
    const decision = (topic: string) => c.decisions.find((d) => d.topic === topic);
    expect(decision('wllama-build')?.choice).toBe(c.probe.jspi && c.probe.memory64 ? 'default' : 'compat');
    expect(decision('coep')?.choice).toBe('require-corp');
    expect(decision('wasm-simd')?.choice).toMatch(c.probe.simd ? /SIMD128/ : /no SIMD/);
    expect(decision('vector-blocks')?.choice).toBe(c.probe.indexedDbBlobs ? 'Blob' : 'ArrayBuffer');
    // the storage panel: Safari's rules and the stored form
    const panel = await app.run<{ safari: string; form: string | null }>(
      `const s = $('ragtab-storage'); await settled(s); return { safari: s.shadowRoot.querySelector('#safari-storage')?.textContent ?? '', form: s.shadowRoot.querySelector('#vector-form')?.getAttribute('data-vectors-as') ?? null };`,
    );
    expect(panel.safari).toMatch(/7 days/);
    expect(panel.safari).toMatch(/Private Browsing/);
    expect(panel.safari).toMatch(/Add to Dock/);
    expect(panel.form).toBe(c.probe.indexedDbBlobs ? 'Blob' : 'ArrayBuffer');
    // the details behind the badge
    const rows = await app.run<string[]>(`const i = $('ragtab-isolation'); i.shadowRoot.querySelector('.badge').click(); await i.updateComplete; return [...i.shadowRoot.querySelectorAll('#decisions tr')].map((r) => r.getAttribute('data-decision'));`);
    expect(rows).toEqual(expect.arrayContaining(['threads', 'wllama-build', 'wasm-simd', 'coep']));
  });
});
