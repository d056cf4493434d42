/**
 * Runs a list of stages as data (`{name, unit, run}`, as Speedometer's suites are) and times each:
 * its wall time on this thread, its start, and what its run reports about itself (time inside the
 * worker, counts, rates). Each stage is marked for the browser's Performance panel
 * (`performance.measure('ragtab:<stage>')`). Ingestion (ingest.ts) and retrieval (retrieve.ts) are
 * such lists; a new stage slots in where it runs.
 */
import { RagtabError } from '../core/errors';
import { measureName, type ProgressPhase, type StageExtra, type StagePart, type StageTiming } from '../core/stages';

/** What a stage's run says about itself. */
export interface StageFigures {
  workerMs?: number;
  extra?: StageExtra;
  parts?: StagePart[];
  /**
   * The stage's own time when its wall time is not it: reused work (a model already loaded: 0), or
   * work of other stages interleaved with it (embedding without the persisting between batches).
   */
  ms?: number;
}

/** Lets a stage record timings of its own: stages run inside it (a resume's load, persist, commit). */
export interface StageRecorder {
  /**
   * Records a timing now, in order. A stage that records timings itself is not recorded again: it
   * says what ran (embed, persist, commit; or only the load of what another tab stored).
   */
  record(t: StageTiming): void;
}

export interface Stage<C> {
  readonly name: string;
  readonly unit: string;
  /** The progress phase shown while it runs. */
  readonly phase?: ProgressPhase;
  /** A check, not one of the pipeline's timings: it runs and is marked, but not recorded. */
  readonly untimed?: boolean;
  /** Whether the stage runs in this context (default: always). */
  enabled?(ctx: C): boolean;
  run(ctx: C, rec: StageRecorder): Promise<StageFigures | void>;
}

export function mark(stage: string, start: number, end = performance.now()): void {
  try {
    performance.measure(measureName(stage), { start, end });
  } catch {
    /* measure is best effort */
  }
}

/** A timing from a stage's figures. */
export function timing(name: string, start: number, wallMs: number, f: StageFigures | void): StageTiming {
  return {
    name,
    ms: f?.ms ?? wallMs,
    start,
    ...(f?.workerMs !== undefined ? { workerMs: f.workerMs } : {}),
    ...(f?.extra ? { extra: f.extra } : {}),
    ...(f?.parts ? { parts: f.parts } : {}),
  };
}

export interface RunStagesOptions {
  signal?: AbortSignal;
  /** What a cancel says (`Ingestion cancelled.`). */
  cancelled?: string;
  /** Called as each timing is recorded. */
  onTiming?: (t: StageTiming) => void;
}

/** Runs the enabled stages in order, checking for a cancel between them; returns the timings recorded. */
export async function runStages<C>(stages: readonly Stage<C>[], ctx: C, o: RunStagesOptions = {}): Promise<StageTiming[]> {
  const out: StageTiming[] = [];
  const push = (t: StageTiming) => {
    out.push(t);
    o.onTiming?.(t);
  };
  for (const stage of stages) {
    if (o.signal?.aborted) throw new RagtabError('Cancelled', o.cancelled ?? 'Cancelled.');
    if (stage.enabled && !stage.enabled(ctx)) continue;
    let own = false;
    const rec: StageRecorder = {
      record: (t) => {
        own = true;
        push(t);
      },
    };
    const start = performance.now();
    const figures = await stage.run(ctx, rec);
    const end = performance.now();
    mark(stage.name, start, end);
    if (!stage.untimed && !own) push(timing(stage.name, start, end - start, figures));
  }
  return out;
}

/** Times one stage of work outside a list (the LLM load, a generation's parts). */
export async function timeStage<T>(name: string, fn: () => Promise<T>, figures?: (value: T) => StageFigures): Promise<{ value: T; timing: StageTiming }> {
  const start = performance.now();
  const value = await fn();
  const end = performance.now();
  mark(name, start, end);
  return { value, timing: timing(name, start, end - start, figures?.(value)) };
}
