/**
 * Encodes events into one chunk buffer (see format.ts). Used by the tracer on its hot path and by
 * anything else that writes traces, so there is a single encoder. Allocation-free per event: every
 * write is three or four stores into typed arrays over a preallocated buffer.
 */
import { CHUNK_HEADER_BYTES, CHUNK_MAGIC, EventType, UNIT_BYTES } from './format';

const encoder = new TextEncoder();

/** Longest UTF-8 string one STRING record holds; longer strings are cut at a character boundary. */
export const MAX_STRING_BYTES = 254 * UNIT_BYTES;

export class ChunkWriter {
  readonly buffer: ArrayBuffer;
  /** Capacity in 16-byte units. */
  readonly capacity: number;
  /** Units written so far. */
  used = 0;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;

  constructor(capacityUnits: number) {
    this.capacity = capacityUnits;
    this.buffer = new ArrayBuffer(CHUNK_HEADER_BYTES + capacityUnits * UNIT_BYTES);
    this.u32 = new Uint32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  /** Units still free. */
  get free(): number {
    return this.capacity - this.used;
  }

  reset(): void {
    this.used = 0;
  }

  /** The finished chunk (header and events) as bytes; a view, not a copy. */
  bytes(): Uint8Array {
    const eventBytes = this.used * UNIT_BYTES;
    this.u32[0] = CHUNK_MAGIC;
    this.u32[1] = eventBytes;
    return new Uint8Array(this.buffer, 0, CHUNK_HEADER_BYTES + eventBytes);
  }

  /**
   * Writes unit 0 of an event and returns its u32 index. The caller has checked `free`.
   * Unit u of the event starts at u32 index `base + 4 * u`; its f64 at `(base >> 1) + 2 * u + 1`.
   */
  private head(type: EventType, units: number, arg: number, id: number, time: number): number {
    const base = (CHUNK_HEADER_BYTES >> 2) + this.used * 4;
    this.u32[base] = type | (units << 8) | (arg << 16);
    this.u32[base + 1] = id;
    this.f64[(base >> 1) + 1] = time;
    this.used += units;
    return base;
  }

  run(time: number, task: number, reason: number): void {
    this.head(EventType.Run, 1, reason, task, time);
  }

  idle(time: number): void {
    this.head(EventType.Idle, 1, 0, 0, time);
  }

  /**
   * An IDLE at `idleTime` (the end of the stint before) and the RUN that follows it, in one call: a
   * switch between two stints writes both (2 units; the caller has checked `free` for both).
   */
  idleRun(idleTime: number, time: number, task: number, reason: number): void {
    const base = (CHUNK_HEADER_BYTES >> 2) + this.used * 4;
    const u32 = this.u32;
    const f64 = this.f64;
    u32[base] = EventType.Idle | (1 << 8);
    u32[base + 1] = 0;
    f64[(base >> 1) + 1] = idleTime;
    u32[base + 4] = EventType.Run | (1 << 8) | (reason << 16);
    u32[base + 5] = task;
    f64[(base >> 1) + 3] = time;
    this.used += 2;
  }

  task(
    time: number,
    id: number,
    kind: number,
    parent: number,
    name: number,
    flags: number,
    file: number,
    line: number,
    column: number,
  ): void {
    const b = this.head(EventType.Task, 3, kind, id, time);
    this.u32[b + 4] = parent;
    this.u32[b + 5] = name;
    this.u32[b + 6] = flags;
    this.u32[b + 7] = 0;
    this.u32[b + 8] = file;
    this.u32[b + 9] = line;
    this.u32[b + 10] = column;
    this.u32[b + 11] = 0;
  }

  ready(time: number, id: number): void {
    this.head(EventType.Ready, 1, 0, id, time);
  }

  taskEnd(time: number, id: number, how: number): void {
    this.head(EventType.TaskEnd, 1, how, id, time);
  }

  fold(time: number, id: number, into: number): void {
    const b = this.head(EventType.Fold, 2, 0, id, time);
    this.u32[b + 4] = into;
    this.u32[b + 5] = 0;
    this.u32[b + 6] = 0;
    this.u32[b + 7] = 0;
  }

  /**
   * Writes a STINT_CPU record: the stint of `id` that began at `time` waited `waitUs` for a CPU until
   * `until`, and did at most `ownUs` of its own (3 units; omitted or negative: not known, 2 units).
   */
  stintCpu(time: number, id: number, until: number, waitUs: number, cpuUs: number, ownUs = -1): void {
    const b = this.head(EventType.StintCpu, ownUs >= 0 ? 3 : 2, 0, id, time);
    this.f64[(b >> 1) + 2] = until;
    this.u32[b + 6] = Math.max(0, Math.min(0xffffffff, Math.round(waitUs)));
    this.u32[b + 7] = Math.max(0, Math.min(0xffffffff, Math.round(cpuUs)));
    if (ownUs < 0) return;
    this.u32[b + 8] = Math.min(0xfffffffe, Math.round(ownUs)) + 1;
    this.u32[b + 9] = 0;
    this.u32[b + 10] = 0;
    this.u32[b + 11] = 0;
  }

  /** Writes a TASK_INFO record: 2 units, or 3 with a new parent (`parent` != 0). */
  taskInfo(
    time: number,
    id: number,
    name: number,
    file: number,
    line: number,
    column: number,
    parent = 0,
  ): void {
    const b = this.head(EventType.TaskInfo, parent !== 0 ? 3 : 2, 0, id, time);
    this.u32[b + 4] = name;
    this.u32[b + 5] = file;
    this.u32[b + 6] = line;
    this.u32[b + 7] = column;
    if (parent !== 0) {
      this.u32[b + 8] = parent;
      this.u32[b + 9] = 0;
      this.u32[b + 10] = 0;
      this.u32[b + 11] = 0;
    }
  }

  lag(time: number, p50us: number, p99us: number, maxUs: number, samples: number): void {
    const b = this.head(EventType.Lag, 2, 0, 0, time);
    this.u32[b + 4] = p50us;
    this.u32[b + 5] = p99us;
    this.u32[b + 6] = maxUs;
    this.u32[b + 7] = samples;
  }

  dropped(time: number, count: number, endTime: number): void {
    const b = this.head(EventType.Dropped, 2, 0, Math.min(count, 0xffffffff), time);
    this.f64[(b >> 1) + 2] = endTime;
    this.u32[b + 6] = 0;
    this.u32[b + 7] = 0;
  }

  end(time: number, cause: number, code: number): void {
    this.head(EventType.End, 1, cause, code >>> 0, time);
  }

  /** Units a BLOCK_SAMPLE record with `frames` frames takes. */
  static blockSampleUnits(frames: number): number {
    return 2 + 2 * frames;
  }

  blockSample(
    time: number,
    task: number,
    observedMs: number,
    observations: number,
    frames: ReadonlyArray<{ name: number; file: number; line: number; column: number; weightUs: number }>,
    /** How much of `observedMs` the thread was on the CPU, ms (negative: not known). */
    cpuMs = -1,
  ): void {
    const b = this.head(
      EventType.BlockSample,
      ChunkWriter.blockSampleUnits(frames.length),
      frames.length,
      task,
      time,
    );
    this.f64[(b >> 1) + 2] = observedMs;
    this.u32[b + 6] = observations;
    this.u32[b + 7] = cpuMs >= 0 ? Math.min(0xfffffffe, Math.round(cpuMs * 1000)) + 1 : 0;
    let o = b + 8;
    for (const f of frames) {
      this.u32[o] = f.name;
      this.u32[o + 1] = f.file;
      this.u32[o + 2] = f.line;
      this.u32[o + 3] = f.column;
      this.u32[o + 4] = Math.min(0xffffffff, Math.max(0, Math.round(f.weightUs)));
      this.u32[o + 5] = 0;
      this.u32[o + 6] = 0;
      this.u32[o + 7] = 0;
      o += 8;
    }
  }

  /** Writes an AWAIT record: 1 + frames units (frames <= MAX_AWAIT_FRAMES). */
  awaitAt(
    time: number,
    task: number,
    frames: ReadonlyArray<{ name: number; file: number; line: number; column: number }>,
  ): void {
    const b = this.head(EventType.Await, 1 + frames.length, frames.length, task, time);
    let o = b + 4;
    for (const f of frames) {
      this.u32[o] = f.name;
      this.u32[o + 1] = f.file;
      this.u32[o + 2] = f.line;
      this.u32[o + 3] = f.column;
      o += 4;
    }
  }

  /** Units a STRING record for these UTF-8 bytes takes. */
  static stringUnits(byteLength: number): number {
    return 1 + Math.ceil(byteLength / UNIT_BYTES);
  }

  /** Writes a STRING record; `utf8` must be at most MAX_STRING_BYTES long (see utf8Of). */
  string(id: number, utf8: Uint8Array): void {
    const units = ChunkWriter.stringUnits(utf8.length);
    const b = this.head(EventType.String, units, 0, id, 0);
    this.u32[b + 2] = utf8.length;
    this.u32[b + 3] = 0;
    const start = (b + 4) * 4;
    this.u8.set(utf8, start);
    this.u8.fill(0, start + utf8.length, start + (units - 1) * UNIT_BYTES);
  }
}

/** UTF-8 bytes of `text`, cut to MAX_STRING_BYTES at a character boundary. */
export function utf8Of(text: string): Uint8Array {
  let bytes = encoder.encode(text);
  if (bytes.length > MAX_STRING_BYTES) {
    let end = MAX_STRING_BYTES;
    // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return bytes;
}
