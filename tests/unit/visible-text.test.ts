import { describe, expect, it } from 'vitest';
import { hasControls, visibleControls } from '../../src/core/visible-text';

describe('visibleControls', () => {
  it('shows bidi overrides, isolates, marks and zero-width characters as tokens', () => {
    expect(visibleControls('invoice\u202Etxt.exe')).toBe('invoice⟦U+202E⟧txt.exe');
    expect(visibleControls('a\u2066b\u2069c\u200Fd\u200Be\uFEFF')).toBe('a⟦U+2066⟧b⟦U+2069⟧c⟦U+200F⟧d⟦U+200B⟧e⟦U+FEFF⟧');
    expect(hasControls('a\u202Eb')).toBe(true);
    expect(hasControls('a\u202Eb')).toBe(true); // no state kept between calls
  });
  it('leaves ordinary text alone, right-to-left scripts included', () => {
    for (const s of ['msmarco-5k', 'שלום עולם', 'مرحبا', 'naïve café', '東京']) {
      expect(visibleControls(s)).toBe(s);
      expect(hasControls(s)).toBe(false);
    }
  });
});
