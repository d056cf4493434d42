/**
 * Byte sizes of what is stored, estimated from the raw data (UTF-8 text, vector bytes, chunk-ref
 * columns, run JSON) without serialising it: the storage panel's sizes and the quota error's
 * "needed" figure.
 */
import type { Doc } from '../core/documents';
import type { RefColumns } from './ref-columns';

/** UTF-8 length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function documentBytes(d: Pick<Doc, 'id' | 'title' | 'text'>): number {
  return utf8Length(d.id) + utf8Length(d.title) + utf8Length(d.text);
}

/** Bytes of a block's vectors, whichever form they are in. */
export function vectorBytes(v: ArrayBuffer | ArrayBufferView | Blob): number {
  return v instanceof Blob ? v.size : v.byteLength;
}

export function blockBytes(b: { vectors: ArrayBuffer | ArrayBufferView | Blob } & RefColumns): number {
  return vectorBytes(b.vectors) + b.nums.byteLength + b.ends.byteLength + (b.truncated?.byteLength ?? 0) + utf8Length(b.ids) + utf8Length(b.docIds);
}

export function byteSizeOfJson(v: unknown): number {
  try {
    return utf8Length(JSON.stringify(v) ?? '');
  } catch {
    return 0;
  }
}
