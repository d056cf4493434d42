/**
 * Where saved runs live, as a small interface: the app binds it to IndexedDB (src/storage), tests
 * and pages without storage use the in-memory implementation below.
 */
import { runHeader, type RunHeader, type RunRecord } from './run-record';

export interface RunStore {
  /** Saves (or replaces) a record under its id. */
  put(record: RunRecord): Promise<void>;
  /** Every saved run, newest first. */
  list(): Promise<RunHeader[]>;
  get(id: string): Promise<RunRecord | undefined>;
  delete(id: string): Promise<void>;
}

/** Newest first, then by id (stable). */
export function byNewest(a: RunHeader, b: RunHeader): number {
  return b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id);
}

export class MemoryRunStore implements RunStore {
  private readonly records = new Map<string, RunRecord>();

  async put(record: RunRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async list(): Promise<RunHeader[]> {
    return [...this.records.values()].map(runHeader).sort(byNewest);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }
}
