/**
 * What the page exposes to the headless CLI and the end-to-end tests as `window.ragtabBench`
 * (installed by <ragtab-bench>): the same runs as the "Run benchmark" button, through the same
 * runner. Window events: `bench-ready` once installed; `bench-done` (detail: the record id) when a
 * run ends, whatever its status (one per sweep cell); `bench-error` (detail: {name, message, id?})
 * when a run fails or its configuration is invalid.
 */
import type { ExportFormat } from '../core/exports';
import type { RunHeader, RunRecord } from '../core/run-record';

export interface RagtabBenchApi {
  readonly presets: readonly string[];
  readonly running: boolean;
  /**
   * Runs a preset (by name) or a configuration object, after `field=value` assignments, exactly as
   * the button does; resolves with the ids of the records (one per sweep cell), each saved.
   * Rejects (InvalidConfig, naming the field) before running when the configuration is invalid.
   */
  run(config: string | object, sets?: readonly string[]): Promise<string[]>;
  cancel(): void;
  get(id: string): Promise<RunRecord | undefined>;
  list(): Promise<RunHeader[]>;
  /** A saved record in an export format (JSON, CSV, Markdown, OpenMetrics). */
  export(id: string, format: ExportFormat): Promise<string>;
  /** Imports a JSON export (checked against the record schema), saves it and shows it; resolves with its id. */
  import(json: string): Promise<string>;
}

declare global {
  interface Window {
    ragtabBench?: RagtabBenchApi;
  }
}
