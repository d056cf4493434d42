/**
 * 1,200 generated links (random bytes, random text, truncations and mutations of valid links,
 * huge numbers, script and markup in every string field, prototype-pollution keys, deeply nested
 * JSON, decompression bombs, versions, dangerous URLs, over-long links) through the decoder: each
 * yields a valid payload or a named error, nothing else escapes, Object.prototype stays clean, and
 * a payload that decodes re-encodes to itself.
 */
import { describe, expect, it } from 'vitest';
import { decodeShareData, encodeShareData, SHARE_ERROR_CODES, SHARE_VERSION, type SharePayload } from '../../src/core/share-link';
import { fuzzCases } from './share-fixtures';

const PROTO_KEYS_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

function strings(x: unknown, out: string[] = []): string[] {
  if (typeof x === 'string') out.push(x);
  else if (Array.isArray(x)) x.forEach((y) => strings(y, out));
  else if (x && typeof x === 'object') Object.values(x).forEach((y) => strings(y, out));
  return out;
}

describe('share link fuzz', () => {
  it('every generated link decodes to a payload or a named error', { timeout: 300_000 }, async () => {
    const cases = await fuzzCases(1200, 20261125);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const tally = new Map<string, { ok: number; errors: Map<string, number> }>();
    for (const c of cases) {
      let r: Awaited<ReturnType<typeof decodeShareData>>;
      try {
        r = await decodeShareData(c.data);
      } catch (e) {
        throw new Error(`${c.kind}: the decoder threw ${String(e)}`);
      }
      const t = tally.get(c.kind) ?? { ok: 0, errors: new Map() };
      tally.set(c.kind, t);
      if (r.ok) {
        t.ok++;
        const p: SharePayload = r.payload;
        expect(p.v).toBe(SHARE_VERSION);
        expect(Object.isFrozen(p.config)).toBe(true);
        // a payload that decodes is stable: re-encoding it gives the same payload
        const again = await decodeShareData(await encodeShareData(p));
        expect(again.ok && again.payload).toEqual(p);
        // planted markup survives as text, unchanged (the UI renders it as text)
        if (c.planted) expect(strings(p)).toContain(c.planted);
      } else {
        expect(SHARE_ERROR_CODES, `${c.kind}: ${r.error.name}`).toContain(r.error.name);
        expect(r.error.message.length).toBeGreaterThan(10);
        t.errors.set(r.error.name, (t.errors.get(r.error.name) ?? 0) + 1);
      }
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS_BEFORE);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    }
    const by = (k: string) => tally.get(k)!;
    // the kinds end where they must
    expect(by('random-bytes').ok).toBe(0);
    expect(by('truncation').ok).toBe(0);
    expect(by('deep-json').ok).toBe(0);
    expect(by('too-long').errors.get('ShareLinkTooLarge')).toBe(by('too-long').errors.size && [...by('too-long').errors.values()].reduce((a, b) => a + b, 0));
    expect(by('bomb').ok).toBe(0);
    expect(by('bomb').errors.get('ShareLinkTooLarge') ?? 0).toBeGreaterThan(0);
    expect(by('version').errors.get('UnsupportedShareVersion') ?? 0).toBeGreaterThan(0);
    expect(by('proto-keys').ok).toBeGreaterThan(0); // the keys are dropped, the rest is valid
    expect(by('markup').ok).toBeGreaterThan(0); // free-text fields take any text
    expect(by('v0').ok).toBeGreaterThan(0);
    expect(by('url').errors.get('InvalidShareLink') ?? 0).toBeGreaterThan(0);
    console.log(
      [...tally.entries()].map(([k, t]) => `${k}: ${t.ok} ok, ${[...t.errors.entries()].map(([n, c]) => `${c} ${n}`).join(', ') || 'no errors'}`).join('\n'),
    );
  });
});
