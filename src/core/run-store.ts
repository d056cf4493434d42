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

/**
 * A store that starts in memory and hands its records over to a lasting one once that opens
 * (the app's IndexedDB opens after the page is usable). Runs saved or imported before then are
 * copied across, not dropped; every call made during the hand-over waits for it. If the copy
 * fails, the records stay in memory (nothing is lost) and `handOver` rejects with the cause.
 */
export class HandoverRunStore implements RunStore {
  private current: RunStore;
  private pending: Promise<void> | null = null;
  private done = false;
  private resolveHandedOver!: (target: RunStore) => void;
  /** Resolves with the lasting store once every earlier record is in it. */
  readonly handedOver = new Promise<RunStore>((resolve) => (this.resolveHandedOver = resolve));

  /**
   * `settled`: resolves once it is known whether a lasting store will come (the app: its storage
   * start-up has finished, handOver called or not). Calls wait for it, so a run saved in the page's
   * first moments goes where it lasts, rather than into memory a navigation would drop.
   */
  constructor(
    initial: RunStore = new MemoryRunStore(),
    private readonly settled: Promise<unknown> = Promise.resolve(),
  ) {
    this.current = initial;
  }

  /** True once the records live in the lasting store. */
  get lasting(): boolean {
    return this.done;
  }

  /** Copies every record into `target`, then makes it the store. Once only; later calls return the first's promise. */
  handOver(target: RunStore): Promise<void> {
    if (this.pending) return this.pending;
    const from = this.current;
    this.pending = (async () => {
      for (const h of await from.list()) {
        const r = await from.get(h.id);
        if (r) await target.put(r);
      }
      this.current = target;
      this.done = true;
      this.resolveHandedOver(target);
    })();
    this.pending.catch(() => {
      this.pending = null; // stays on the first store; a later handOver may try again
    });
    return this.pending;
  }

  /** The store to use: once start-up has settled, and after a hand-over under way. */
  private async store(): Promise<RunStore> {
    await this.settled.catch(() => undefined);
    if (this.pending) await this.pending.catch(() => undefined);
    return this.current;
  }

  async put(record: RunRecord): Promise<void> {
    await (await this.store()).put(record);
  }

  async list(): Promise<RunHeader[]> {
    return (await this.store()).list();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return (await this.store()).get(id);
  }

  async delete(id: string): Promise<void> {
    await (await this.store()).delete(id);
  }
}
