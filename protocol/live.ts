/**
 * The watchdog's line: while the traced program's main thread is blocked it cannot send anything,
 * so its watchdog thread (see tracer/watchdogWorker.ts) says so on a connection of its own. After
 * a hello with WATCH_MAGIC (see handshake.ts) it sends fixed 32-byte records, little-endian:
 *
 *   u32 type     1 BLOCKING: the main thread has been in one stint since `since` and still is at `now`
 *                2 RESUMED:  that stint (the same `seq`) ended at about `now`
 *   u32 task     wire id of the task whose stint it is (0: code the tracer does not track)
 *   f64 since    trace clock, ms
 *   f64 now      trace clock, ms
 *   u32 seq      the watchdog's number for the block (the heartbeat value)
 *   u32 extra    0; for NAME, the length of the name that follows (≤ MAX_LIVE_NAME_BYTES)
 *
 *                3 NAME: the task's name, as UTF-8 bytes after the record (the block's task may be
 *                  so new that the trace has not brought its creation yet); since is 0
 *
 * These records are not part of the trace: they say what is happening now, and the trace says
 * what happened once the main thread writes it.
 */
import { TraceFormatError } from './reader';

export const LIVE_RECORD_BYTES = 32;
export const MAX_LIVE_NAME_BYTES = 256;

export const enum LiveType {
  Blocking = 1,
  Resumed = 2,
  Name = 3,
}

export interface LiveRecord {
  type: 'blocking' | 'resumed' | 'name';
  task: number;
  since: number;
  now: number;
  seq: number;
  /** For 'name': the task's name. */
  name?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function encodeLive(
  type: LiveType,
  task: number,
  since: number,
  now: number,
  seq: number,
  name = '',
): Uint8Array {
  const nameBytes = type === LiveType.Name ? encoder.encode(name).subarray(0, MAX_LIVE_NAME_BYTES) : null;
  const out = new Uint8Array(LIVE_RECORD_BYTES + (nameBytes?.length ?? 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, task >>> 0, true);
  view.setFloat64(8, since, true);
  view.setFloat64(16, now, true);
  view.setUint32(24, seq >>> 0, true);
  if (nameBytes !== null) {
    view.setUint32(28, nameBytes.length, true);
    out.set(nameBytes, LIVE_RECORD_BYTES);
  }
  return out;
}

const TYPES: Record<number, LiveRecord['type']> = {
  [LiveType.Blocking]: 'blocking',
  [LiveType.Resumed]: 'resumed',
  [LiveType.Name]: 'name',
};

/** Reads live records from a byte stream; anything that breaks the rules is an error. */
export class LiveReader {
  private pending = new Uint8Array(0);

  push(bytes: Uint8Array): LiveRecord[] {
    let buf = bytes;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + bytes.length);
      buf.set(this.pending, 0);
      buf.set(bytes, this.pending.length);
    }
    const out: LiveRecord[] = [];
    let at = 0;
    while (at + LIVE_RECORD_BYTES <= buf.length) {
      const view = new DataView(buf.buffer, buf.byteOffset + at, LIVE_RECORD_BYTES);
      const type = TYPES[view.getUint32(0, true)];
      const since = view.getFloat64(8, true);
      const now = view.getFloat64(16, true);
      const extra = view.getUint32(28, true);
      if (
        type === undefined ||
        !Number.isFinite(since) ||
        !Number.isFinite(now) ||
        since > now ||
        (type === 'name' ? extra > MAX_LIVE_NAME_BYTES : extra !== 0)
      ) {
        throw new TraceFormatError('corrupt', 'a watchdog record that makes no sense', at);
      }
      if (at + LIVE_RECORD_BYTES + extra > buf.length) break;
      const record: LiveRecord = {
        type,
        task: view.getUint32(4, true),
        since,
        now,
        seq: view.getUint32(24, true),
      };
      if (type === 'name') {
        const start = buf.byteOffset + at + LIVE_RECORD_BYTES;
        record.name = decoder.decode(new Uint8Array(buf.buffer, start, extra));
      }
      out.push(record);
      at += LIVE_RECORD_BYTES + extra;
    }
    this.pending = buf.slice(at);
    return out;
  }
}
