/**
 * The app's RunStore (src/core/run-store.ts) over IndexedDB: RunRecords kept in the `runs` store
 * (RunsRepo), validated with `parseRunRecord` when read back. A stored value that is no longer a
 * valid record (an older record version) is left out of `list()` and fails `get()` with a
 * StorageError naming it, so one bad row never hides the others.
 */
import { parseRunRecord, runHeader, type RunHeader, type RunRecord } from '../core/run-record';
import { byNewest, type RunStore } from '../core/run-store';
import type { RunsRepo } from './runs';

export class IdbRunStore implements RunStore {
  constructor(private readonly runs: RunsRepo) {}

  async put(record: RunRecord): Promise<void> {
    const t = Date.parse(record.startedAt);
    await this.runs.put(record, { id: record.id, createdAt: Number.isFinite(t) ? t : Date.now() });
  }

  async list(): Promise<RunHeader[]> {
    const out: RunHeader[] = [];
    for (const row of await this.runs.list()) {
      try {
        out.push(runHeader(parseRunRecord(row.record)));
      } catch {
        /* not a current run record: listed by the storage panel, skipped here */
      }
    }
    return out.sort(byNewest);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return (await this.runs.get(id, parseRunRecord))?.record;
  }

  async delete(id: string): Promise<void> {
    await this.runs.delete(id);
  }
}

/** A label for the storage panel's run rows (`openStore({describeRun})`). */
export function describeRunRecord(record: unknown): string | null {
  try {
    const h = runHeader(parseRunRecord(record));
    return `${h.name} · ${h.model} on ${h.device} · ${h.corpus}`;
  } catch {
    return null;
  }
}
