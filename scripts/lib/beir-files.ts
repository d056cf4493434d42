/**
 * Synchronous readers of a BEIR folder's files for Node scripts and tests (the app streams them
 * through src/core/beir.ts instead).
 */
import { readFileSync } from 'node:fs';
import type { Qrels } from '../../src/core/metrics';

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** `qrels/<split>.tsv`: a header line, then `query-id corpus-id score`. */
export function readQrels(file: string): Qrels {
  const qrels: Qrels = new Map();
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  for (const line of lines.slice(1)) {
    const [q, d, s] = line.split('\t');
    if (q === undefined || d === undefined || s === undefined) throw new Error(`bad qrels line: ${line}`);
    let m = qrels.get(q);
    if (!m) qrels.set(q, (m = new Map()));
    m.set(d, Number(s));
  }
  return qrels;
}
