/**
 * Stored benchmark runs: `{id, createdAt, bytes, record}`, newest first. The record's type is
 * defined elsewhere (RunRecord); this store keeps it as `unknown`, and readers validate it (pass a
 * `parse` function to get a typed value back).
 */
import { RagtabError } from '../core/errors';
import type { RagtabDb, RunRow } from './schema';
import { byteSizeOfJson } from './sizes';
import { guarded } from './errors';

export interface StoredRun<T = unknown> {
  id: string;
  createdAt: number;
  bytes: number;
  record: T;
}

function newId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export class RunsRepo {
  constructor(private readonly db: RagtabDb) {}

  /** Stores a run (structured-cloneable); returns its row. Rejects with QuotaExceeded or StorageError. */
  async put(record: unknown, opts: { id?: string; createdAt?: number } = {}): Promise<StoredRun> {
    const row: RunRow = { id: opts.id ?? newId(), createdAt: opts.createdAt ?? Date.now(), bytes: byteSizeOfJson(record), record };
    await guarded(this.db, 'store the run', () => this.db.put('runs', row), row.bytes);
    return row;
  }

  async get<T = unknown>(id: string, parse?: (record: unknown) => T): Promise<StoredRun<T> | null> {
    const row = await guarded(this.db, 'read the stored run', () => this.db.get('runs', id));
    if (!row) return null;
    if (!parse) return row as StoredRun<T>;
    try {
      return { ...row, record: parse(row.record) };
    } catch (e) {
      throw new RagtabError('StorageError', `The stored run ${id} is not a valid run record: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  /** Every run, newest first (records included: runs are small). */
  async list(): Promise<StoredRun[]> {
    const rows = await guarded(this.db, 'list the stored runs', () => this.db.getAllFromIndex('runs', 'byCreatedAt'));
    return rows.reverse();
  }

  async delete(id: string): Promise<void> {
    await guarded(this.db, 'delete the stored run', () => this.db.delete('runs', id));
  }
}
