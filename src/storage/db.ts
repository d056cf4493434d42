/**
 * Opens the one ragtab database (schema.ts), creating or upgrading it (upgrades.ts). Nothing else
 * in the app opens IndexedDB: the repositories (corpora.ts, indexes.ts, runs.ts, inventory.ts)
 * take the handle this file opens.
 *
 * A `versionchange` (another tab opening a newer schema, or deleting the database) closes this
 * connection at once and calls `onVersionChange`; the repositories then fail with
 * `StorageClosed`, and the app should tell the user to reload.
 */
import { openDB, deleteDB } from 'idb';
import { RagtabError } from '../core/errors';
import { DB_NAME, DB_VERSION, type RagtabDB, type RagtabDb } from './schema';
import { STEPS } from './upgrades';

export interface OpenOptions {
  /** Database name (tests use a unique one). Default `ragtab`. */
  name?: string;
  /** Open at an earlier schema version (tests of the upgrade path only). Default DB_VERSION. */
  version?: number;
  /** Another tab opened a newer schema (or deleted the database): this connection is now closed. */
  onVersionChange?: (e: { oldVersion: number; newVersion: number | null }) => void;
  /** This open waits for other tabs to close their connections to an older schema. */
  onBlocked?: (e: { currentVersion: number; requestedVersion: number | null }) => void;
  /** The browser closed the connection (storage cleared, disk error). */
  onTerminated?: () => void;
}

const closed = new WeakSet<object>();

/** True once the connection was closed by a versionchange, by the browser or by `closeRagtabDb`. */
export function isClosed(db: RagtabDb): boolean {
  return closed.has(db);
}

export function closeRagtabDb(db: RagtabDb): void {
  closed.add(db);
  db.close();
}

/** Opens (creating or upgrading) the ragtab database. Rejects with StorageError. */
export async function openRagtabDb(opts: OpenOptions = {}): Promise<RagtabDb> {
  const name = opts.name ?? DB_NAME;
  const version = opts.version ?? DB_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > DB_VERSION) {
    throw new RagtabError('InvalidArgument', `schema version must be an integer from 1 to ${DB_VERSION}, got ${version}`);
  }
  if (typeof indexedDB === 'undefined') throw new RagtabError('StorageError', 'IndexedDB is not available in this browser context, so nothing can be stored.');
  let upgradeError: unknown = null;
  let handle: RagtabDb | null = null;
  try {
    handle = await openDB<RagtabDB>(name, version, {
      upgrade(db, oldVersion, newVersion, tx) {
        const target = newVersion ?? version;
        const run = async (): Promise<void> => {
          for (let v = oldVersion + 1; v <= target; v++) {
            const step = STEPS[v];
            if (!step) throw new RagtabError('StorageError', `no upgrade step to schema v${v}`);
            await step(db, tx);
          }
        };
        run().catch((e: unknown) => {
          upgradeError = e;
          try {
            tx.abort();
          } catch {
            /* already finished */
          }
        });
      },
      blocked(currentVersion, requestedVersion) {
        opts.onBlocked?.({ currentVersion, requestedVersion });
      },
      blocking(currentVersion, newVersion) {
        if (handle) closeRagtabDb(handle);
        opts.onVersionChange?.({ oldVersion: currentVersion, newVersion });
      },
      terminated() {
        if (handle) closed.add(handle);
        opts.onTerminated?.();
      },
    });
    return handle;
  } catch (e) {
    if (upgradeError) {
      throw new RagtabError('StorageError', `Upgrading the stored data to schema v${version} failed, nothing was changed: ${describe(upgradeError)}`, { cause: upgradeError });
    }
    if (e instanceof DOMException && e.name === 'VersionError') {
      throw new RagtabError(
        'StorageError',
        `The stored data was written by a newer version of ragtab (its schema is newer than v${version}): reload the page to get the newer app.`,
        { cause: e },
      );
    }
    throw new RagtabError('StorageError', `Opening the database "${name}" failed: ${describe(e)}`, { cause: e });
  }
}

/** Deletes a whole database (tests; "delete all" uses the stores instead, so other tabs stay open). */
export async function deleteRagtabDb(name: string, onBlocked?: () => void): Promise<void> {
  await deleteDB(name, { blocked: () => onBlocked?.() });
}

export function describe(e: unknown): string {
  if (e instanceof Error || e instanceof DOMException) return e.message ? `${e.name}: ${e.message}` : e.name;
  return String(e);
}
