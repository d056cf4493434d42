/**
 * Named errors. A RagtabError's `name` is a stable code, so it survives the worker boundary
 * (Comlink carries `{name, message}`) and tests and the UI can match on it.
 */
export type ErrorCode =
  | 'EmptyFile'
  | 'BinaryFile'
  | 'UnsupportedFileType'
  | 'MalformedJson'
  | 'MalformedJsonl'
  | 'MalformedTsv'
  | 'BeirMissingFile'
  | 'FileTooLarge'
  | 'CorruptGzip'
  | 'FetchFailed'
  | 'ModelNotFound'
  | 'ModelNotOnnx'
  | 'ModelFileCorrupt'
  | 'ModelLoadFailed'
  | 'ModelNotLoaded'
  | 'WebGpuUnavailable'
  | 'EmptyQuery'
  | 'EmptyCorpus'
  | 'IndexEmpty'
  | 'IndexUnsupported'
  | 'DimensionMismatch'
  | 'InvalidArgument'
  | 'InvalidConfig'
  | 'Cancelled'
  | 'WorkerCrashed'
  | 'QuotaExceeded'
  | 'StorageError'
  | 'StorageClosed'
  | 'LlmLoadFailed'
  | 'LlmNotLoaded'
  | 'InvalidGguf'
  | 'PromptTooLong'
  | 'GenerationFailed'
  | 'Interrupted'
  | 'DeviceLost'
  | 'ModelTooLarge'
  | 'InvalidShareLink'
  | 'ShareLinkTooLarge'
  | 'UnsupportedShareVersion'
  | 'CorpusMismatch'
  | 'ModuleLoadFailed'
  | 'PartFailed'
  | 'Unknown';

export class RagtabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code;
  }
}

/** What crosses a worker boundary and what the UI shows: a code and a readable sentence. */
export interface ErrorInfo {
  name: ErrorCode | string;
  message: string;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof RagtabError) return { name: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name || 'Error', message: e.message || String(e) };
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { name?: unknown; message?: unknown };
    return { name: typeof o.name === 'string' ? o.name : 'Error', message: String(o.message) };
  }
  return { name: 'Unknown', message: String(e) };
}

/** True when `e` (a local or a boundary-crossed error) carries the given code. */
export function hasCode(e: unknown, code: ErrorCode): boolean {
  return errorInfo(e).name === code;
}
