import { afterEach, describe, expect, it, vi } from 'vitest';
import { tabStartupSettled } from '../../src/engine/settle';

/** A service worker as the page sees it: a state, and statechange events when it moves on. */
class FakeServiceWorker extends EventTarget {
  constructor(public state: ServiceWorkerState) {
    super();
  }
  moveTo(state: ServiceWorkerState): void {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

function page(o: { ready: boolean; installing?: FakeServiceWorker | null; waiting?: FakeServiceWorker | null }) {
  const win = Object.assign(new EventTarget(), { ragtab: { ready: o.ready } });
  vi.stubGlobal('window', win);
  const reg = o.installing === undefined && o.waiting === undefined ? undefined : { installing: o.installing ?? null, waiting: o.waiting ?? null };
  vi.stubGlobal('navigator', { serviceWorker: { getRegistration: () => Promise.resolve(reg) } });
  return win;
}

afterEach(() => vi.unstubAllGlobals());

/** Lets every promise that can settle now settle (one turn of Node's event loop; no timer). */
const drained = () => new Promise<void>((r) => setImmediate(r));

describe("a run waits for the tab's start-up", () => {
  it('returns at once, with nothing to report, when the app is ready and no service worker is pending', async () => {
    page({ ready: true });
    expect(await tabStartupSettled()).toEqual([]);
  });

  it("waits for the app's ragtab-ready event", async () => {
    const win = page({ ready: false });
    let settled = false;
    const p = tabStartupSettled().then((r) => ((settled = true), r));
    await drained();
    expect(settled).toBe(false);
    win.ragtab.ready = true;
    win.dispatchEvent(new Event('ragtab-ready'));
    expect(await p).toEqual([]);
  });

  it('waits while a service worker is installing (caching the app), and goes on once it has installed', async () => {
    const sw = new FakeServiceWorker('installing');
    page({ ready: true, installing: sw });
    let settled = false;
    const p = tabStartupSettled().then((r) => ((settled = true), r));
    await drained();
    expect(settled).toBe(false);
    sw.moveTo('installed'); // waiting for an old version's pages to close: never activates here, installed is enough
    expect(await p).toEqual([]);
  });

  it('says what it could not wait for when the bound passes', async () => {
    page({ ready: false, installing: new FakeServiceWorker('installing') });
    const left = await tabStartupSettled({ timeoutMs: 0 });
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/app's start-up .* had not finished after 0 s/);
    expect(left[1]).toMatch(/service worker was still installing/);
  });
});
