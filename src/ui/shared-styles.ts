import { css } from 'lit';

export const cardStyles = css`
  :host { display: block; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; min-width: 0; overflow-wrap: anywhere; }
  h2 { font-size: 15px; margin: 0 0 10px; font-weight: 650; letter-spacing: 0.01em; }
  .muted { color: var(--muted); }
  /* text for screen readers only (a column of buttons still has a header) */
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  /* tables keep words and figures whole (no "5. 6 %" breaks); on a phone a wide one scrolls inside its card, never the page */
  table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; overflow-wrap: normal; position: relative; /* its .sr header text scrolls with it, not with the page */ }
  @media (max-width: 600px) { table { display: block; overflow-x: auto; } }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.n, th.n { white-space: nowrap; }
  th { color: var(--muted); font-weight: 550; }
  td.n, th.n { text-align: right; }
  button { font: inherit; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 6px 12px; cursor: pointer; }
  button.primary { background: var(--accent); color: var(--on-accent, #fff); border-color: var(--accent); }
  button:disabled, button[aria-disabled='true'] { opacity: 0.5; cursor: not-allowed; }
  select, input[type='text'], input[type='number'], input[type='url'] { max-width: 100%; min-width: 0; font: inherit; padding: 5px 8px; border-radius: 8px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
  /* WebKit counts a select's option text past its box in the page's width (a phone then scrolls sideways): clipped */
  select { contain: paint; }
`;

/** A form of labelled rows (label column, field column), one column on a phone. */
export const formStyles = css`
  .grid { display: grid; grid-template-columns: 130px minmax(0, 1fr); gap: 8px 12px; align-items: center; font-size: 14px; }
  @media (max-width: 520px) { .grid { grid-template-columns: minmax(0, 1fr); gap: 4px; } }
  label.k { color: var(--muted); font-size: 13px; }
  .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  .note { font-size: 12px; color: var(--muted); }
  input[type='number'] { width: 80px; }
`;
