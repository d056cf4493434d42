/**
 * Repeatability: the same benchmark configuration run several times in a row through the headless
 * CLI (scripts/bench.ts, exactly as a user runs it), then the CV of each stage's p50 across the runs
 * (src/core/repeatability.ts; target ≤ 5% for stages over 5 ms on a quiet machine).
 *
 *   npx tsx scripts/repeatability.ts [--runs N] [--prime] [--out DIR] [--ab PATH=VALUE] [-- BENCH ARGS...]
 *
 * Default bench arguments: `--preset standard --embedder ../shared/models/lsa-wordpiece-256 --no-llm`
 * (the standard preset's demo corpus with the local model). The app is built once, by the first run.
 * Beside each run: the load average before and after, and a calibration (workers/lib/roofs.ts: the
 * same small WebAssembly SIMD multiply, timed 15 times in this Node process) before the first run and
 * after each: its drift between two calibrations says whether the machine's speed changed meanwhile.
 * `--prime` runs the configuration once more first, not counted: it fills the OS's file cache (the
 * fresh build, the model files), which otherwise makes the first run's cold stages slower than the
 * second's for a reason that is not the benchmark's (seen here: read+parse 706 vs 192 ms).
 *
 * `--ab PATH=VALUE` measures one change instead: N pairs of runs, A (the arguments as given) and B
 * (the same with `--set PATH=VALUE`), in the order A B, B A, A B, … so that a drift of the machine
 * hits both sides alike; per stage, B ÷ A of its p50 as the median of the pairs' ratios with its
 * order-statistic interval, "within noise" when the interval holds 1 (src/core/repeatability.ts).
 * Exit code 0 (figures, not a test), 2 when a run fails.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fromJson } from '../src/core/exports';
import { abComparison, abTable, repeatability, repeatabilityTable } from '../src/core/repeatability';
import { calibrationDrift, noiseVerdict } from '../src/core/robust-stats';
import type { RunRecord } from '../src/core/run-record';
import { timeCalibration } from '../workers/lib/roofs';

const DEFAULT_ARGS = ['--preset', 'standard', '--embedder', '../shared/models/lsa-wordpiece-256', '--no-llm'];

function parse(argv: string[]): { runs: number; prime: boolean; out: string; bench: string[]; ab: string | null } {
  let runs = 2;
  let ab: string | null = null;
  let prime = false;
  let out = 'bench-results/repeatability';
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const bench = dash < 0 ? DEFAULT_ARGS : argv.slice(dash + 1);
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    const value = () => {
      const v = own[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') runs = Number(value());
    else if (a === '--out') out = value();
    else if (a === '--prime') prime = true;
    else if (a === '--ab') {
      ab = value();
      if (!/^[\w.[\]]+=/.test(ab)) throw new Error(`--ab takes PATH=VALUE (a --set of the bench CLI), got ${ab}`);
    }
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx scripts/repeatability.ts [--runs N] [--prime] [--out DIR] [--ab PATH=VALUE] [-- BENCH ARGS...]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (bench arguments go after --)`);
  }
  if (!Number.isInteger(runs) || runs < (ab ? 1 : 2)) throw new Error(`--runs must be an integer ≥ ${ab ? 1 : 2}, got ${runs}`);
  if (bench.some((a) => a === '--out' || a === '--no-build')) throw new Error('--out and --no-build are set by this script');
  return { runs, prime, out: resolve(out), bench, ab };
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function runCli(args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', rej);
    child.on('exit', (code) => res(code ?? 2));
  });
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  rmSync(o.out, { recursive: true, force: true });
  mkdirSync(o.out, { recursive: true });
  let built = false;
  if (o.prime) {
    console.error(`priming run, not counted (load average ${load()}) …`);
    if ((await runCli([...o.bench, '--out', join(o.out, 'prime')])) > 1) return 2;
    built = true;
  }
  // A/B: pair i runs A then B (i even) or B then A (i odd)
  const plan: Array<'A' | 'B'> = o.ab ? Array.from({ length: o.runs }, (_, i): Array<'A' | 'B'> => (i % 2 === 0 ? ['A', 'B'] : ['B', 'A'])).flat() : Array.from({ length: o.runs }, () => 'A');
  console.log(
    o.ab
      ? `A/B: ${o.runs} pairs (A B, B A, …)${o.prime ? ' after an uncounted priming run' : ''}; A = \`npm run bench -- ${o.bench.join(' ')}\`, B = A with \`--set ${o.ab}\`; on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`
      : `repeatability: ${o.runs} runs${o.prime ? ' (after an uncounted priming run)' : ''} of \`npm run bench -- ${o.bench.join(' ')}\` on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
  );
  const calibrations: number[][] = [timeCalibration()];
  const records: RunRecord[] = [];
  const notes: string[] = [];
  for (let i = 0; i < plan.length; i++) {
    const side = plan[i]!;
    const dir = join(o.out, o.ab ? `run-${i + 1}-${side}` : `run-${i + 1}`);
    const before = load();
    console.error(`run ${i + 1}/${plan.length}${o.ab ? ` (${side})` : ''} (load average ${before}) …`);
    const code = await runCli([...o.bench, ...(side === 'B' ? ['--set', o.ab!] : []), '--out', dir, ...(i > 0 || built ? ['--no-build'] : [])]);
    const after = load();
    calibrations.push(timeCalibration());
    if (code !== 0 && code !== 1) {
      console.error(`run ${i + 1} failed (exit ${code})`);
      return 2;
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (files.length !== 1) throw new Error(`${dir}: expected one record, found ${files.length} (a sweep is not a repeatability run)`);
    records.push(fromJson(readFileSync(join(dir, files[0]!), 'utf8')));
    const drift = calibrationDrift(calibrations[i]!, calibrations[i + 1]!);
    notes.push(`run ${i + 1}${o.ab ? ` (${side})` : ''}: load average ${before} → ${after}; ${drift.note}; ${noiseVerdict(calibrations[i + 1]!, { kind: 'load', loadavg: loadavg(), cores: cpus().length }).note.replace(/^(noisy|steady): /, 'calibration after it $1: ')}`);
  }
  console.log('');
  if (o.ab) {
    const a = records.filter((_, i) => plan[i] === 'A');
    const b = records.filter((_, i) => plan[i] === 'B');
    console.log(abTable(abComparison(a, b)));
  } else console.log(repeatabilityTable(repeatability(records)));
  console.log('');
  for (const n of notes) console.log(n);
  const overall = calibrationDrift(calibrations[0]!, calibrations[calibrations.length - 1]!);
  console.log(`first to last calibration: ${overall.note}`);
  console.log(`records: ${records.map((r) => r.id).join(', ')} in ${o.out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`repeatability: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
