/**
 * bench:llm's figures, round by round and over the rounds, under the project's statistics rules
 * (src/core/robust-stats.ts, src/core/comparability.ts, src/core/figure-format.ts):
 * - every figure is the median of per-round values with its order-statistic interval;
 * - browser vs native (and any two variants) are paired per round: a ratio is the median of the
 *   per-round ratios, a difference the median of the per-round differences, printed as a value only
 *   when its interval excludes 0 ("below resolution (n, CI)" otherwise);
 * - a ratio whose native side is a known pathology (native llama.cpp generating with all the cores
 *   of a 2-core machine) or another configuration is "not comparable", with the evidence;
 * - each side's noise (its CV against the threshold, with the load average) stands beside a ratio.
 * Rounds are expensive (minutes each on a real-size model), so the level is 90%: 5 rounds give the
 * min–max interval at 93.8%; fewer than 5 give no interval at all.
 */
import { pairedComparison, type RatioClaim, type Side } from '../../src/core/comparability';
import { difference, medianText, ratio } from '../../src/core/figure-format';
import { medianWithInterval, pairedDifference, type Difference, type MachineContext, type MedianEstimate } from '../../src/core/robust-stats';
import type { DeviceRoofs } from '../../src/core/roofs';
import type { MicroRun } from '../../bench/llm';
import type { NativeRun } from './llm-native';
import type { FigureTable } from './figures';

/** The confidence level of bench:llm's intervals (see the header). */
export const LLM_LEVEL = 0.9;

/** One round's figures, browser and native, paired by round. */
export interface RoundFigures {
  round: number;
  /** The tab's SIMD f32 roof at this thread count (1 thread: 1 worker; more: N workers), GFLOP/s. */
  roofGflops: number | null;
  bandwidthGBps: number | null;
  ppLoop: number | null;
  ppLoopEngine: number | null;
  ppPage: number | null;
  ppNative: number | null;
  tgLoop: number | null;
  /** llama.cpp's decode figure on our definition: (predicted_n − 1) / predicted_ms (its own counts n over n − 1 intervals). */
  tgLoopEngine: number | null;
  tgLoopEngineOwn: number | null;
  tgBatchedWorker: number | null;
  tgPage: number | null;
  tgNative: number | null;
  tgNativeDecode: number | null;
  ttftPageMs: number | null;
  enginePrefillMs: number | null;
  hopRequestMs: number | null;
  hopFirstTokenMs: number | null;
  completionActionMs: number | null;
}

const num = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The SIMD roof a run at `threads` threads is read against, or why there is none. */
export function simdRoof(r: DeviceRoofs, threads: number): number | null {
  if (threads <= 1) return r.simd1.available ? r.simd1.gflops : null;
  return r.simdN.available ? r.simdN.gflops : null;
}

export function roundFigures(round: number, runs: MicroRun[], nat: NativeRun[], roofs: DeviceRoofs | null, threads: number): RoundFigures {
  const one = (test: 'pp' | 'tg', variant: MicroRun['variant']): MicroRun | undefined => runs.find((x) => x.test === test && x.variant === variant && !x.warmup);
  const native = (test: NativeRun['test']): number | null => num(nat.find((x) => x.test === test && !x.warmup)?.tokensPerS);
  const ppLoop = one('pp', 'engine-loop');
  const ppStream = one('pp', 'stream');
  const tgLoop = one('tg', 'engine-loop');
  const sameDef = (r: MicroRun | undefined): number | null => {
    const e = r?.engine;
    if (!e || e.decodeTokensPerS === null || e.generatedTokens < 2) return null;
    // predicted_per_second = n / predicted_ms, predicted_ms spanning first → last token (n − 1 intervals).
    const predictedMs = (e.generatedTokens * 1000) / e.decodeTokensPerS;
    return ((e.generatedTokens - 1) * 1000) / predictedMs;
  };
  return {
    round,
    roofGflops: roofs ? simdRoof(roofs, threads) : null,
    bandwidthGBps: roofs?.bandwidth.available ? roofs.bandwidth.GBps : null,
    ppLoop: num(ppLoop?.worker.prefillTokensPerS),
    ppLoopEngine: num(ppLoop?.engine?.prefillTokensPerS),
    ppPage: num(ppStream?.ours.prefillTokensPerS),
    ppNative: native('pp'),
    tgLoop: num(tgLoop?.worker.decodeTokensPerS),
    tgLoopEngine: sameDef(tgLoop),
    tgLoopEngineOwn: num(tgLoop?.engine?.decodeTokensPerS),
    tgBatchedWorker: num(one('tg', 'stream-batched')?.worker.decodeTokensPerS),
    tgPage: num(one('tg', 'stream')?.ours.decodeTokensPerS),
    tgNative: native('tg'),
    tgNativeDecode: native('tg-decode'),
    ttftPageMs: num(ppStream?.ours.ttftMs),
    enginePrefillMs: num(ppStream?.engine?.ttftMs),
    hopRequestMs: num(ppStream?.hops.requestMs),
    hopFirstTokenMs: num(ppStream?.hops.firstTokenMs),
    completionActionMs: num(ppLoop?.engineLoop?.completionActionMs),
  };
}

type Col = Exclude<keyof RoundFigures, 'round'>;
type Values = ReadonlyArray<number | null>;
const col = (rs: RoundFigures[], k: Col): Values => rs.map((r) => r[k]);

/** The rounds where both sides have a value (and, for ratios, a positive denominator). */
function paired(a: Values, b: Values, positiveB = false): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  a.forEach((x, i) => {
    const y = b[i];
    if (x !== null && y !== null && y !== undefined && (!positiveB || y > 0)) {
      xs.push(x);
      ys.push(y);
    }
  });
  return [xs, ys];
}

const median = (xs: Values): MedianEstimate => medianWithInterval(xs.filter((x): x is number => x !== null), LLM_LEVEL);
const diff = (a: Values, b: Values, resolution?: number): Difference => {
  const [x, y] = paired(a, b);
  return pairedDifference(x, y, { level: LLM_LEVEL, ...(resolution ? { resolution } : {}) });
};
/** Per-round a ÷ b − 1, in %, as a difference from 0 (a value only when its interval excludes 0). */
const pctOver = (a: Values, b: Values): Difference => {
  const [x, y] = paired(a, b, true);
  const pct = x.map((v, i) => (v / (y[i] as number) - 1) * 100);
  return pairedDifference(pct, pct.map(() => 0), { level: LLM_LEVEL });
};
/** Per-round a ÷ b, as a median with its interval (a fraction, in %). */
const pctOf = (a: Values, b: Values): MedianEstimate => {
  const [x, y] = paired(a, b, true);
  return medianWithInterval(x.map((v, i) => (v / (y[i] as number)) * 100), LLM_LEVEL);
};

export interface SummaryInput {
  threads: number;
  rounds: RoundFigures[];
  model: string;
  pp: number;
  tg: number;
  /** FLOPs per prompt token and per generated token; weight bytes per generated token. */
  flops: { prefillPerToken: number | null; decodePerToken: number | null };
  weightBytesPerToken: number | null;
  logicalCores: number;
  loadavg: number[];
  /** Native rates measured with 1 thread earlier in this run, for the pathology rules. */
  oneThread?: { pp: number | null; tg: number | null };
}

/** Every figure of one thread count, over the rounds. */
export function summarizeRounds(o: SummaryInput) {
  const { rounds: rs, threads } = o;
  const context: MachineContext = { kind: 'load', loadavg: o.loadavg, cores: o.logicalCores };
  const perToken = (k: Col): Values => col(rs, k).map((t) => (t ? 1000 / t : null));
  const claim = (test: 'pp' | 'tg', a: Col, b: Col, nativeLabel: string): RatioClaim => {
    const [x, y] = paired(col(rs, a), col(rs, b), true);
    const cfg = { model: o.model, threads, [test]: test === 'pp' ? o.pp : o.tg };
    const rate = (xs: number[]) => (xs.length ? (medianWithInterval(xs).median as number) : undefined);
    const one = test === 'pp' ? o.oneThread?.pp : o.oneThread?.tg;
    const browser: Side & { samples: number[] } = { label: 'browser (wllama)', config: cfg, samples: x, facts: { engine: 'wllama', task: test === 'pp' ? 'llm-prefill' : 'llm-generation', threads, logicalCores: o.logicalCores } };
    const native: Side & { samples: number[] } = {
      label: nativeLabel,
      config: cfg,
      samples: y,
      facts: { engine: 'llama.cpp (native)', task: test === 'pp' ? 'llm-prefill' : 'llm-generation', threads, logicalCores: o.logicalCores, ...(rate(y) !== undefined ? { rate: rate(y)! } : {}), ...(one ? { rateOneThread: one } : {}) },
    };
    return pairedComparison(browser, native, { context, level: LLM_LEVEL });
  };
  const gflops = (k: Col, perToken: number | null): Values => col(rs, k).map((t) => (perToken && t ? (perToken * t) / 1e9 : null));
  const ppGflops = gflops('ppLoop', o.flops.prefillPerToken);
  const tgGflops = gflops('tgLoop', o.flops.decodePerToken);
  const tgGBps: Values = col(rs, 'tgLoop').map((t) => (o.weightBytesPerToken && t ? (o.weightBytesPerToken * t) / 1e9 : null));
  const overheadPct: Values = (() => {
    const page = perToken('tgPage');
    const loop = perToken('tgLoop');
    return page.map((p, i) => (p !== null && loop[i] ? ((p - (loop[i] as number)) / (loop[i] as number)) * 100 : null));
  })();
  return {
    rates: {
      ppLoop: median(col(rs, 'ppLoop')),
      ppPage: median(col(rs, 'ppPage')),
      ppNative: median(col(rs, 'ppNative')),
      tgLoop: median(col(rs, 'tgLoop')),
      tgPage: median(col(rs, 'tgPage')),
      tgNative: median(col(rs, 'tgNative')),
      tgNativeDecode: median(col(rs, 'tgNativeDecode')),
    },
    ratios: {
      pp: claim('pp', 'ppLoop', 'ppNative', 'native (llama.cpp)'),
      ppPage: claim('pp', 'ppPage', 'ppNative', 'native (llama.cpp)'),
      tg: claim('tg', 'tgLoop', 'tgNative', 'native greedy (llama.cpp)'),
      tgDecode: claim('tg', 'tgLoop', 'tgNativeDecode', 'native decode only (llama.cpp)'),
      tgPage: claim('tg', 'tgPage', 'tgNative', 'native greedy (llama.cpp)'),
    },
    oursVsEngine: { ppPct: pctOver(col(rs, 'ppLoop'), col(rs, 'ppLoopEngine')), tgPct: pctOver(col(rs, 'tgLoop'), col(rs, 'tgLoopEngine')), tgOwnPct: pctOver(col(rs, 'tgLoop'), col(rs, 'tgLoopEngineOwn')) },
    harness: {
      overheadMs: diff(perToken('tgPage'), perToken('tgLoop')),
      overheadPct: pairedDifference(...paired(overheadPct, overheadPct.map(() => 0)), { level: LLM_LEVEL }),
      roundTripMs: diff(perToken('tgBatchedWorker'), perToken('tgLoop')),
      pageMessageMs: diff(perToken('tgPage'), perToken('tgBatchedWorker')),
      ttftMinusPrefillMs: diff(col(rs, 'ttftPageMs'), col(rs, 'enginePrefillMs')),
      ttftVsPrefillPct: pctOver(col(rs, 'ttftPageMs'), col(rs, 'enginePrefillMs')),
    },
    hops: { requestMs: median(col(rs, 'hopRequestMs')), firstTokenMs: median(col(rs, 'hopFirstTokenMs')), completionActionMs: median(col(rs, 'completionActionMs')) },
    roofs: { simdGflops: median(col(rs, 'roofGflops')), bandwidthGBps: median(col(rs, 'bandwidthGBps')) },
    gflops: { pp: median(ppGflops), tg: median(tgGflops), ppNative: median(gflops('ppNative', o.flops.prefillPerToken)), tgNative: median(gflops('tgNativeDecode', o.flops.decodePerToken)) },
    ofRoof: { ppPct: pctOf(ppGflops, col(rs, 'roofGflops')), tgPct: pctOf(tgGflops, col(rs, 'roofGflops')), tgBandwidthPct: pctOf(tgGBps, col(rs, 'bandwidthGBps')), tgGBps: median(tgGBps) },
  };
}

export type LlmSummary = ReturnType<typeof summarizeRounds>;

/** Whether a target on a %-difference is met: its whole interval within ±limit (null: no interval). */
export function within(d: Difference, limit: number, oneSided = false): boolean | null {
  if (!d.ci) return null;
  return oneSided ? d.ci.hi <= limit : Math.max(Math.abs(d.ci.lo), Math.abs(d.ci.hi)) <= limit;
}

/** The summary as lines (label, text), printed by bench:llm. */
export function summaryLines(s: LlmSummary, o: { pp: number; tg: number }): Array<[string, string]> {
  const m = (e: MedianEstimate, unit: string) => medianText(e, unit);
  const d = (x: Difference, unit: string) => difference(x, unit);
  return [
    [`pp${o.pp} browser, engine loop`, m(s.rates.ppLoop, 'tok/s')],
    [`pp${o.pp} browser, page TTFT-based`, m(s.rates.ppPage, 'tok/s')],
    [`pp${o.pp} native`, m(s.rates.ppNative, 'tok/s')],
    ['  browser / native (loop)', ratio(s.ratios.pp)],
    ['  browser / native (page)', ratio(s.ratios.ppPage)],
    [`tg${o.tg} browser, engine loop`, m(s.rates.tgLoop, 'tok/s')],
    [`tg${o.tg} browser, page stream`, m(s.rates.tgPage, 'tok/s')],
    [`tg${o.tg} native greedy`, m(s.rates.tgNative, 'tok/s')],
    [`tg${o.tg} native decode only`, m(s.rates.tgNativeDecode, 'tok/s')],
    ['  browser loop / native greedy', ratio(s.ratios.tg)],
    ['  browser loop / native decode only', ratio(s.ratios.tgDecode)],
    ['  browser page / native greedy', ratio(s.ratios.tgPage)],
    ['ours vs engine, pp (same definition)', d(s.oursVsEngine.ppPct, '%')],
    ['ours vs engine, tg (same definition)', d(s.oursVsEngine.tgPct, '%')],
    ["  tg vs llama.cpp's own n/(n−1 intervals)", d(s.oursVsEngine.tgOwnPct, '%')],
    ['harness per token: page stream − engine loop', `${d(s.harness.overheadMs, 'ms')} = ${d(s.harness.overheadPct, '%')} of decode (target ≤ 2%)`],
    ["  of which round trip to wllama's worker", d(s.harness.roundTripMs, 'ms')],
    ['  of which message to the page', d(s.harness.pageMessageMs, 'ms')],
    ['TTFT (page) − engine prefill clock', `${d(s.harness.ttftMinusPrefillMs, 'ms')} = ${d(s.harness.ttftVsPrefillPct, '%')} (target within 2%)`],
    ['  hop page → worker', m(s.hops.requestMs, 'ms')],
    ['  hop first token → page', m(s.hops.firstTokenMs, 'ms')],
    ['  completion action', m(s.hops.completionActionMs, 'ms')],
    ["tab's f32 SIMD roof at these threads", m(s.roofs.simdGflops, 'GFLOP/s')],
    ["tab's memory bandwidth roof", m(s.roofs.bandwidthGBps, 'GB/s')],
    ['prefill, browser', `${m(s.gflops.pp, 'GFLOP/s')}; of the SIMD roof ${m(s.ofRoof.ppPct, '%')}`],
    ['decode, browser', `${m(s.gflops.tg, 'GFLOP/s')}; of the SIMD roof ${m(s.ofRoof.tgPct, '%')}`],
    ['decode, browser: weights read', `${m(s.ofRoof.tgGBps, 'GB/s')}; of the bandwidth roof ${m(s.ofRoof.tgBandwidthPct, '%')}`],
    ['prefill / decode-only, native', `${m(s.gflops.ppNative, 'GFLOP/s')} / ${m(s.gflops.tgNative, 'GFLOP/s')}`],
  ];
}

/** The key figures of one thread count into the bench commands' one figures table. */
export function tableFigures(t: FigureTable, s: LlmSummary, o: { threads: number; pp: number; tg: number }): void {
  const k = (x: string) => `t${o.threads}.${x}`;
  const med = (key: string, e: MedianEstimate, unit: string) => t.fig(k(key), e.median, unit, { note: medianText(e, unit) });
  const rat = (key: string, c: RatioClaim) => t.fig(k(key), c.kind === 'ratio' ? (c.estimate ?? null) : 'not comparable', '×', { note: ratio(c) });
  const dif = (key: string, d: Difference, unit: string) => t.fig(k(key), d.kind === 'value' ? d.estimate : 'below resolution', unit, { note: difference(d, unit) });
  med(`pp${o.pp}.browser`, s.rates.ppLoop, 'tok/s');
  med(`pp${o.pp}.native`, s.rates.ppNative, 'tok/s');
  rat(`pp${o.pp}.ratio`, s.ratios.pp);
  med(`tg${o.tg}.browser`, s.rates.tgLoop, 'tok/s');
  med(`tg${o.tg}.nativeGreedy`, s.rates.tgNative, 'tok/s');
  med(`tg${o.tg}.nativeDecode`, s.rates.tgNativeDecode, 'tok/s');
  rat(`tg${o.tg}.ratio`, s.ratios.tg);
  rat(`tg${o.tg}.ratioDecode`, s.ratios.tgDecode);
  dif('harness.overheadPct', s.harness.overheadPct, '%');
  dif('ttft.vsPrefillPct', s.harness.ttftVsPrefillPct, '%');
  dif('oursVsEngine.tgPct', s.oursVsEngine.tgPct, '%');
  med('roofs.simd.gflops', s.roofs.simdGflops, 'GFLOP/s');
  med('roofs.bandwidth.GBps', s.roofs.bandwidthGBps, 'GB/s');
  med('prefill.ofSimdRoofPct', s.ofRoof.ppPct, '%');
  med('decode.ofSimdRoofPct', s.ofRoof.tgPct, '%');
  med('decode.ofBandwidthRoofPct', s.ofRoof.tgBandwidthPct, '%');
}
