/**
 * The generation half of a RAG query: one LLM client at a time (wllama or web-llm), loaded with
 * its load measured in parts, and the answer built from the retrieved chunks (token-budgeted
 * prompt, chat template or plain layout), streamed token by token, and measured on this thread
 * beside the engine's own figures.
 */
import type { LlmInfo, LlmLoadProgress, LlmLoadSpec, LlmLoadTimings, LoadedFile, WorkerMemory } from '../../workers/api';
import { LlmClient, type ClientGenerateResult, type TokenArrival } from './llm-client';
import { buildPrompt, citedNumbers, type BuiltPrompt, type PromptChunk } from '../core/prompt';
import {
  compareFigures,
  computeLlmFigures,
  fromWebLlmUsage,
  fromWllamaTimings,
  type EngineFigures,
  type FigureComparison,
  type LlmFigures,
} from '../core/llm-figures';
import { RagtabError } from '../core/errors';
import { tokenUpperBound } from '../core/token-bound';
import type { LlmSettings } from '../core/settings';
import { STAGE, type StageTiming } from '../core/stages';
import { mark } from './stages';

export type { LlmSettings } from '../core/settings';

export interface LlmLoadReport {
  spec: LlmLoadSpec;
  info: LlmInfo;
  files: LoadedFile[];
  timings: LlmLoadTimings;
  /** Main-thread round trip of the load call. */
  roundTripMs: number;
  /** Where the weights came from: every file from the cache, every file from the network, or both. */
  source: 'cache' | 'network' | 'mixed' | 'unknown';
  /** Set when another model was loaded before: time from the request to the new model being ready. */
  switchedFrom: string | null;
}

export interface GenerationReport {
  text: string;
  tokenIds: number[] | null;
  promptTokens: number;
  generatedTokens: number;
  streamedTokens: number;
  finishReason: 'stop' | 'length' | 'interrupted';
  prompt: Pick<BuiltPrompt, 'layout' | 'layoutReason' | 'budget' | 'included' | 'dropped' | 'counts' | 'bound'> & {
    /** The prompt's tokens: counted before it was sent, or (when it fitted by its bound) as the engine ran it. */
    tokens: number;
    countedBy: 'counter' | 'engine';
  };
  promptText: string;
  promptMs: number;
  figures: LlmFigures;
  engine: EngineFigures | null;
  comparison: FigureComparison[];
  /** Citation numbers found in the answer, mapped to chunk ids. */
  citations: Array<{ n: number; id: string }>;
  hops: ClientGenerateResult['hops'];
  tRequest: number;
  arrivals: number[];
}

function sourceOf(files: LoadedFile[]): LlmLoadReport['source'] {
  if (files.length === 0) return 'unknown';
  const s = new Set(files.map((f) => f.source));
  if (s.size === 1) return [...s][0] === 'unknown' ? 'unknown' : ([...s][0] as 'cache' | 'network');
  return 'mixed';
}

export class Generator {
  private client: LlmClient | null = null;
  load: LlmLoadReport | null = null;
  settings: LlmSettings | null = null;
  /** Set when the worker was replaced (crash, device lost): the model must be loaded again. */
  lostReason: string | null = null;

  get ready(): boolean {
    return this.client !== null && this.load !== null && !this.client.needsReload;
  }

  /** Loads (or switches to) a model. A failure leaves the previously loaded model in place when the engine is the same. */
  async loadModel(settings: LlmSettings, onProgress: (p: LlmLoadProgress) => void): Promise<LlmLoadReport> {
    if (settings.engine === 'none') throw new RagtabError('InvalidArgument', 'No LLM engine chosen.');
    if (!settings.model.trim()) throw new RagtabError('InvalidArgument', 'No LLM model given.');
    const engine = settings.engine;
    const model = engine === 'wllama' && !/^[a-z]+:/i.test(settings.model) ? new URL(settings.model, document.baseURI).href : settings.model;
    const spec: LlmLoadSpec = {
      engine,
      model,
      threads: settings.threads,
      seed: settings.seed,
      warmup: true,
      ...(settings.contextSize ? { contextSize: settings.contextSize } : {}),
    };
    const previous = this.load?.spec.model ?? null;
    let client = this.client;
    let fresh = false;
    if (!client || client.engine !== engine) {
      client = new LlmClient(engine, undefined, {
        onWorkerReplaced: (r) => {
          this.lostReason = `${r.name}: ${r.message}`;
        },
      });
      fresh = true;
    }
    try {
      const r = await client.load(spec, onProgress);
      if (fresh) this.client?.terminate();
      this.client = client;
      this.settings = { ...settings };
      this.lostReason = null;
      this.load = {
        spec,
        info: r.value.info,
        files: r.value.files,
        timings: r.value.timings,
        roundTripMs: r.roundTripMs,
        source: sourceOf(r.value.files),
        switchedFrom: previous && previous !== model ? previous : null,
      };
      return this.load;
    } catch (e) {
      if (fresh) client.terminate();
      throw e;
    }
  }

  /** The LLM worker's memory (llama.cpp's heap in wllama's own worker included); rejects when no model is loaded. */
  async memory(): Promise<WorkerMemory> {
    if (!this.client) throw new RagtabError('LlmNotLoaded', 'No LLM is loaded.');
    return this.client.memory();
  }

  async unload(): Promise<void> {
    this.client?.terminate();
    this.client = null;
    this.load = null;
    this.settings = null;
  }

  async interrupt(): Promise<void> {
    await this.client?.interrupt();
  }

  /** Builds the prompt (token-budgeted with the model's own tokenizer) and streams the answer. */
  async answer(question: string, chunks: readonly PromptChunk[], onToken: (a: TokenArrival, textSoFar: string) => void): Promise<GenerationReport> {
    const client = this.client;
    const load = this.load;
    const settings = this.settings;
    if (!client || !load || !settings || client.needsReload) {
      throw new RagtabError('LlmNotLoaded', this.lostReason ? `The LLM must be loaded again: ${this.lostReason}` : 'No LLM is loaded: load one first.');
    }
    const p0 = performance.now();
    const prompt = await buildPrompt({
      question,
      chunks,
      contextSize: load.info.contextSize,
      maxNewTokens: settings.maxNewTokens,
      countTokens: async (t) => (await client.countTokens(t)).value.tokens,
      applyTemplate: load.info.hasChatTemplate ? (m) => client.applyTemplate(m) : null,
      upperBound: load.info.tokenBound ? (t) => tokenUpperBound(load.info.tokenBound!, t) : null,
    });
    const promptMs = performance.now() - p0;
    let text = '';
    const g = await client.generate({ prompt: prompt.text, maxNewTokens: settings.maxNewTokens, seed: settings.seed, temperature: 0 }, (a) => {
      text += a.text;
      onToken(a, text);
    });
    const r = g.result;
    const figures = computeLlmFigures({ tRequest: g.tRequest, arrivals: g.arrivals.map((a) => a.tMain), promptTokens: r.promptTokens });
    const engine = r.engineReport ? (r.engineReport.engine === 'wllama' ? fromWllamaTimings(r.engineReport.timings) : fromWebLlmUsage(r.engineReport.usage)) : null;
    return {
      text: r.text,
      tokenIds: r.tokenIds,
      promptTokens: r.promptTokens,
      generatedTokens: r.generatedTokens,
      streamedTokens: r.streamedTokens,
      finishReason: r.finishReason,
      prompt: {
        layout: prompt.layout,
        layoutReason: prompt.layoutReason,
        tokens: prompt.tokens ?? r.promptTokens,
        countedBy: prompt.tokens === null ? 'engine' : 'counter',
        bound: prompt.bound,
        budget: prompt.budget,
        included: prompt.included,
        dropped: prompt.dropped,
        counts: prompt.counts,
      },
      promptText: prompt.text,
      promptMs,
      figures,
      engine,
      comparison: engine ? compareFigures(figures, engine) : [],
      citations: citedNumbers(r.text, prompt.included.length).map((n) => ({ n, id: prompt.included[n - 1]!.id })),
      hops: g.hops,
      tRequest: g.tRequest,
      arrivals: g.arrivals.map((a) => a.tMain),
    };
  }
}

/**
 * A generation's stages, timed on this thread: build prompt (counting tokens with the model's own
 * tokenizer), time to first token (request sent → first token here; the engine's own prompt time
 * beside it), decode (first → last token; the engine's own rate beside ours).
 */
export function generationStages(g: GenerationReport): StageTiming[] {
  const f = g.figures;
  const p = g.prompt;
  const out: StageTiming[] = [
    { name: STAGE.buildPrompt, ms: g.promptMs, start: g.tRequest - g.promptMs, extra: { promptTokens: p.tokens, countedBy: p.countedBy, counts: p.counts, chunks: p.included.length, dropped: p.dropped.length, layout: p.layout } },
  ];
  mark(STAGE.buildPrompt, g.tRequest - g.promptMs, g.tRequest);
  if (f.ttftMs !== null) {
    out.push({
      name: STAGE.timeToFirstToken,
      ms: f.ttftMs,
      start: g.tRequest,
      ...(g.engine?.ttftMs != null ? { workerMs: g.engine.ttftMs } : {}),
      extra: { promptTokens: g.promptTokens, ...(f.prefillTokensPerS !== null ? { prefillTokensPerSecond: f.prefillTokensPerS } : {}) },
    });
    mark(STAGE.timeToFirstToken, g.tRequest, g.tRequest + f.ttftMs);
  }
  if (g.arrivals.length > 1) {
    const first = g.arrivals[0]!;
    const last = g.arrivals[g.arrivals.length - 1]!;
    out.push({
      name: STAGE.decode,
      ms: last - first,
      start: first,
      extra: { tokens: g.arrivals.length, ...(f.decodeTokensPerS !== null ? { tokensPerSecond: f.decodeTokensPerS } : {}), ...(g.engine?.decodeTokensPerS != null ? { engineTokensPerSecond: g.engine.decodeTokensPerS } : {}) },
    });
    mark(STAGE.decode, first, last);
  }
  return out;
}

