/**
 * Strings from outside (a share link, a file name) shown as what they are: the Unicode controls
 * that reorder or hide text (bidi embeddings, overrides and isolates, directional marks, zero-width
 * characters) are replaced with a visible token, so `invoice\u202Etxt.exe` reads
 * `invoice⟦U+202E⟧txt.exe`, not `invoiceexe.txt`. The UI also isolates each such string (`<bdi>`)
 * so it cannot reorder the text around it. Pure.
 */
const CONTROLS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

export function visibleControls(s: string): string {
  return s.replace(CONTROLS, (c) => `⟦U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`);
}

/** Whether a string holds any such control. */
export function hasControls(s: string): boolean {
  CONTROLS.lastIndex = 0;
  const found = CONTROLS.test(s);
  CONTROLS.lastIndex = 0;
  return found;
}
