/**
 * Node 20's DecompressionStream is a zlib stream behind Node's web-stream adapter, whose 'data'
 * handler enqueues without checking the controller's state (nodejs/node#54205, fixed after 20.x).
 * When a corrupt gzip errors the stream, or a reader cancels it, zlib output still in flight on the
 * thread pool arrives afterwards and the adapter throws "Invalid state: Controller is already
 * closed" as an uncaught exception: under load, after the test that caused it has passed (CI run
 * of stop 17). Browsers' native DecompressionStream has no such path, so the unit tests use this
 * one: the same zlib, read through its async iterator (an error rejects the read, a cancel destroys
 * the zlib stream, nothing enqueues after either).
 */
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';

const major = Number(process.versions.node.split('.')[0]);

class NodeDecompressionStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<BufferSource>;

  constructor(format: 'gzip' | 'deflate' | 'deflate-raw') {
    const z: Gunzip | Inflate | InflateRaw = format === 'gzip' ? createGunzip() : format === 'deflate' ? createInflate() : createInflateRaw();
    const out = z[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.writable = new WritableStream<BufferSource>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          const bytes = chunk instanceof Uint8Array ? chunk : ArrayBuffer.isView(chunk) ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) : new Uint8Array(chunk);
          z.write(bytes, (err) => (err ? reject(err) : resolve()));
        }),
      close: () =>
        new Promise<void>((resolve, reject) => {
          z.once('error', reject);
          z.end(() => resolve());
        }),
      abort: (reason) => {
        z.destroy(reason instanceof Error ? reason : undefined);
      },
    });
    this.readable = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const r = await out.next();
        if (r.done) controller.close();
        else controller.enqueue(new Uint8Array(r.value));
      },
      cancel() {
        z.destroy();
      },
    });
  }
}

if (major < 22) {
  (globalThis as { DecompressionStream: unknown }).DecompressionStream = NodeDecompressionStream;
}
