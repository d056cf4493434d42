import { html, type TemplateResult } from 'lit';
import { visibleControls } from '../core/visible-text';

/**
 * A string from outside (a share link, a file): isolated in `<bdi>` so it cannot reorder the text
 * around it, with its hidden or reordering Unicode controls shown as tokens (core/visible-text.ts).
 * Rendered as text, as everything in Lit.
 */
export function u(s: string | null | undefined): TemplateResult {
  return html`<bdi>${visibleControls(s ?? '')}</bdi>`;
}
