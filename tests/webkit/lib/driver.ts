/**
 * The WebKit lane's WebDriver: finds a driver the way the Chromium tests find Chromium, starts it
 * on a free port, and opens sessions through selenium-webdriver (W3C WebDriver).
 *
 * - Debian/Ubuntu (CI): WebKitGTK's `WebKitWebDriver` (RAGTAB_WEBKIT_DRIVER, else
 *   /usr/bin/WebKitWebDriver) driving `MiniBrowser` (RAGTAB_MINIBROWSER, else where
 *   libwebkit2gtk-4.1-0 installs it), under a virtual display (`xvfb-run -a`), with
 *   LANG=en_US.UTF-8 (under a POSIX locale WebKit reports navigator.language `C`).
 * - A Mac: `RAGTAB_WEBDRIVER=safari` drives real Safari through /usr/bin/safaridriver (enable it
 *   once with `safaridriver --enable` and Safari's Develop › Allow Remote Automation).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Builder, type WebDriver } from 'selenium-webdriver';

export type DriverKind = 'webkitgtk' | 'safari';

export interface RunningDriver {
  kind: DriverKind;
  url: string;
  /** Path of the browser binary (MiniBrowser), null for Safari. */
  browser: string | null;
  stop(): Promise<void>;
}

const HOW_TO_GET =
  'Install it: `sudo apt-get install -y webkit2gtk-driver xvfb xauth` (Debian/Ubuntu: WebKitGTK, the engine of Safari), ' +
  'or point RAGTAB_WEBKIT_DRIVER / RAGTAB_MINIBROWSER at your own builds; on a Mac run `RAGTAB_WEBDRIVER=safari npm run test:webkit` (after `safaridriver --enable`).';

export function driverKind(): DriverKind {
  const k = process.env['RAGTAB_WEBDRIVER'] ?? 'webkitgtk';
  if (k !== 'webkitgtk' && k !== 'safari') throw new Error(`RAGTAB_WEBDRIVER must be "webkitgtk" or "safari", got "${k}".`);
  return k;
}

function resolvePath(what: string, envVar: string, candidates: string[]): string {
  const explicit = process.env[envVar];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${envVar} points at ${explicit}, which does not exist.`);
    return explicit;
  }
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error(`No ${what} found (looked at ${envVar}, ${candidates.filter(Boolean).join(', ') || 'nothing'}). ${HOW_TO_GET}`);
}

/** Where libwebkit2gtk-4.1-0 installed MiniBrowser (dpkg), or the usual multiarch path. */
function miniBrowserCandidates(): string[] {
  const out: string[] = [];
  try {
    const files = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    out.push(...files.split('\n').filter((l) => l.endsWith('/MiniBrowser')));
  } catch {
    /* not Debian, or not installed */
  }
  out.push('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser');
  return out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Polls the driver's /status until it says ready (the driver's own readiness, not a sleep). */
async function waitReady(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`The WebDriver exited with code ${proc.exitCode}: ${log()}`);
    try {
      const r = await fetch(`${url}/status`);
      const j = (await r.json()) as { value?: { ready?: boolean } };
      if (j.value?.ready) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`The WebDriver at ${url} did not become ready in 60 s: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDriver(): Promise<RunningDriver> {
  const kind = driverKind();
  const port = Number(process.env['RAGTAB_WEBDRIVER_PORT'] ?? 0) || (await freePort());
  let proc: ChildProcess;
  let browser: string | null = null;
  if (kind === 'safari') {
    const bin = resolvePath('safaridriver', 'RAGTAB_SAFARIDRIVER', ['/usr/bin/safaridriver']);
    proc = spawn(bin, ['--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } else {
    const bin = resolvePath('WebKitWebDriver', 'RAGTAB_WEBKIT_DRIVER', ['/usr/bin/WebKitWebDriver']);
    browser = resolvePath('MiniBrowser (WebKitGTK)', 'RAGTAB_MINIBROWSER', miniBrowserCandidates());
    const xvfb = resolvePath('xvfb-run', 'RAGTAB_XVFB_RUN', ['/usr/bin/xvfb-run']);
    proc = spawn(xvfb, ['-a', bin, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' } });
  }
  let output = '';
  // what the WebDriver and the browser it starts print (a browser that dies says so here), kept for
  // a failed start and echoed to the log as it comes, stamped, so a test that hangs can be read
  // against it
  const keep = (b: Buffer) => {
    const text = b.toString();
    output = (output + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim()) console.log(`[webdriver ${new Date().toISOString().slice(11, 19)}] ${line.slice(0, 400)}`);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      process.kill(-proc.pid, 'SIGTERM'); // the driver's own process group (xvfb-run, Xvfb, the driver)
    } catch {
      return;
    }
    await exited;
  };
  try {
    await waitReady(url, proc, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { kind, url, browser, stop };
}

/** A new browser session: fresh (ephemeral) storage each time. */
export async function newSession(driver: { kind: DriverKind; url: string; browser: string | null }): Promise<WebDriver> {
  const caps: Record<string, unknown> =
    driver.kind === 'safari'
      ? { browserName: 'safari' }
      : { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: driver.browser, args: ['--automation'] } };
  const d = await new Builder().usingServer(driver.url).withCapabilities(caps).build();
  await d.manage().setTimeouts({ script: 10 * 60_000, pageLoad: 120_000 });
  return d;
}
