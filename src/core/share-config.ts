/**
 * The configuration side of share links: the app's Settings as a BenchConfig (what a run in the
 * app shares, and what a version 0 link migrates from), the URLs a configuration would fetch, and
 * whether fetching one needs the user's explicit consent (anything outside an allow-list of
 * well-known hosts, and outside the page's own origin). Pure.
 */
import { parseBenchConfig, type BenchConfig } from './bench-config';
import type { Settings } from './settings';

export interface FromSettingsOptions {
  name?: string;
  /** Content hash of the corpus (pins it: the runner refuses a different corpus). */
  corpusHash?: string | null;
  /** The questions the query stages ran on; none: the corpus's own queries. */
  questions?: readonly string[];
  /** Whether the judged queries were scored. */
  quality?: boolean;
  /** Keep threads as "auto" (resolved on the machine that runs) instead of the number. */
  threadsAuto?: { embedder: boolean; llm: boolean };
}

/**
 * The app's settings as a validated configuration: one iteration, no warm-up (what a run in the
 * app did). A corpus of the user's files or folder has no BenchConfig source: it is written as the
 * demo source with the corpus's hash, and the share link's pins name the files (see SharePins).
 */
export function configFromSettings(s: Settings, o: FromSettingsOptions = {}): BenchConfig {
  const hash = o.corpusHash ?? null;
  const c = s.corpus;
  const corpus =
    c.kind === 'beir-url'
      ? { source: 'beir', url: c.url, name: null, maxDocs: c.maxDocs, hash }
      : c.kind === 'beir-catalog'
        ? { source: 'hub', url: null, name: c.name, maxDocs: c.maxDocs, hash }
        : { source: 'demo', url: null, name: null, maxDocs: null, hash };
  const kinds = s.indexKinds;
  const index = kinds.length > 1 ? (kinds[0] === 'voy' ? 'voy' : 'both') : (kinds[0] ?? 'exact');
  const hasLlm = s.llm.engine !== 'none' && s.llm.model.trim() !== '';
  const questions = (o.questions ?? []).map((q) => q.trim()).filter((q) => q.length > 0).slice(0, 20);
  return parseBenchConfig({
    version: 1,
    name: (o.name ?? 'app session').slice(0, 100) || 'app session',
    corpus,
    chunking: s.chunking.mode === 'document' ? { mode: 'document', size: 128, overlap: 16 } : { mode: 'tokens', size: s.chunking.size, overlap: s.chunking.overlap },
    embedder: {
      model: s.model.id,
      revision: s.model.revision ?? null,
      baseUrl: s.model.baseUrl ?? null,
      dtype: s.dtype,
      device: s.device,
      threads: o.threadsAuto?.embedder ? 'auto' : s.threads,
      batch: s.batchSize,
    },
    index,
    k: s.k,
    contextChars: s.contextChars,
    llm: {
      engine: hasLlm ? s.llm.engine : 'none',
      model: hasLlm ? s.llm.model : null,
      variant: null,
      maxNewTokens: s.llm.maxNewTokens,
      contextSize: s.llm.contextSize,
      seed: s.llm.seed,
      threads: o.threadsAuto?.llm ? 'auto' : s.llm.threads,
    },
    queries: questions.length > 0 ? { from: 'list', list: questions, count: questions.length } : { from: 'corpus', list: [], count: 10 },
    warmups: 0,
    iterations: 1,
    reload: false,
    clearCache: false,
    concurrency: 1,
    quality: o.quality ?? false,
    memory: { intervalMs: 100, full: false },
    sweep: [],
  });
}

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
