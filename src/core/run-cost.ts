/**
 * What a benchmark configuration will cost before it runs: its sweep cells, the step executions
 * of the runner's plan, the queries timed, and what it deletes. A share link is someone else's
 * configuration, so a run from a link shows this first, and asks for an explicit confirmation
 * where it goes beyond LINK_LIMITS or deletes cached model files.
 */
import { sweepCells, wantsGeneration, type BenchConfig } from './bench-config';
import { wallTime } from './figure-format';

/** A step of a suite as the plan sees it (engine/runner.ts `Step` satisfies it). */
export interface PlannedStep {
  /** once: one execution; iterations: the configured warm-ups, then the configured iterations. */
  readonly repeat: 'once' | 'iterations';
}

/** The runner's plan for one configuration: every step execution, in order (warm-ups first). */
export function planOf<S extends PlannedStep>(suite: readonly S[], config: BenchConfig): Array<{ step: S; iteration: number; warmup: boolean }> {
  return suite.flatMap((step) => {
    const reps =
      step.repeat === 'once'
        ? [{ iteration: 0, warmup: false }]
        : [...Array.from({ length: config.warmups }, (_, i) => ({ iteration: i, warmup: true })), ...Array.from({ length: config.iterations }, (_, i) => ({ iteration: i, warmup: false }))];
    return reps.map((r) => ({ step, ...r }));
  });
}

export interface RunCost {
  /** Sweep cells: one record each. */
  cells: number;
  /** Step executions planned over all cells (a step the configuration turns off still counts: an upper bound). */
  steps: number;
  /** Queries timed in the query sets over all cells, warm-ups included (the evaluation's judged queries not counted). */
  queries: number;
  /** What the run deletes before it measures, in words. */
  deletes: string[];
  /** The sharer's wall time for the same run, as their record reports it (a link's claim, not a measurement here). */
  theirMs?: number;
}

export function runCost(config: BenchConfig, suite: readonly PlannedStep[]): RunCost {
  const cells = sweepCells(config);
  let steps = 0;
  let queries = 0;
  const deletes = new Set<string>(['the stored vectors of each configuration, if an earlier ingestion kept them (its cold ingest embeds again)']);
  for (const { config: c } of cells) {
    steps += planOf(suite, c).length;
    queries += (c.warmups + c.iterations) * c.queries.count; // a list is cycled to queries.count
    if (c.clearCache) {
      deletes.add(`the cached files of the embedding model ${c.embedder.model}`);
      if (wantsGeneration(c)) deletes.add(`the cached files of the LLM ${c.llm.model}`);
    }
  }
  return { cells: cells.length, steps, queries, deletes: [...deletes] };
}

/** What a run from a share link may ask without an explicit confirmation. */
export const LINK_LIMITS = Object.freeze({ cells: 4, steps: 200, queries: 2000 });

/** Why a run from a link needs an explicit confirmation (empty: it may start on "Run"). */
export function linkRunConcerns(config: BenchConfig, cost: RunCost, limits = LINK_LIMITS): string[] {
  const out: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  if (cost.cells > limits.cells) out.push(`${n(cost.cells)} sweep cells (a link may ask for ${limits.cells} without your confirmation)`);
  if (cost.steps > limits.steps) out.push(`${n(cost.steps)} steps (${n(limits.steps)} without confirmation)`);
  if (cost.queries > limits.queries) out.push(`${n(cost.queries)} timed queries (${n(limits.queries)} without confirmation)`);
  if (sweepCells(config).some((c) => c.config.clearCache)) out.push('it deletes cached model files before the cold load (clearCache), which then download again');
  return out;
}

/**
 * A line of live progress: the step just finished, the count, the time spent in this cell and,
 * from the pace measured here so far, roughly what is left of it.
 */
export function stepStatus(e: { step: string; phase: string; warmup: boolean; done: number; total: number }, cell: { index: number; of: number }, elapsedMs: number): string {
  const where = cell.of > 1 ? `cell ${cell.index + 1} of ${cell.of} · ` : '';
  const left = e.done > 0 && e.done < e.total ? ` · about ${wallTime((elapsedMs / e.done) * (e.total - e.done))} left at this pace` : '';
  return `${where}${e.step} · ${e.phase}${e.warmup ? ' (warm-up)' : ''} · ${e.done}/${e.total} steps · ${wallTime(elapsedMs)} so far${left}`;
}

