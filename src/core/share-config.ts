/**
 * The configuration side of share links: the URLs a configuration would fetch, and whether
 * fetching one needs the user's explicit consent (anything outside an allow-list of well-known
 * hosts, and outside the page's own origin). Pure. (The app's settings as a configuration:
 * `configFromSettings` in src/core/settings.ts.)
 */
import type { BenchConfig } from './bench-config';
import { embeddingModelInfo } from './models';

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
  /** On a well-known host: the repository's owner and name, as its URL says (null elsewhere, or when the URL does not say). */
  owner: string | null;
  repo: string | null;
}

/**
 * The well-known hosts serve anyone's uploads: a link may fetch from them without asking only from
 * the owners of ragtab's own catalogue (its embedding models, its default GGUF, web-llm's model
 * libraries, the BEIR datasets). Any other owner, or a URL that does not say its owner (a CDN
 * address), needs consent, which names the owner and the repository.
 */
export const CATALOGUE_OWNERS: readonly string[] = Object.freeze(['Xenova', 'HuggingFaceTB', 'mlc-ai', 'BeIR']);

/** The owner and repository of a Hugging Face or raw GitHub URL (null when it has none). */
export function repositoryOf(href: string): { owner: string; repo: string } | null {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase();
  const parts = u.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  if (host === 'huggingface.co' || host === 'hf.co') {
    const at = parts[0] === 'datasets' || parts[0] === 'spaces' ? 1 : 0;
    return parts.length >= at + 2 ? { owner: parts[at]!, repo: parts[at + 1]! } : null;
  }
  if (host === 'raw.githubusercontent.com') return parts.length >= 2 ? { owner: parts[0]!, repo: parts[1]! } : null;
  return null;
}

interface PinsLike {
  corpus: { kind: string };
}

/**
 * The URLs a configuration would fetch on this page: the BEIR corpus URL, the embedding model's
 * base URL (or its hub address, by id), and a GGUF URL, each with its verdict (consent for a
 * well-known host's repository outside CATALOGUE_OWNERS). Hub datasets by name and web-llm models
 * by id come from fixed lists (the catalogue, web-llm's list) and are not listed.
 */
export function fetchTargets(config: BenchConfig, pins: PinsLike, pageUrl: string): FetchTarget[] {
  const out: FetchTarget[] = [];
  const add = (field: string, what: string, raw: string) => {
    const c = classifyUrl(raw, pageUrl);
    const r = c.verdict === 'well-known' ? repositoryOf(c.href) : null;
    const verdict = c.verdict === 'well-known' && !(r && CATALOGUE_OWNERS.includes(r.owner)) ? 'consent' : c.verdict;
    out.push({ field, what, raw, href: c.href, verdict, owner: r?.owner ?? null, repo: r?.repo ?? null });
  };
  if (config.corpus.source === 'beir' && config.corpus.url !== null && pins.corpus.kind === 'beir') add('corpus.url', 'BEIR corpus', config.corpus.url);
  if (config.embedder.baseUrl !== null) add('embedder.baseUrl', `embedding model ${config.embedder.model}`, config.embedder.baseUrl);
  // a model by id: one of the catalogue's local models (served by this site), else its hub address, judged by owner
  else if (embeddingModelInfo(config.embedder.model)?.hub === false) add('embedder.model', `embedding model ${config.embedder.model}`, `models/${config.embedder.model}/`);
  else add('embedder.model', `embedding model ${config.embedder.model}`, `https://huggingface.co/${config.embedder.model}${config.embedder.revision ? `/tree/${encodeURIComponent(config.embedder.revision)}` : ''}`);
  if (config.llm.engine === 'wllama' && config.llm.model !== null) add('llm.model', 'GGUF model', config.llm.model);
  return out;
}
