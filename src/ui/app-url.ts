/**
 * Where the app keeps what a reload must not lose: the settings in the URL (short names, rewritten
 * with history.replaceState as they change), the view in the URL (`view=`, a history entry per
 * view so Back returns to the previous one), and the last embedding model that worked in
 * localStorage (so a newcomer who had to pick the local model keeps it the next time they open the
 * bare URL).
 */
import { appConfigFromParams, PARAM_ALIASES, searchWithConfig, type ParamError } from '../core/config-url';
import { configFromSettings, defaultLlmThreads, defaultThreads, toSettings, type Settings } from '../core/settings';
import { DEFAULT_EMBEDDING_MODEL } from '../core/models';
import type { ModelSpec } from '../core/vocabulary';

export const VIEWS = [
  { id: 'setup', label: 'Set up' },
  { id: 'ingest', label: 'Ingest' },
  { id: 'ask', label: 'Ask' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'benchmark', label: 'Benchmark' },
  { id: 'report', label: 'Report & compare' },
  { id: 'storage', label: 'Storage' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

export function isView(x: string | null): x is ViewId {
  return VIEWS.some((v) => v.id === x);
}

const MODEL_KEY = 'ragtab:working-model';

/** The embedding model that last ingested successfully here (null: none remembered, or no localStorage). */
export function rememberedModel(): ModelSpec | null {
  try {
    const raw = localStorage.getItem(MODEL_KEY);
    if (!raw) return null;
    const x = JSON.parse(raw) as Partial<ModelSpec>;
    if (typeof x.id !== 'string' || !/^[\w.\-/]+$/.test(x.id)) return null;
    return { id: x.id, ...(typeof x.baseUrl === 'string' ? { baseUrl: x.baseUrl } : {}), ...(typeof x.revision === 'string' ? { revision: x.revision } : {}) };
  } catch {
    return null;
  }
}

/** Remembers a model that worked (after a successful ingestion). */
export function rememberModel(spec: ModelSpec): void {
  try {
    localStorage.setItem(MODEL_KEY, JSON.stringify(spec));
  } catch {
    /* private mode or storage full: the URL still holds it */
  }
}

export interface StartSettings {
  settings: Settings;
  errors: ParamError[];
  /** The remembered model was applied (the URL named none). */
  remembered: ModelSpec | null;
}

/** The settings the page starts with: the URL's, each bad parameter reported and left out; without a model in the URL, the last one that worked. */
export function startSettings(search: string, hc: number | undefined): StartSettings {
  const params = new URLSearchParams(search);
  const url = appConfigFromParams(params);
  const settings = toSettings(url.config, hc);
  const namesModel = params.has('model') || params.getAll('benchSet').some((s) => s.startsWith('embedder.model='));
  const mem = namesModel ? null : rememberedModel();
  if (mem && mem.id !== DEFAULT_EMBEDDING_MODEL) {
    settings.model = mem;
    return { settings, errors: url.errors, remembered: mem };
  }
  return { settings, errors: url.errors, remembered: null };
}

/** Writes the settings into the URL's short names (replaceState: no history entry per keystroke); other parameters stay. */
export function writeSettings(s: Settings, hc: number | undefined): void {
  const config = configFromSettings(s, { threadsAuto: { embedder: s.threads === defaultThreads(hc), llm: s.llm.threads === defaultLlmThreads(hc) } });
  const search = searchWithConfig(location.search, config);
  if (search !== location.search) history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}

export function viewFromUrl(): ViewId | null {
  const v = new URLSearchParams(location.search).get('view');
  return isView(v) ? v : null;
}

/** Shows a view in the URL: a new history entry (Back returns to the previous view). */
export function writeView(v: ViewId, push: boolean): void {
  const params = new URLSearchParams(location.search);
  if (v === 'setup') params.delete('view');
  else params.set('view', v);
  const s = params.toString();
  const url = `${location.pathname}${s ? `?${s}` : ''}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState({ view: v }, '', url);
  else history.replaceState({ view: v }, '', url);
}

/** The short names of the URL (for tests of what the page wrote). */
export const SHORT_NAMES = Object.keys(PARAM_ALIASES);
