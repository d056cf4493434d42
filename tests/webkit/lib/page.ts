/**
 * Driving the real app through WebDriver: open it, act on its elements (inside their shadow
 * roots), and wait for the app's own window events (`ragtab-ready`, `ragtab-ingested`,
 * `ragtab-query-done`, `bench-done` ...), armed in the same script that acts, so none is missed.
 * Never a sleep: every wait is on an event or on the app's state.
 */
import type { WebDriver } from 'selenium-webdriver';

/**
 * One line per wait on the app (what, then what came and when; vitest heads it with the test's
 * name), so a run that hangs says in its log which step it hung in: a WebDriver script waiting for
 * an event cannot be asked anything else meanwhile.
 */
export function trace(msg: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

/**
 * In-page helpers, prepended to every script. `$(path)`: an element by a path of selectors, each
 * looked up inside the shadow root of the one before (`$('ragtab-setup', '#ingest')`), starting at
 * <ragtab-app>'s shadow root; null when missing. `settled(el)`: waits for a Lit element (and its
 * host) to finish rendering.
 */
const LIB = `
const $ = (...path) => { let root = document.querySelector('ragtab-app')?.shadowRoot; let el = null;
  for (const sel of path) { if (!root) return null; el = root.querySelector(sel); if (!el) return null; root = el.shadowRoot; } return el; };
const settled = async (el) => { let n = el; for (let i = 0; i < 4 && n; i++) { if (n.updateComplete) await n.updateComplete; n = n.getRootNode()?.host; } };
`;

export interface Fired {
  name: string;
  detail: unknown;
}

export class App {
  constructor(
    readonly driver: WebDriver,
    readonly base: string,
  ) {}

  /** Runs an async function body in the page (`return` its value); the LIB helpers are in scope. */
  async run<T>(body: string, ...args: unknown[]): Promise<T> {
    const script = `const __done = arguments[arguments.length - 1]; const args = Array.prototype.slice.call(arguments, 0, -1);
${LIB}
(async () => { ${body} })().then((v) => __done({ ok: true, v }), (e) => __done({ ok: false, e: String((e && e.stack) || e) }));`;
    const r = (await this.driver.executeAsyncScript(script, ...args)) as { ok: boolean; v?: T; e?: string };
    if (!r.ok) throw new Error(`in the page: ${r.e}`);
    return r.v as T;
  }

  /** Opens the app (`?params`) or a path under it, and waits until it is mounted and its storage opened. */
  async open(params: Record<string, string | number> | string = {}, hash = ''): Promise<void> {
    const url = typeof params === 'string' ? new URL(params, this.base).href : `${this.base}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}${hash}`;
    trace(`opening ${url.length > 120 ? url.slice(0, 120) + '…' : url}`);
    await this.driver.get('about:blank');
    await this.driver.get(url);
    await this.run(`if (!(window.ragtab && window.ragtab.ready)) await new Promise((r) => window.addEventListener('ragtab-ready', () => r(), { once: true }));`);
    trace('ready');
  }

  /** Arms listeners for `events`, runs `action` (a function body using the LIB helpers), and resolves with the first event fired. */
  async act(events: string[], action: string, ...args: unknown[]): Promise<Fired> {
    const t0 = Date.now();
    trace(`waiting for ${events.join(' | ')}`);
    const fired = await this.run<Fired>(
      `const fired = new Promise((resolve) => { for (const n of ${JSON.stringify(events)}) window.addEventListener(n, (e) => resolve({ name: n, detail: e.detail === undefined ? null : JSON.parse(JSON.stringify(e.detail)) }), { once: true }); });
       await (async () => { ${action} })();
       return await fired;`,
      ...args,
    );
    trace(`${fired.name} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return fired;
  }

  /** Clicks an element by its shadow path. */
  click(...path: string[]): string {
    return `{ const el = $(...${JSON.stringify(path)}); if (!el) throw new Error('no element ' + ${JSON.stringify(path.join(' >> '))}); el.click(); }`;
  }

  /** Sets a form control's value as a person would (then `input` and `change`), and waits for the re-render. */
  async set(path: string[], value: string): Promise<void> {
    await this.run(
      `const el = $(...args[0]); if (!el) throw new Error('no element ' + args[0].join(' >> '));
       el.value = args[1]; el.dispatchEvent(new Event('input', { bubbles: true, composed: true })); el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
       await settled(el);`,
      path,
      value,
    );
  }

  /** Gives a file input these files (built in the page from base64), as the file picker would. */
  async pickFiles(path: string[], files: Array<{ name: string; base64: string; type?: string }>): Promise<void> {
    await this.run(
      `const el = $(...args[0]); if (!el) throw new Error('no element ' + args[0].join(' >> '));
       const dt = new DataTransfer();
       for (const f of args[1]) { const bin = atob(f.base64); const b = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i); dt.items.add(new File([b], f.name, { type: f.type || 'application/octet-stream' })); }
       el.files = dt.files; el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
       await settled(el);`,
      path,
      files,
    );
  }

  /** Clicks Ingest; 'ragtab-ingested', 'ragtab-error' or 'ragtab-cancelled'. */
  async ingest(): Promise<Fired> {
    return this.act(['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled'], this.click('ragtab-setup', '#ingest'));
  }

  /** Types a question and submits it; 'ragtab-query-done' or 'ragtab-error'. */
  async ask(question: string): Promise<Fired> {
    await this.set(['ragtab-query', 'input[name=question]'], question);
    return this.act(['ragtab-query-done', 'ragtab-error'], `$('ragtab-query', 'form').requestSubmit();`);
  }

  /** Clicks Evaluate; 'ragtab-evaluated' or 'ragtab-error'. */
  async evaluate(): Promise<Fired> {
    return this.act(['ragtab-evaluated', 'ragtab-error'], this.click('ragtab-quality', '#evaluate'));
  }

  /** The error banner's name, as shown (null when none). */
  async shownError(): Promise<string | null> {
    return this.run(`const el = $('ragtab-error', '[role=alert]'); return el ? el.getAttribute('data-error-name') : null;`);
  }

  async dismissError(): Promise<void> {
    await this.run(`$('ragtab-error', 'button[aria-label=Dismiss]')?.click(); await settled($('ragtab-error'));`);
  }
}
