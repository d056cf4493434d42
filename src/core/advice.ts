/**
 * Advice derived from a run's figures. Each item names the figure that triggered it, so a reader
 * can check the reasoning; nothing here is a guess about hardware the record does not describe.
 * Pure: no DOM.
 */
import { summarizeRecord, type RecordSummary, type RunRecord, type Sample } from './run-record';
import { pairedDifference, pairedRatio } from './robust-stats';
import { recordRoofFractions } from './record-roofs';
import { roofDetail, roofHeadline } from './roofs';
import { bestKind, bestKindText, tradeoffPoints } from './tradeoff';

export interface Advice {
  id: string;
  severity: 'info' | 'warn';
  title: string;
  detail: string;
  /** The figure that triggered the advice. */
  figure: { name: string; value: number | string | boolean; unit: string };
}

/** Stages that belong to generation (the session's names). */
export const GENERATION_STAGES: ReadonlySet<string> = new Set(['build prompt', 'time to first token', 'decode']);

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function warmSamples(record: RunRecord, stage: string): Sample[] {
  return record.samples.filter((s) => s.stage === stage && s.phase === 'warm' && !s.warmup);
}

/** What a fraction of a roof says, per kind of stage. */
const ROOF_MEANING: Readonly<Record<'scan' | 'embed' | 'decode', string>> = {
  scan: 'An exact scan reads every vector once per query: near 100% it is as fast as this memory allows, far below it the scan loses time elsewhere (the worker, the top-k heap).',
  embed: "The rest is what the encoder does beyond multiply–adds at the kernel's peak: ONNX Runtime's WebAssembly kernels, attention and layer norms, tokenising and pooling, and with threads their synchronisation.",
  decode: 'Each generated token reads every weight once: far below the bandwidth, the time goes to llama.cpp’s kernels (compute in WebAssembly), not to memory.',
};

/**
 * The best index kind for this corpus on this device (src/core/tradeoff.ts), from a record and the
 * other cells of its sweep; null with fewer than two kinds measured.
 */
export function adviseKinds(records: readonly RunRecord[]): Advice | null {
  const set = tradeoffPoints(records);
  if (set.points.length < 2) return null;
  const b = bestKind(set);
  if (!b) return null;
  return {
    id: 'best-kind',
    severity: 'info',
    title: `Best index here: ${b.best.label}.`,
    detail: bestKindText(b),
    figure: { name: `${b.best.label} ${b.metric}, search p50`, value: `${b.best.quality?.toFixed(4) ?? '—'}, ${b.best.latencyP50?.toFixed(2) ?? '—'}`, unit: 'ms' },
  };
}

/** Advice on a record; `sweep`: the other cells of its sweep (the best kind is chosen over all of them). */
export function adviseRecord(record: RunRecord, summary: RecordSummary = summarizeRecord(record), sweep: readonly RunRecord[] = []): Advice[] {
  const out: Advice[] = [];
  const env = record.environment;
  const kinds = adviseKinds([record, ...sweep.filter((r) => r.id !== record.id)]);
  if (kinds) out.push(kinds);

  // 1. where a query's time goes
  const gen = summary.shares.filter((s) => GENERATION_STAGES.has(s.stage)).reduce((t, s) => t + s.share, 0);
  if (gen > 0.5) {
    out.push({
      id: 'generation-dominates',
      severity: 'info',
      title: 'Generation is most of the query time.',
      detail: 'Retrieval is a small part of a RAG query here: a smaller or more quantized LLM, fewer new tokens or WebGPU would change the total far more than a faster embedder or index.',
      figure: { name: 'generation share of a query', value: round(gen * 100), unit: '%' },
    });
  } else if (summary.shares.length > 0) {
    const top = [...summary.shares].sort((a, b) => b.share - a.share)[0]!;
    if (top.share > 0.5) {
      out.push({
        id: 'stage-dominates',
        severity: 'info',
        title: `"${top.stage}" is most of the query time.`,
        detail: `Optimise "${top.stage}" first: the other stages together take less.`,
        figure: { name: `${top.stage} share of a query`, value: round(top.share * 100), unit: '%' },
      });
    }
  }

  // 2. threads
  if (!env.crossOriginIsolated) {
    out.push({
      id: 'not-isolated',
      severity: 'warn',
      title: 'WebAssembly runs single-threaded: the page is not cross-origin isolated.',
      detail: 'Without Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp there is no SharedArrayBuffer, so ONNX Runtime and llama.cpp use one thread, and the full memory measurement is unavailable. Serve the app with both headers.',
      figure: { name: 'crossOriginIsolated', value: false, unit: '' },
    });
  }
  const requested = record.config.embedder.threads;
  if (record.embedder && typeof requested === 'number' && requested > record.embedder.threads) {
    out.push({
      id: 'threads-reduced',
      severity: 'warn',
      title: `The embedder runs ${record.embedder.threads} thread(s), not the ${requested} asked for.`,
      detail: 'ONNX Runtime got fewer threads than configured (multi-threading needs cross-origin isolation).',
      figure: { name: 'embedder threads', value: record.embedder.threads, unit: '' },
    });
  }

  // 3. voy against the exact scan: each question ran on both kinds in turn, so the i-th voy search
  // and the i-th exact search are a pair; said only when the paired difference excludes 0
  const voyS = warmSamples(record, 'search (voy)');
  const exactS = warmSamples(record, 'search (exact)');
  const pairs = Math.min(voyS.length, exactS.length);
  if (pairs > 0) {
    const v = voyS.slice(0, pairs).map((s) => s.duration);
    const x = exactS.slice(0, pairs).map((s) => s.duration);
    const d = pairedDifference(v, x);
    if (d.kind === 'value' && d.estimate > 0 && x.every((t) => t > 0)) {
      const ratio = pairedRatio(v, x);
      out.push({
        id: 'voy-slower',
        severity: 'info',
        title: 'voy is slower than the exact scan at this size.',
        detail: `With ${record.corpus?.chunks ?? '?'} vectors a plain scan wins: voy's k-d tree only pays off on larger corpora (and it is exact too, so it buys no recall). Per question, voy − exact: median ${d.estimate.toFixed(2)} ms (${Math.round(d.ci.coverage * 100)}% CI ${d.ci.lo.toFixed(2)} to ${d.ci.hi.toFixed(2)} ms, n ${d.n}).`,
        figure: { name: 'search, voy / exact (median of per-question ratios)', value: round(ratio.median ?? 0, 2), unit: '×' },
      });
    }
  }

  // 4. WebGPU: fallback, shader-f16
  if (record.embedder?.fallbackReason) {
    out.push({
      id: 'device-fallback',
      severity: 'warn',
      title: `The embedder asked for ${record.embedder.requestedDevice} and ran on ${record.embedder.device}.`,
      detail: record.embedder.fallbackReason,
      figure: { name: 'embedder device', value: record.embedder.device, unit: '' },
    });
  }
  if (env.webgpu.available && !env.webgpu.features.includes('shader-f16')) {
    out.push({
      id: 'no-shader-f16',
      severity: 'info',
      title: 'No shader-f16 on this GPU adapter: f32 weights only on WebGPU.',
      detail: 'Models and web-llm variants with f16 weights (e.g. q4f16_1) cannot run here on WebGPU; use f32 variants (q4f32_1, fp32).',
      figure: { name: 'WebGPU features', value: env.webgpu.features.length ? env.webgpu.features.join(' ') : '(none)', unit: '' },
    });
  }
  if (env.webgpu.available && /swiftshader/i.test(`${env.webgpu.architecture} ${env.webgpu.description}`)) {
    out.push({
      id: 'software-webgpu',
      severity: 'warn',
      title: 'WebGPU runs in software (SwiftShader).',
      detail: 'WebGPU figures here prove the code path, not GPU speed.',
      figure: { name: 'WebGPU adapter', value: env.webgpu.architecture || env.webgpu.description, unit: '' },
    });
  }

  // 5. the worker boundary: per search, round trip − the worker's own time (a paired difference,
  // said only when its interval excludes 0)
  const searchSamples = warmSamples(record, 'search').length ? warmSamples(record, 'search') : exactS;
  const withWorker = searchSamples.filter((s) => typeof s.extra['workerMs'] === 'number');
  if (withWorker.length > 0) {
    const trip = withWorker.map((s) => s.duration);
    const hop = pairedDifference(trip, withWorker.map((s) => s.extra['workerMs'] as number));
    const p50 = [...trip].sort((a, b) => a - b)[Math.floor((trip.length - 1) / 2)]!;
    if (hop.kind === 'value' && p50 > 0 && hop.estimate / p50 > 0.5 && hop.estimate > 0.2) {
      out.push({
        id: 'boundary-dominates',
        severity: 'info',
        title: 'The worker round trip costs more than the search itself.',
        detail: `At this corpus size, messaging between the page and the index worker dominates the search stage: per search, round trip − the worker's own time, median ${hop.estimate.toFixed(2)} ms (${Math.round(hop.ci.coverage * 100)}% CI ${hop.ci.lo.toFixed(2)} to ${hop.ci.hi.toFixed(2)} ms, n ${hop.n}).`,
        figure: { name: 'search boundary share (median hop ÷ p50)', value: round((hop.estimate / p50) * 100), unit: '%' },
      });
    }
  }

  // 6. method: noise (each stage's CV against the threshold, with the calibration drift), too few
  // samples, end-to-end agreement
  const noisy = summary.stages.filter((s) => s.phase === 'warm' && s.noise.noisy && s.count >= 5 && (s.duration.mean ?? 0) >= 1);
  if (noisy.length) {
    const worst = noisy.reduce((a, b) => ((b.duration.cv ?? 0) > (a.duration.cv ?? 0) ? b : a));
    out.push({
      id: 'noisy',
      severity: 'warn',
      title: `${noisy.length === 1 ? `"${worst.stage}" varies` : `${noisy.length} stages vary`} beyond the ${Math.round(worst.noise.threshold * 100)}% noise threshold.`,
      detail: `Noisy: ${noisy.map((s) => s.stage).join(', ')}. ${summary.drift ? `The machine: ${summary.drift.note}.` : 'No calibration was recorded, so the machine’s own drift is unknown.'} Close other tabs and applications, plug in the power, or raise the iterations: a comparison against this run will call only large changes.`,
      figure: { name: `${worst.stage} coefficient of variation`, value: round(worst.duration.cv ?? 0, 2), unit: '' },
    });
  } else if (summary.drift?.drifted) {
    out.push({
      id: 'machine-drift',
      severity: 'warn',
      title: "The machine's speed changed during the run.",
      detail: `${summary.drift.note}. The figures mix two speeds of this device: run again when the machine is quiet.`,
      figure: { name: 'calibration drift', value: round(summary.drift.drift * 100), unit: '%' },
    });
  }
  if (record.config.iterations < 5) {
    out.push({
      id: 'few-iterations',
      severity: 'info',
      title: 'Few iterations: the confidence intervals are wide.',
      detail: 'Use at least 5 iterations (the standard preset has 20) before comparing runs.',
      figure: { name: 'iterations', value: record.config.iterations, unit: '' },
    });
  }
  const e = summary.endToEnd;
  // only a gap whose interval excludes 0 (src/core/robust-stats.ts), never one within noise
  if (e && e.resolved.kind === 'value' && e.differencePct !== null && e.difference.mean !== null && e.differencePct > 10 && e.difference.mean > 1) {
    out.push({
      id: 'end-to-end-gap',
      severity: 'info',
      title: 'The stages do not account for all of a query.',
      detail: 'The measured end-to-end time exceeds the sum of the stages: the rest is the harness, events and rendering, and (with two index kinds) the comparison search.',
      figure: { name: 'end to end − sum of stages (mean)', value: round(e.differencePct), unit: '%' },
    });
  }

  // 7. corpus and memory
  if (record.corpus && record.corpus.truncatedChunks > 0) {
    out.push({
      id: 'truncated-chunks',
      severity: 'warn',
      title: 'Some chunks are longer than the model reads.',
      detail: `Chunks beyond the model's ${record.embedder?.maxTokens ?? '?'}-token limit were truncated when embedded: lower chunking.size.`,
      figure: { name: 'truncated chunks', value: record.corpus.truncatedChunks, unit: '' },
    });
  }
  // 8. how close each stage came to this tab's own limits
  for (const f of recordRoofFractions(record)) {
    if (!f.available) continue;
    out.push({
      id: `roof-${f.stage.replace(/[^a-z0-9]+/gi, '-')}`,
      severity: 'info',
      title: `${roofHeadline(f)}.`,
      detail: `${ROOF_MEANING[f.resource === 'SIMD f32 throughput' ? 'embed' : f.stage.startsWith('search') ? 'scan' : 'decode']} (${roofDetail(f)})`,
      figure: { name: `${f.stage}, share of the measured ${f.resource}`, value: round(f.fraction * 100, 1), unit: '%' },
    });
  }
  const ua = record.memory.find((m) => m.figure === 'ua-memory');
  if (ua && !ua.available) {
    out.push({
      id: 'memory-unavailable',
      severity: 'info',
      title: 'The page-level memory measurement is unavailable.',
      detail: ua.reason,
      figure: { name: 'measureUserAgentSpecificMemory', value: 'unavailable', unit: '' },
    });
  }
  return out;
}
