/**
 * A bounded pool of chunk buffers that the hooks write events into. Writing never does I/O and
 * never allocates per event; when every buffer is full (the reader fell behind) events are dropped
 * and counted, and the count is written as a DROPPED record as soon as there is room again. The sink
 * takes finished chunks away and gives them back once they are written.
 */
import { ChunkWriter, utf8Of } from '../protocol/chunkWriter';

/** 4,096 events of one unit per chunk: 64 KiB. */
export const CHUNK_UNITS = 4096;
/** Strings remembered before the table starts over (bounds memory in long runs). */
const MAX_STRINGS = 20_000;

export class Recorder {
  /** The chunk being written. */
  w: ChunkWriter;
  /** Finished chunks waiting for the sink, oldest first. */
  readonly ready: ChunkWriter[] = [];
  private readonly free: ChunkWriter[] = [];
  /** Events lost since the last DROPPED record. */
  private lost = 0;
  private lostSince = 0;
  /** Events lost since recording began. */
  totalDropped = 0;
  /** Called after a DROPPED record, so the engine can restate what is running. */
  onResume: (() => void) | null = null;
  /** Called when a chunk fills up, so the sink can take it soon rather than at the next tick. */
  onFull: (() => void) | null = null;
  private readonly strings = new Map<string, number>();
  private nextString = 1;

  /** Chunks made so far, and the most there may be (the buffer's size). */
  private made = 1;
  private readonly most: number;

  constructor(
    bufferBytes: number,
    private readonly now: () => number,
  ) {
    // Chunks are made as they are needed, up to the buffer's size: making all of them at start
    // (8 MiB by default, zeroed) took a traced program's start-up 20 ms or more, and most programs
    // never have more than a few in use.
    this.most = Math.max(2, Math.floor(bufferBytes / (CHUNK_UNITS * 16)));
    this.w = new ChunkWriter(CHUNK_UNITS);
  }

  /** A free chunk, or a new one while the buffer has room for it; null when every chunk is in use. */
  private spare(): ChunkWriter | null {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.made >= this.most) return null;
    this.made++;
    return new ChunkWriter(CHUNK_UNITS);
  }

  /**
   * The writer to put an event of `units` units into, or null if the event must be dropped. The
   * fast path is one comparison.
   */
  room(units: number, events = 1): ChunkWriter | null {
    if (this.lost === 0 && this.w.free >= units) return this.w;
    return this.slowRoom(units, events);
  }

  /** room() when the fast path fails; `events`: how many records the room is for (counted if lost). */
  private slowRoom(units: number, events: number): ChunkWriter | null {
    if (this.w.free < units + 2) {
      // Keep two units spare so that a DROPPED record always fits after a loss.
      if (this.w.used > 0) {
        const next = this.spare();
        if (next === null) return this.drop(events);
        this.ready.push(this.w);
        this.w = next;
      }
      if (this.onFull !== null) this.onFull();
    }
    if (this.lost > 0) {
      const lost = this.lost;
      this.lost = 0;
      this.w.dropped(this.lostSince, lost, this.now());
      // Strings sent before the loss may have been lost with it: send them again when next used.
      this.strings.clear();
      if (this.onResume !== null) this.onResume();
      if (this.w.free < units) return this.drop(events);
    }
    return this.w;
  }

  private drop(events: number): null {
    if (this.lost === 0) this.lostSince = this.now();
    this.lost += events;
    this.totalDropped += events;
    return null;
  }

  /** Finishes the current chunk if it holds anything, so the sink can take it. */
  seal(): void {
    if (this.w.used === 0) return;
    const next = this.spare();
    if (next === null) return;
    this.ready.push(this.w);
    this.w = next;
  }

  /** The sink gives a written chunk back. */
  release(chunk: ChunkWriter): void {
    chunk.reset();
    this.free.push(chunk);
  }

  /** Chunks that are neither free nor being written: waiting or in flight. */
  get backlog(): number {
    return this.ready.length;
  }

  /** The id of `text`, writing a STRING record first if the reader has not seen it. 0 if dropped. */
  intern(text: string): number {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    const utf8 = utf8Of(text);
    const w = this.room(ChunkWriter.stringUnits(utf8.length));
    if (w === null) return 0;
    if (this.strings.size >= MAX_STRINGS) this.strings.clear();
    const id = this.nextString++;
    if (this.nextString > 0xfffffff0) this.nextString = 1;
    w.string(id, utf8);
    this.strings.set(text, id);
    return id;
  }
}
