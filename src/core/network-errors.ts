/**
 * A fetch that fails before any answer arrives gives only "Failed to fetch" (Chromium) or "Load
 * failed" (Safari): the browser hides whether the network is down, the host does not exist, or the
 * server refused a cross-origin request (CORS). This names the URL and the likely causes. Pure: the
 * page's URL and online state are passed in (or read from `globalThis` when present).
 */
import { RagtabError } from './errors';

interface Where {
  /** The page's URL (same-origin URLs cannot fail on CORS). */
  pageUrl?: string;
  /** `navigator.onLine`. */
  online?: boolean;
}

function ambient(): Where {
  const g = globalThis as { location?: { href?: string }; navigator?: { onLine?: boolean } };
  return { ...(g.location?.href ? { pageUrl: g.location.href } : {}), ...(typeof g.navigator?.onLine === 'boolean' ? { online: g.navigator.onLine } : {}) };
}

/** FetchFailed naming the URL and what most likely went wrong. */
export function networkFailure(url: string, e: unknown, where: Where = ambient()): RagtabError {
  const said = e instanceof Error ? e.message : String(e);
  let href = url;
  let cross = false;
  try {
    const u = where.pageUrl ? new URL(url, where.pageUrl) : new URL(url);
    href = u.href;
    cross = where.pageUrl !== undefined && u.origin !== new URL(where.pageUrl).origin;
  } catch {
    /* an unparsable URL: keep it as given */
  }
  const causes =
    where.online === false
      ? 'the browser is offline'
      : cross
        ? `likely CORS or the network: the server at ${new URL(href).origin} did not answer, or it does not allow this page (${where.pageUrl ? new URL(where.pageUrl).origin : 'this origin'}) to read its files — it must send Access-Control-Allow-Origin`
        : 'likely the network: the server did not answer (is it running, is the address right?)';
  return new RagtabError('FetchFailed', `Could not fetch ${href}: ${causes}. (The browser said only "${said}".)`, { cause: e });
}
