/**
 * The configuration side of share links: the URLs a configuration would fetch, and whether
 * fetching one needs the user's explicit consent (anything outside an allow-list of well-known
 * hosts, and outside the page's own origin). Pure. (The app's settings as a configuration:
 * `configFromSettings` in src/core/settings.ts.)
 */
import type { BenchConfig } from './bench-config';

// ─────────────────────────────── hosts and consent ───────────────────────────────

/**
 * Hosts a shared configuration may fetch from without asking: the Hugging Face hub and its file
 * CDNs (models, BEIR datasets, GGUF files, web-llm weights) and raw.githubusercontent.com (web-llm's
 * model libraries). A host matches itself and its subdomains.
 */
export const WELL_KNOWN_HOSTS: readonly string[] = Object.freeze(['huggingface.co', 'hf.co', 'raw.githubusercontent.com']);

export type UrlVerdict = 'same-origin' | 'well-known' | 'consent' | 'refused';

/** Where a URL (absolute, or relative to `pageUrl`) points, and whether fetching it needs consent. */
export function classifyUrl(url: string, pageUrl: string): { verdict: UrlVerdict; href: string } {
  let u: URL;
  try {
    u = new URL(url, pageUrl);
  } catch {
    return { verdict: 'refused', href: url };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { verdict: 'refused', href: u.href };
  let page: URL | null = null;
  try {
    page = new URL(pageUrl);
  } catch {
    page = null;
  }
  if (page && u.origin === page.origin) return { verdict: 'same-origin', href: u.href };
  const host = u.hostname.toLowerCase();
  if (u.protocol === 'https:' && !u.username && !u.password && WELL_KNOWN_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) {
    return { verdict: 'well-known', href: u.href };
  }
  return { verdict: 'consent', href: u.href };
}

/** Whether fetching `url` (from a page at `pageUrl`) needs explicit consent showing the full URL. */
export function requiresConsent(url: string, pageUrl: string): boolean {
  const v = classifyUrl(url, pageUrl).verdict;
  return v === 'consent' || v === 'refused';
}

export interface FetchTarget {
  /** The configuration field, e.g. `corpus.url`. */
  field: string;
  what: string;
  /** As written in the configuration. */
  raw: string;
  /** Resolved against the page. */
  href: string;
  verdict: UrlVerdict;
}

interface PinsLike {
  corpus: { kind: string };
}

/**
 * The URLs a configuration would fetch on this page: the BEIR corpus URL, the embedding model's
 * base URL (the hub when null), and a GGUF URL. Hub datasets by name and web-llm models by id come
 * from fixed, well-known hosts (the catalogue, web-llm's list) and are not listed.
 */
export function fetchTargets(config: BenchConfig, pins: PinsLike, pageUrl: string): FetchTarget[] {
  const out: FetchTarget[] = [];
  const add = (field: string, what: string, raw: string) => {
    const c = classifyUrl(raw, pageUrl);
    out.push({ field, what, raw, href: c.href, verdict: c.verdict });
  };
  if (config.corpus.source === 'beir' && config.corpus.url !== null && pins.corpus.kind === 'beir') add('corpus.url', 'BEIR corpus', config.corpus.url);
  if (config.embedder.baseUrl !== null) add('embedder.baseUrl', `embedding model ${config.embedder.model}`, config.embedder.baseUrl);
  if (config.llm.engine === 'wllama' && config.llm.model !== null) add('llm.model', 'GGUF model', config.llm.model);
  return out;
}
