/**
 * A benchmark runs in a session of its own (issue 15): a fresh RagSession with its own workers and
 * its own IndexedDB database, quiet on `window`. The user's session — its ingested corpus, its
 * index in memory and in storage, its loaded LLM, the panels that show them — is never touched by
 * a benchmark or by the re-run of a shared link: its cold phase embeds into the benchmark's own
 * database (always empty at the start, so the cold ingest really embeds, and nothing the user
 * stored is deleted), its reload reads back from there, and when the run ends its workers end and
 * its database is deleted.
 *
 * What the user's session still holds while a benchmark runs (its idle workers, its memory) is
 * part of the page the benchmark measures; the record's warnings say so.
 */
import { deleteRagtabDb } from '../storage/db';
import { newRunId } from './record';
import { BENCH_DB_PREFIX, RagSession } from './session';

/** Runs `fn` with a fresh benchmark session; ends its workers and deletes its database afterwards, whatever happens. */
export async function withBenchSession<T>(fn: (session: RagSession) => Promise<T>): Promise<T> {
  const name = `${BENCH_DB_PREFIX}${newRunId()}`;
  const session = new RagSession({ announce: false, database: name, probe: false });
  try {
    return await fn(session);
  } finally {
    await session.dispose();
    await deleteRagtabDb(name).catch(() => undefined);
  }
}

/** When a benchmark database was made, from its name (`ragtab-bench-20261125T231339-3fa9c1`); null when unreadable. */
export function benchDatabaseTime(name: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(name.slice(BENCH_DB_PREFIX.length));
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(t) ? t : null;
}

/**
 * Deletes benchmark databases a closed page left behind (a run interrupted by closing the tab):
 * those older than `olderThanMs` (default 6 hours, far longer than a run), so a benchmark running
 * in another tab keeps its own.
 */
export async function deleteLeftoverBenchDatabases(olderThanMs = 6 * 3600_000, now = Date.now()): Promise<number> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return 0;
  let n = 0;
  try {
    for (const db of await indexedDB.databases()) {
      const t = db.name?.startsWith(BENCH_DB_PREFIX) ? benchDatabaseTime(db.name) : null;
      if (db.name && (t === null || now - t > olderThanMs) && db.name.startsWith(BENCH_DB_PREFIX)) {
        await deleteRagtabDb(db.name).catch(() => undefined);
        n++;
      }
    }
  } catch {
    /* best effort: a browser that cannot list its databases keeps them until site data is cleared */
  }
  return n;
}
