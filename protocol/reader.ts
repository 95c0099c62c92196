/**
 * Reads a trace stream or file (see format.ts), incrementally and defensively: the bytes come from
 * a program that runs workspace code, or from a file of unknown origin. Every length is checked
 * before it is used, nothing is allocated in proportion to a length field that has not been
 * checked, and every problem becomes a TraceFormatError that says what is wrong and where.
 */
import {
  DEFAULT_BLOCK_MS,
  CHUNK_HEADER_BYTES,
  CHUNK_MAGIC,
  EventType,
  FORMAT_VERSION,
  HEADER_FIXED_BYTES,
  MAGIC,
  MAX_CHUNK_BYTES,
  MAX_AWAIT_FRAMES,
  MAX_META_BYTES,
  SourceLocation,
  TraceMeta,
  UNIT_BYTES,
} from './format';

export type TraceErrorCode = 'not-a-trace' | 'newer-version' | 'corrupt' | 'truncated';

export class TraceFormatError extends Error {
  constructor(
    readonly code: TraceErrorCode,
    message: string,
    /** Byte offset in the stream where the problem was found. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TraceFormatError';
  }
}

export type { SourceLocation } from './format';

export interface SampledFrame {
  name: string;
  location: SourceLocation | null;
  /** Microseconds of the block attributed to this line. */
  weightUs: number;
}

/** What a reader hands each decoded event to. Times are milliseconds on the trace clock. */
export interface EventVisitor {
  /** The header's metadata, before any event. */
  setMeta?(meta: TraceMeta): void;
  run(time: number, task: number, reason: number): void;
  idle(time: number): void;
  task(
    time: number,
    id: number,
    kind: number,
    parent: number,
    name: string | null,
    flags: number,
    location: SourceLocation | null,
  ): void;
  taskEnd(time: number, id: number, how: number): void;
  ready(time: number, id: number): void;
  /** `parent`: the task's new parent, 0 when unchanged. */
  taskInfo(
    time: number,
    id: number,
    name: string | null,
    location: SourceLocation | null,
    parent: number,
  ): void;
  lag(time: number, p50us: number, p99us: number, maxUs: number, samples: number): void;
  dropped(time: number, count: number, endTime: number): void;
  end(time: number, cause: number, code: number): void;
  blockSample(
    time: number,
    task: number,
    observedMs: number,
    observations: number,
    frames: SampledFrame[],
    /** How much of `observedMs` the traced thread was on the CPU, ms; -1 when not known. */
    cpuMs: number,
  ): void;
  /** Where task `task` awaited in the stint that contains `time` (user frames, innermost first). */
  awaitAt?(time: number, task: number, frames: AwaitFrame[]): void;
  /** Task `id` is part of task `into`'s work, from its start. */
  fold?(time: number, id: number, into: number): void;
  /**
   * The stint of task `task` that began at `time` waited `waitMs` for a CPU (held off it by other
   * work on the machine) and ran `cpuMs` on one, from its start until `until` (STINT_CPU); it did at
   * most `ownMs` of its own in that time (its CPU and the program's blocking calls; -1: not known).
   */
  stintCpu?(time: number, task: number, until: number, waitMs: number, cpuMs: number, ownMs: number): void;
}

export interface AwaitFrame {
  name: string;
  location: SourceLocation;
}

/** Counts of what a reader met but could not use. */
export interface ReadStats {
  bytes: number;
  chunks: number;
  events: number;
  /** Events of types this reader does not know (skipped by their length). */
  unknownEvents: number;
  /** Events whose fields were out of range (skipped). */
  invalidEvents: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const MAX_STRING_TABLE = 1 << 20;
/** Times beyond this magnitude (about 31,000 years in ms) are treated as corrupt. */
const MAX_ABS_TIME = 1e15;

/**
 * Decodes a byte stream pushed to it in pieces of any size. Call `push` with each piece and
 * `finish` at the end of the stream.
 */
export class TraceReader {
  meta: TraceMeta | null = null;
  readonly stats: ReadStats = { bytes: 0, chunks: 0, events: 0, unknownEvents: 0, invalidEvents: 0 };
  /** Set once an END record has been read. */
  ended = false;
  /** Bytes held back (in the pieces they came in) and how many, waiting for the rest of a chunk. */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Bytes the next chunk needs (its header, then its whole length) before it can be read. */
  private need = 0;
  private offset = 0;
  private readonly strings = new Map<number, string>();

  constructor(private readonly visitor: EventVisitor) {}

  push(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    if (bytes.length === 0) return;
    // Pieces too few to finish the chunk waited for are only set aside: a chunk that arrives in
    // many small writes is put together once, not copied again at every write.
    if (this.meta !== null && this.pendingLength + bytes.length < this.need) {
      this.pending.push(bytes.slice());
      this.pendingLength += bytes.length;
      return;
    }
    let buf = bytes;
    if (this.pendingLength > 0) {
      buf = new Uint8Array(this.pendingLength + bytes.length);
      let o = 0;
      for (const part of this.pending) {
        buf.set(part, o);
        o += part.length;
      }
      buf.set(bytes, o);
    }
    this.need = 0;
    let at = 0;
    if (this.meta === null) {
      const used = this.readHeader(buf);
      if (used === 0) {
        this.keep(buf, 0);
        return;
      }
      at = used;
    }
    while (buf.length - at >= CHUNK_HEADER_BYTES) {
      const view = new DataView(buf.buffer, buf.byteOffset + at, buf.length - at);
      const magic = view.getUint32(0, true);
      if (magic !== CHUNK_MAGIC) {
        throw new TraceFormatError(
          'corrupt',
          `bad chunk marker at byte ${this.offset + at}`,
          this.offset + at,
        );
      }
      const size = view.getUint32(4, true);
      if (size > MAX_CHUNK_BYTES || size % UNIT_BYTES !== 0) {
        throw new TraceFormatError(
          'corrupt',
          `chunk at byte ${this.offset + at} claims ${size} bytes (must be a multiple of ${UNIT_BYTES}, at most ${MAX_CHUNK_BYTES})`,
          this.offset + at,
        );
      }
      if (buf.length - at < CHUNK_HEADER_BYTES + size) {
        this.need = CHUNK_HEADER_BYTES + size;
        break;
      }
      this.readChunk(buf, at + CHUNK_HEADER_BYTES, size);
      this.stats.chunks++;
      at += CHUNK_HEADER_BYTES + size;
    }
    this.keep(buf, at);
  }

  /** Ends the stream; throws if it stopped in the middle of the header or of a chunk. */
  finish(): void {
    if (this.meta === null) {
      if (this.stats.bytes === 0) throw new TraceFormatError('not-a-trace', 'the file is empty', 0);
      throw new TraceFormatError('truncated', 'the trace ends inside its header', this.offset);
    }
    if (this.pendingLength > 0) {
      throw new TraceFormatError(
        'truncated',
        `the trace ends in the middle of a chunk at byte ${this.offset} (${this.pendingLength} bytes left over)`,
        this.offset,
      );
    }
  }

  /** Bytes held back while waiting for the rest of a chunk. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  private keep(buf: Uint8Array, at: number): void {
    this.offset += at;
    // Copy so that a large pushed buffer is not kept alive by a small remainder.
    this.pending = at >= buf.length ? [] : [buf.slice(at)];
    this.pendingLength = buf.length - at;
    if (this.need === 0) this.need = CHUNK_HEADER_BYTES;
  }

  /** Returns the header's length, or 0 if more bytes are needed. */
  private readHeader(buf: Uint8Array): number {
    const have = Math.min(buf.length, MAGIC.length);
    for (let i = 0; i < have; i++) {
      if (buf[i] !== MAGIC.charCodeAt(i)) {
        throw new TraceFormatError(
          'not-a-trace',
          'this is not a Loop Lens trace (its first bytes are wrong)',
          0,
        );
      }
    }
    if (buf.length < HEADER_FIXED_BYTES) return 0;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const version = view.getUint32(8, true);
    if (version > FORMAT_VERSION) {
      throw new TraceFormatError(
        'newer-version',
        `this trace has format version ${version}; this Loop Lens reads version ${FORMAT_VERSION} and older — update Loop Lens to read it`,
        8,
      );
    }
    if (version === 0) throw new TraceFormatError('corrupt', 'the trace header has format version 0', 8);
    const metaBytes = view.getUint32(12, true);
    if (metaBytes > MAX_META_BYTES || (HEADER_FIXED_BYTES + metaBytes) % UNIT_BYTES !== 0) {
      throw new TraceFormatError('corrupt', `the trace header claims ${metaBytes} bytes of metadata`, 12);
    }
    if (buf.length < HEADER_FIXED_BYTES + metaBytes) return 0;
    const text = decoder.decode(buf.subarray(HEADER_FIXED_BYTES, HEADER_FIXED_BYTES + metaBytes));
    let meta: unknown;
    try {
      meta = JSON.parse(text);
    } catch {
      throw new TraceFormatError(
        'corrupt',
        'the trace header metadata is not valid JSON',
        HEADER_FIXED_BYTES,
      );
    }
    this.meta = checkMeta(meta, version);
    this.visitor.setMeta?.(this.meta);
    return HEADER_FIXED_BYTES + metaBytes;
  }

  private readChunk(buf: Uint8Array, start: number, size: number): void {
    const view = new DataView(buf.buffer, buf.byteOffset + start, size);
    const v = this.visitor;
    let at = 0;
    while (at < size) {
      const word = view.getUint32(at, true);
      const type = word & 0xff;
      const units = (word >>> 8) & 0xff;
      const arg = (word >>> 16) & 0xff;
      if (units === 0 || at + units * UNIT_BYTES > size) {
        throw new TraceFormatError(
          'corrupt',
          `event at byte ${this.offset + start + at} has a bad length (${units} units)`,
          this.offset + start + at,
        );
      }
      const id = view.getUint32(at + 4, true);
      const time = view.getFloat64(at + 8, true);
      this.stats.events++;
      const timeOk = Number.isFinite(time) && Math.abs(time) < MAX_ABS_TIME;
      switch (type) {
        case EventType.Run:
          if (timeOk) v.run(time, id, arg);
          else this.stats.invalidEvents++;
          break;
        case EventType.Idle:
          if (timeOk) v.idle(time);
          else this.stats.invalidEvents++;
          break;
        case EventType.Task:
          if (units < 3 || !timeOk || id === 0) {
            this.stats.invalidEvents++;
            break;
          }
          v.task(
            time,
            id,
            arg,
            view.getUint32(at + 16, true),
            this.str(view.getUint32(at + 20, true)),
            view.getUint32(at + 24, true),
            this.location(view, at + 32),
          );
          break;
        case EventType.TaskEnd:
          if (timeOk && id !== 0) v.taskEnd(time, id, arg);
          else this.stats.invalidEvents++;
          break;
        case EventType.Ready:
          if (timeOk && id !== 0) v.ready(time, id);
          else this.stats.invalidEvents++;
          break;
        case EventType.TaskInfo:
          if (units < 2 || !timeOk || id === 0) {
            this.stats.invalidEvents++;
            break;
          }
          v.taskInfo(
            time,
            id,
            this.str(view.getUint32(at + 16, true)),
            this.location(view, at + 20),
            units >= 3 ? view.getUint32(at + 32, true) : 0,
          );
          break;
        case EventType.String: {
          const len = view.getUint32(at + 8, true);
          if (id === 0 || len > (units - 1) * UNIT_BYTES) {
            this.stats.invalidEvents++;
            break;
          }
          if (this.strings.size >= MAX_STRING_TABLE && !this.strings.has(id)) {
            this.stats.invalidEvents++;
            break;
          }
          const from = buf.byteOffset + start + at + UNIT_BYTES;
          this.strings.set(id, decoder.decode(new Uint8Array(buf.buffer, from, len)));
          break;
        }
        case EventType.Lag:
          if (units < 2 || !timeOk) {
            this.stats.invalidEvents++;
            break;
          }
          v.lag(
            time,
            view.getUint32(at + 16, true),
            view.getUint32(at + 20, true),
            view.getUint32(at + 24, true),
            view.getUint32(at + 28, true),
          );
          break;
        case EventType.Dropped: {
          const endTime = units >= 2 ? view.getFloat64(at + 16, true) : time;
          if (!timeOk || !Number.isFinite(endTime) || endTime < time) {
            this.stats.invalidEvents++;
            break;
          }
          v.dropped(time, id, endTime);
          break;
        }
        case EventType.End:
          if (!timeOk) {
            this.stats.invalidEvents++;
            break;
          }
          this.ended = true;
          v.end(time, arg, id);
          break;
        case EventType.BlockSample: {
          if (!timeOk || units < 2 + 2 * arg) {
            this.stats.invalidEvents++;
            break;
          }
          const frames: SampledFrame[] = [];
          for (let f = 0; f < arg; f++) {
            const o = at + 32 + f * 32;
            frames.push({
              name: this.str(view.getUint32(o, true)) ?? '(anonymous)',
              location: this.location(view, o + 4),
              weightUs: view.getUint32(o + 16, true),
            });
          }
          const cpu = view.getUint32(at + 28, true);
          v.blockSample(
            time,
            id,
            view.getFloat64(at + 16, true),
            view.getUint32(at + 24, true),
            frames,
            cpu === 0 ? -1 : (cpu - 1) / 1000,
          );
          break;
        }
        case EventType.Await: {
          if (!timeOk || arg < 1 || arg > MAX_AWAIT_FRAMES || units < 1 + arg) {
            this.stats.invalidEvents++;
            break;
          }
          const frames: AwaitFrame[] = [];
          for (let f = 0; f < arg; f++) {
            const o = at + 16 + f * 16;
            const location = this.location(view, o + 4);
            if (location !== null) frames.push({ name: this.str(view.getUint32(o, true)) ?? '', location });
          }
          if (frames.length > 0) v.awaitAt?.(time, id, frames);
          break;
        }
        case EventType.Fold: {
          const into = units >= 2 ? view.getUint32(at + 16, true) : 0;
          if (!timeOk || id === 0 || into === 0 || into === id) {
            this.stats.invalidEvents++;
            break;
          }
          v.fold?.(time, id, into);
          break;
        }
        case EventType.StintCpu: {
          const until = units >= 2 ? view.getFloat64(at + 16, true) : NaN;
          if (!timeOk || !(Math.abs(until) <= MAX_ABS_TIME) || until < time) {
            this.stats.invalidEvents++;
            break;
          }
          const waitUs = view.getUint32(at + 24, true);
          const cpuUs = view.getUint32(at + 28, true);
          const ownUs = units >= 3 ? view.getUint32(at + 32, true) : 0;
          v.stintCpu?.(time, id, until, waitUs / 1000, cpuUs / 1000, ownUs > 0 ? (ownUs - 1) / 1000 : -1);
          break;
        }
        default:
          this.stats.unknownEvents++;
      }
      at += units * UNIT_BYTES;
    }
  }

  private str(id: number): string | null {
    if (id === 0) return null;
    return this.strings.get(id) ?? null;
  }

  private location(view: DataView, at: number): SourceLocation | null {
    const file = this.str(view.getUint32(at, true));
    if (file === null) return null;
    return { file, line: view.getUint32(at + 4, true), column: view.getUint32(at + 8, true) };
  }
}

function checkMeta(meta: unknown, version: number): TraceMeta {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new TraceFormatError('corrupt', 'the trace header metadata is not an object', HEADER_FIXED_BYTES);
  }
  const m = meta as Record<string, unknown>;
  const num = (key: string, fallback: number): number => {
    const value = m[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  };
  const str = (key: string): string | undefined => {
    const value = m[key];
    return typeof value === 'string' ? value.slice(0, 4096) : undefined;
  };
  return {
    formatVersion: version,
    runtime: str('runtime') ?? 'unknown',
    pid: num('pid', 0),
    script: str('script'),
    cwd: str('cwd'),
    startTime: num('startTime', 0),
    clockOriginEpochMs: num('clockOriginEpochMs', 0),
    // A threshold of 0 or less would make every stint a block: a broken header keeps the default.
    blockMs: num('blockMs', DEFAULT_BLOCK_MS) > 0 ? num('blockMs', DEFAULT_BLOCK_MS) : DEFAULT_BLOCK_MS,
    mode: str('mode'),
    tracer: str('tracer'),
    platform: str('platform'),
  };
}
