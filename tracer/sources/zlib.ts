/**
 * zlib's streams: a chunk is compressed or decompressed on the runtime's thread pool, and its
 * completion — the output pushed to the stream's readers, then the write's callback — comes back
 * later from Node with no stint open. It is the work of the task that wrote the chunk, as a
 * callback API's completion is the work of its caller (callbacks.ts): the stream answers each
 * write in turn (a write reaches `_transform` only once the one before it has completed), so the
 * completion is exactly the last writer's.
 *
 * Before, a zlib stream written to directly (not piped, which streams.ts covers) ran its
 * completions as untracked code in fast mode: ws with permessage-deflate inflates each message
 * through a stream of its connection and hands the message on from the flush's callback, so every
 * message handler ran in no lane (its continuations in the script's), and a handler's block was
 * nobody's. In full mode the stream's resource ran as the code that made the stream, which ws does
 * lazily at a connection's first send: every later message's compression ran in the first message's
 * lane, which stretched over the connection's whole life.
 */
import { Reason } from '../../protocol/format';
import { enabled } from '../engine';
import { regSlot } from '../dishes';
import { AnyFunction, bindToSlot, callWith, copyProperties, replace } from './base';
import { Piped, kWriter } from './streams';

/**
 * The prototype zlib's stream classes share, with the chunk's entry (`_transform`) and the
 * synchronous path's (`_processChunk`) as its own: Deflate's, Gzip's, BrotliCompress's, ….
 */
function zlibBase(zlib: typeof import('node:zlib')): Record<string, unknown> | null {
  for (
    let proto = (zlib.Deflate as unknown as { prototype?: object } | undefined)?.prototype ?? null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    if (Object.prototype.hasOwnProperty.call(proto, '_transform'))
      return Object.prototype.hasOwnProperty.call(proto, '_processChunk')
        ? (proto as Record<string, unknown>)
        : null;
  }
  return null;
}

/**
 * Each chunk's entry: the writer is remembered on the stream for the output its completion pushes
 * (streams.ts, kWriter), and the callback that ends it runs as the writer too. A chunk written by
 * no task's code leaves nobody's mark.
 */
export function patchZlib(zlib: typeof import('node:zlib')): void {
  const base = zlibBase(zlib);
  if (base === null) return;
  const transform = base._transform;
  if (typeof transform !== 'function') return;
  const patched = {
    _transform(this: Piped, chunk: unknown, encoding: unknown, cb: unknown) {
      if (!enabled) return callWith(transform as AnyFunction, this, 3, chunk, encoding, cb);
      // (regSlot: null when no task runs.)
      const slot = typeof cb === 'function' ? regSlot() : null;
      this[kWriter] = slot ?? undefined;
      return callWith(
        transform as AnyFunction,
        this,
        3,
        chunk,
        encoding,
        slot === null ? cb : bindToSlot(slot, cb as AnyFunction, Reason.Io),
      );
    },
  }._transform;
  copyProperties(patched as AnyFunction, transform as AnyFunction);
  replace(base, '_transform', patched as AnyFunction);
}
